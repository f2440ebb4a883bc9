"""Texts and Telegram's limits: catalogs complete and in step with the code, labels short,
callback data within 64 bytes, the command list registered in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommandScopeChat, InlineKeyboardMarkup
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import SUPPORTED_LOCALES
from bot.runtime.i18n import create_i18n, locales_dir, resolve_locale
from bot.runtime.offline import OfflineSession
from handlers.onboarding import view as keyboards
from tests.support.processes import PROJECT_ROOT as ROOT
from tests.support.settings import ADMIN_ID

KEYWORDS = {"_": None, "__": None, "ngettext": (1, 2), "__n": (1, 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
TAG = re.compile(r"</?[a-z]+")


def code_message_ids() -> set[str]:
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(locale: str):  # type: ignore[no-untyped-def]
    with (locales_dir() / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return read_po(source, locale=locale)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_is_in_step_with_the_code(locale: str) -> None:
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(locale) if m.id}
    in_code = code_message_ids()
    assert in_code - in_catalog == set(), "strings missing from the catalog: run the update"
    assert in_catalog - in_code == set(), "catalog has strings the code no longer uses"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_catalog_has_no_fuzzy_entries(locale: str) -> None:
    assert [m.id for m in catalog(locale) if m.id and m.fuzzy] == []


def test_russian_translates_every_string_keeping_placeholders_and_tags() -> None:
    for message in catalog("ru"):
        if not message.id:
            continue
        assert message.string, f"untranslated: {message.id!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)
        ), message.id
        assert sorted(TAG.findall(message.string)) == sorted(TAG.findall(message.id)), message.id
        assert len(message.string) <= 4096


@pytest.mark.parametrize(
    ("saved", "telegram", "expected"),
    [
        ("en", "ru", "en"),
        (None, "ru", "ru"),
        (None, "uk", "ru"),
        (None, "be", "ru"),
        (None, "kk", "ru"),
        (None, "en-US", "en"),
        (None, "de", "en"),
        (None, None, "ru"),
        ("fr", None, "ru"),
    ],
)
def test_locale_resolution(saved: str | None, telegram: str | None, expected: str) -> None:
    assert resolve_locale(saved, telegram, "ru") == expected


KEYBOARDS: list[Callable[[], InlineKeyboardMarkup]] = [
    keyboards.main_menu,
    keyboards.back_to_menu,
    keyboards.consent,
    keyboards.roles,
    keyboards.languages,
    lambda: keyboards.privacy(has_consent=True),
    lambda: keyboards.privacy(has_consent=False),
    keyboards.forget_confirmation,
]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("build", KEYBOARDS)
def test_buttons_fit_a_phone_and_callback_data_fits_telegram(
    locale: str, build: Callable[[], InlineKeyboardMarkup]
) -> None:
    i18n = create_i18n("ru")
    with i18n.context(), i18n.use_locale(locale):
        markup = build()
    for row in markup.inline_keyboard:
        for button in row:
            assert len(button.text) <= 24, button.text
            assert button.callback_data is not None
            assert len(button.callback_data.encode()) <= 64


async def test_commands_are_registered_in_both_languages(dispatcher: Dispatcher) -> None:
    session = OfflineSession()
    bot = Bot("42:TEST-token", session=session)
    await dispatcher.emit_startup(bot=bot, **dispatcher.workflow_data)
    await dispatcher.emit_shutdown(bot=bot, **dispatcher.workflow_data)
    calls = [r.method for r in session.requests if isinstance(r.method, SetMyCommands)]
    everyone = [call for call in calls if call.scope is None]
    by_language = {call.language_code: call.commands for call in everyone}
    assert set(by_language) == {None, "ru", "en"}
    names = [c.command for c in by_language["ru"]]
    assert names == [
        "start", "menu", "test", "myresult", "programs", "centers", "free", "consult", "my",
        "place", "settings", "classes", "help", "language", "privacy", "forget",
    ]  # fmt: skip
    assert by_language["ru"][-1].description == "Удалить мои данные"
    assert by_language["en"][-1].description == "Delete my data"
    assert by_language[None] == by_language["ru"]
    # Admin commands only in the chats of admins.
    (admins,) = [call for call in calls if call.scope is not None]
    assert isinstance(admins.scope, BotCommandScopeChat) and admins.scope.chat_id == ADMIN_ID
    admin_names = [c.command for c in admins.commands]
    assert {"broadcast", "broadcasts", "stats", "export", "catalogue"} <= set(admin_names)
    assert not {"broadcast", "stats"} & set(names)
