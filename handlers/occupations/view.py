"""Texts and keyboards of the occupations feature: a card, a short chooser, and the
programmes within reach for one occupation."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import Center, Program
from bot.domain.occupations import Occupation
from bot.domain.quiz.content import InstrumentTexts
from bot.domain.ranking import Ranked
from handlers.occupations.callbacks import OccupationAction, OccupationCb
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.view import Home, short_distance
from handlers.programs.callbacks import ProgramAction, ProgramCb
from handlers.programs.view import program_line

LABEL_LENGTH = 24
SPO_SHOWN = 2


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"


def button_label(occupation: Occupation, locale: str) -> str:
    return occupation.label(locale)


def types_in_words(occupation: Occupation, riasec: InstrumentTexts) -> str:
    names = [riasec.types[letter].name for letter in occupation.riasec]
    return "{names} ({code})".format(names=", ".join(names), code="-".join(occupation.riasec))


def card_text(
    occupation: Occupation, locale: str, riasec: InstrumentTexts, klimov: InstrumentTexts
) -> str:
    lines = [
        f"<b>{escape(occupation.name(locale))}</b>",
        escape(occupation.about(locale)),
        "",
        _("Suits: {types}; school type «{klimov}».").format(
            types=escape(types_in_words(occupation, riasec)),
            klimov=escape(klimov.types[occupation.klimov].name),
        ),
        "",
        _("<b>Ways to get there</b>"),
        _("• ЦОПП: {text}").format(text=escape(occupation.copp(locale))),
    ]
    if occupation.spo:
        lines.append(
            _("• College (СПО, official names in Russian): {specialties}").format(
                specialties="; ".join(escape(s) for s in occupation.spo[:SPO_SHOWN])
            )
        )
    vuz = occupation.vuz(locale)
    if vuz:
        lines.append(_("• University: {direction}").format(direction=escape(vuz)))
    return "\n".join(lines)


def card_keyboard(occupation: Occupation, *, from_chooser: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("📍 Programmes nearby"),
        callback_data=OccupationCb(action=OccupationAction.programmes, occupation=occupation.id),
    )
    kb.button(
        text=_("💬 Ask a consultant"),
        callback_data=OccupationCb(action=OccupationAction.consult, occupation=occupation.id),
    )
    if from_chooser:
        kb.button(text=_("◀️ Back"), callback_data=OccupationCb(action=OccupationAction.chooser))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1, 1, 2 if from_chooser else 1)
    return kb.as_markup()


def chooser_text() -> str:
    return _(
        "<b>Which of these do you mean?</b> Tap one to see what the work is and where to learn it."
    )


def chooser_keyboard(occupations: Sequence[Occupation], locale: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for occupation in occupations:
        kb.button(
            text=button_label(occupation, locale),
            callback_data=OccupationCb(action=OccupationAction.card, occupation=occupation.id),
        )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(*([2] * (len(occupations) // 2)), *([1] if len(occupations) % 2 else []), 1)
    return kb.as_markup()


def unknown_text() -> str:
    return _(
        "I don't know this occupation any more — the list may have changed. Here is the menu."
    )


def programmes_text(
    occupation: Occupation,
    locale: str,
    items: Sequence[tuple[Ranked, Program, Center | None]],
    home: Home,
    *,
    online_only: bool,
) -> str:
    name = escape(occupation.name(locale))
    if online_only:
        head = _("<b>Online programmes for «{name}»</b>").format(name=name)
    else:
        head = _("<b>Programmes for «{name}» within reach</b>").format(name=name)
    lines = [head]
    for number, (item, program, center) in enumerate(items, start=1):
        lines.append("")
        lines.append(program_line(number, item, program, center, home))
    return "\n".join(lines)


def nothing_text(
    occupation: Occupation,
    locale: str,
    elsewhere: int,
    nearest: tuple[Program, Center, float] | None,
    home: Home,
) -> str:
    name = escape(occupation.name(locale))
    lines = [_("I have no programmes for «{name}» near you yet.").format(name=name)]
    if nearest is not None:
        program, center, distance = nearest
        lines.append(
            _("The nearest: «{title}», {center} ({distance}).").format(
                title=escape(program.title),
                center=escape(center.name),
                distance=short_distance(center, distance, home.slug, home.precision),
            )
        )
    elif elsewhere:
        lines.append(
            _(
                "There are some in other places, or for other groups of people ({count} in all)."
            ).format(count=elsewhere)
        )
    if occupation.spo:
        lines += [
            "",
            _("Colleges teach it as: {specialty} — ask the college nearest to you.").format(
                specialty=escape(occupation.spo[0])
            ),
        ]
    lines += ["", _("A consultant can suggest where to study — just ask.")]
    return "\n".join(lines)


def programmes_keyboard(
    occupation: Occupation, items: Sequence[tuple[Ranked, Program, Center | None]]
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for number, (_item, program, _center) in enumerate(items, start=1):
        kb.button(
            text=_label(f"{number}. {program.title}"),
            callback_data=ProgramCb(action=ProgramAction.card, program=program.id, page=0),
        )
    if not items:
        kb.button(
            text=_("💬 Ask a consultant"),
            callback_data=OccupationCb(action=OccupationAction.consult, occupation=occupation.id),
        )
        kb.button(text=_("📍 Centres near me"), callback_data=MoreCb(action=MoreAction.centers))
    kb.button(
        text=_("◀️ Back"),
        callback_data=OccupationCb(action=OccupationAction.card, occupation=occupation.id),
    )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(*([1] * len(items)), *([1, 1] if not items else []), 2)
    return kb.as_markup()
