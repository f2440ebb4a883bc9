"""Translations: gettext catalogs from `locales/`, compiled in memory when the bot starts.

Message ids in the code are English; `ru` is the primary product language and must translate
every one of them. Compiling at start-up means a plain `pip install` is enough — there is no
separate `.mo` build step to forget, and a catalog edited in place is picked up on restart.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import locales
from bot.config import SUPPORTED_LOCALES, Locale

DOMAIN = "messages"
# Telegram clients in these languages get Russian: it is the language people there read.
_RUSSIAN_READERS = frozenset({"ru", "uk", "be", "kk"})


def locales_dir() -> Path:
    return locales.directory()


def resolve_locale(saved: str | None, language_code: str | None, default: Locale) -> Locale:
    """Saved choice first, then the Telegram client's language, then the default."""
    if saved in SUPPORTED_LOCALES:
        return saved
    if language_code:
        primary = language_code.split("-")[0].lower()
        return "ru" if primary in _RUSSIAN_READERS else "en"
    return default


class CatalogI18n(I18n):
    """aiogram's I18n reading `.po` files directly instead of precompiled `.mo` files."""

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's `gettext` helpers look up `I18n.get_current()`; the context mixin gives
        # every subclass a slot of its own, so register this instance in the base class slot.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for folder in sorted(self.path.iterdir()):
            po_path = folder / "LC_MESSAGES" / f"{self.domain}.po"
            if not po_path.is_file():
                continue
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=folder.name, domain=self.domain)
            compiled = io.BytesIO()
            write_mo(compiled, catalog)
            compiled.seek(0)
            translations[folder.name] = gettext.GNUTranslations(compiled)
        return translations


def create_i18n(default_locale: Locale) -> CatalogI18n:
    return CatalogI18n(path=locales_dir(), default_locale=default_locale, domain=DOMAIN)
