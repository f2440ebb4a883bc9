"""How quizzes look in the chat: question messages, answer buttons, result texts and charts.

Statements and result texts come from `locales/<lang>/quiz.json`; the surrounding words go
through gettext. Every text here stays far below Telegram's limits (a test walks them all).
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Mapping, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.charts import BarChart
from bot.domain.occupations import Occupation, for_klimov, for_riasec
from bot.domain.quiz.content import Instrument, InstrumentId, InstrumentTexts
from bot.domain.quiz.evaluate import QuizResult
from bot.domain.quiz.progress import QuizProgress, progress_bar
from bot.domain.quiz.scoring import (
    KLIMOV_MAX,
    KLIMOV_TYPES,
    RIASEC_MAX,
    RIASEC_TYPES,
    Band,
    Flat,
    KlimovResult,
    RiasecResult,
    klimov_band,
)
from handlers.occupations.callbacks import OccupationAction, OccupationCb
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.programs.callbacks import FieldCb
from handlers.quiz.callbacks import (
    InstrumentChoice,
    QuizAction,
    QuizCb,
    QuizMenuAction,
    QuizMenuCb,
)

RIASEC_TYPE_MAX = RIASEC_MAX
# Occupations shown for the first, second and third type of a code.
EXAMPLES_PER_RANK = (3, 2, 1)
MAX_JOBS = 6


def rating_labels() -> list[tuple[int, str]]:
    return [
        (4, _("😍 With pleasure")),
        (3, _("🙂 Rather yes")),
        (2, _("😐 Not sure")),
        (1, _("🙁 Rather no")),
        (0, _("😣 Definitely not")),
    ]


def option_letters() -> tuple[str, str]:
    return _("A"), _("B")


def question_text(texts: InstrumentTexts, instrument: Instrument, progress: QuizProgress) -> str:
    number = progress.position + 1
    head = _("Question {number} of {total}").format(number=number, total=progress.total)
    bar = progress_bar(progress.position, progress.total)
    item_id = instrument.item_ids[progress.position]
    if instrument.id == "riasec":
        statement = html.escape(texts.items[item_id])
        body = _("How much would you like to:") + f"\n<b>{statement}</b>"
    else:
        letter_a, letter_b = option_letters()
        option_a, option_b = (html.escape(option) for option in texts.items[item_id])
        body = (
            _("What would you rather do?")
            + f"\n\n<b>{letter_a}</b> — {option_a}\n<b>{letter_b}</b> — {option_b}"
        )
    return f"{head}\n{bar}\n\n{body}"


def quiz_callback(action: QuizAction, attempt: str, question: int, value: int = 0) -> str:
    """`QuizCb(...).pack()` without building a pydantic model: this keyboard is redrawn on
    every answer. A test checks that both give the same string."""
    return f"{QuizCb.__prefix__}:{action.value}:{attempt}:{question}:{value}"


def question_keyboard(instrument: Instrument, progress: QuizProgress) -> InlineKeyboardMarkup:
    previous = progress.answers[progress.position]  # set when the person came back
    attempt, question = progress.attempt, progress.position

    def button(text: str, action: QuizAction, value: int = 0) -> InlineKeyboardButton:
        data = quiz_callback(action, attempt, question, value)
        return InlineKeyboardButton(text=text, callback_data=data)

    def answer(value: int, label: str) -> InlineKeyboardButton:
        mark = "✓ " if previous == value else ""
        return button(mark + label, QuizAction.answer, value)

    if instrument.id == "riasec":
        rows = [[answer(value, label)] for value, label in rating_labels()]
    else:
        rows = [[answer(value, label) for value, label in enumerate(option_letters())]]
    navigation = [button(_("⏸ Pause"), QuizAction.pause)]
    if progress.position > 0:
        navigation.insert(0, button(_("◀ Back"), QuizAction.back))
    return InlineKeyboardMarkup(inline_keyboard=[*rows, navigation])


def paused_text(texts: InstrumentTexts, progress: QuizProgress) -> str:
    return _(
        "⏸ «{title}» is paused at question {number} of {total}. Your answers are kept: "
        "continue from the menu or with /test whenever you like."
    ).format(title=texts.title, number=progress.position + 1, total=progress.total)


def resume_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("▶️ Continue"), callback_data=QuizMenuCb(action=QuizMenuAction.resume))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def chooser_text(texts_by_id: dict[InstrumentId, InstrumentTexts]) -> str:
    adult, school = texts_by_id["riasec"], texts_by_id["klimov"]
    return (
        _("<b>Which test?</b>")
        + f"\n\n🧭 <b>{adult.title}</b>\n{adult.intro}"
        + f"\n\n🎒 <b>{school.title}</b>\n{school.intro}"
    )


def chooser_keyboard(*, school_first: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    options = [
        (_("🧭 Interests test"), InstrumentChoice.riasec),
        (_("🎒 School profile test"), InstrumentChoice.klimov),
    ]
    if school_first:
        options.reverse()
    for label, instrument in options:
        kb.button(
            text=label,
            callback_data=QuizMenuCb(action=QuizMenuAction.start, instrument=instrument),
        )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def unfinished_text(texts: InstrumentTexts, progress: QuizProgress) -> str:
    return _(
        "You have an unfinished test: «{title}», question {number} of {total}. "
        "Continue where you stopped, or start again?"
    ).format(title=texts.title, number=progress.position + 1, total=progress.total)


def unfinished_keyboard(instrument: InstrumentId) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("▶️ Continue"), callback_data=QuizMenuCb(action=QuizMenuAction.resume))
    kb.button(
        text=_("🔄 Start again"),
        callback_data=QuizMenuCb(
            action=QuizMenuAction.restart, instrument=InstrumentChoice(instrument)
        ),
    )
    kb.button(text=_("🔀 Another test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose))
    kb.adjust(1)
    return kb.as_markup()


def _type_label(texts: InstrumentTexts, type_id: str) -> str:
    return f"{texts.types[type_id].name} ({type_id})"


def _and(items: Sequence[str]) -> str:
    """«A», «A и B», «A, B и C»."""
    if len(items) <= 1:
        return "".join(items)
    return _("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])


def tiers_phrase(
    tiers: Sequence[Sequence[str]], name: Callable[[str], str] = str, sep: str = "-"
) -> str:
    """A code said honestly: «S-A-E» when every type is clearly ahead of the next; tied types
    together with no order claimed: «R and S», «S, then A and E»."""
    if all(len(tier) == 1 for tier in tiers):
        return sep.join(name(tier[0]) for tier in tiers)
    return _(", then ").join(_and([name(t) for t in tier]) for tier in tiers)


def tie_sentences(
    tiers: Sequence[Sequence[str]], scores: Mapping[str, int], name: Callable[[str], str]
) -> list[str]:
    """One sentence per tie: «поровну» when the scores are equal, «почти поровну» when they
    differ by less than the test can tell apart."""
    sentences = []
    for tier in tiers:
        if len(tier) < 2:
            continue
        names = _and([name(t) for t in tier])
        if len({scores[t] for t in tier}) == 1:
            sentences.append(_("{names}: equally — neither is ahead.").format(names=names))
        else:
            sentences.append(
                _(
                    "{names}: almost equally — the difference is smaller than the test can "
                    "tell apart."
                ).format(names=names)
            )
    return sentences


def _ranks(tiers: Sequence[Sequence[str]]) -> list[tuple[int, str]]:
    """Tied types share a place: 1, 1, 2."""
    return [(place, t) for place, tier in enumerate(tiers, start=1) for t in tier]


def _examples_per_type(tiers: Sequence[Sequence[str]]) -> dict[str, int]:
    named = [t for tier in tiers for t in tier]
    if len(named) == 1:
        return {named[0]: 4}
    counts = {}
    for place, tier in enumerate(tiers):
        for type_id in tier:
            counts[type_id] = EXAMPLES_PER_RANK[min(place, len(EXAMPLES_PER_RANK) - 1)]
    return counts


def jobs_heading() -> str:
    return _(
        "<b>Jobs to look at</b> (ЦОПП and colleges train for them — from a few weeks for "
        "a short course to a few years at college; tap one below to learn more):"
    )


def result_occupations(result: QuizResult) -> tuple[Occupation, ...]:
    """Occupations from the catalogue for the leading type(s) of a result: none for a flat
    result (no code, no jobs) or a result without a clear leader (adult); at most six."""
    reading = result.reading
    if reading.flat is not None:
        return ()
    if isinstance(result, RiasecResult):
        if not reading.tiers:
            return ()
        found = for_riasec(_examples_per_type(reading.tiers), reading.named)
    else:
        shown = reading.named or reading.leaning
        found = for_klimov(tuple(shown), 3 if len(shown) == 1 else 2)
    return found[:MAX_JOBS]


def jobs_list(occupations: Sequence[Occupation]) -> str:
    locale = get_i18n().current_locale
    return "\n".join(f"• {html.escape(o.name(locale))}" for o in occupations)


def riasec_result_text(texts: InstrumentTexts, result: RiasecResult) -> str:
    reading = result.reading
    if reading.flat is not None:
        return undifferentiated_text(reading.flat)
    if not reading.tiers:
        return riasec_leaning_text(texts, result)
    label = functools.partial(_type_label, texts)
    lines = [
        _("<b>Your interest profile: {code}</b>").format(code=tiers_phrase(reading.tiers)),
        *tie_sentences(reading.tiers, result.scores, label),
        "",
    ]
    for place, type_id in _ranks(reading.tiers):
        lines.append(
            _("{place}. <b>{type}</b>, {score} of 20 — {enjoy}").format(
                place=place,
                type=label(type_id),
                score=result.scores[type_id],
                enjoy=texts.types[type_id].enjoy,
            )
        )
    others = [t for t in reading.ranked if t not in reading.named]
    lines.append(
        _("Other types: {list}.").format(
            list=", ".join(
                f"{texts.types[t].name.lower()} ({t}): {result.scores[t]}" for t in others
            )
        )
    )
    lines += [
        "",
        jobs_heading(),
        jobs_list(result_occupations(result)),
        "",
        _("This is a hint, not a verdict: interests grow with trying things."),
    ]
    return "\n".join(lines)


def _scored(texts: InstrumentTexts, types: Sequence[str], scores: Mapping[str, int]) -> str:
    return _and(
        [
            _("{type} — {score} of 20").format(type=_type_label(texts, t), score=scores[t])
            for t in types
        ]
    )


def riasec_leaning_text(texts: InstrumentTexts, result: RiasecResult) -> str:
    """Not flat, but no type is clearly ahead of all the others: say what the answers lean
    towards, without a code."""
    leaning = _scored(texts, result.reading.leaning, result.scores)
    return "\n".join(
        [
            _("<b>No clear leader</b>"),
            _(
                "No type is far enough ahead of the rest to be sure of it. The most points "
                "went to: {leaning}."
            ).format(leaning=leaning),
            "",
            _(
                "I will pick programmes by all your answers. To learn more about yourself, "
                "try a short trial class in a trade (профпроба) at a college or a ЦОПП."
            ),
        ]
    )


def band_name(band: Band) -> str:
    names = {
        Band.low: _("weak"),
        Band.moderate: _("moderate"),
        Band.pronounced: _("strong"),
    }
    return names[band]


def klimov_result_text(texts: InstrumentTexts, result: KlimovResult) -> str:
    reading = result.reading
    if reading.flat is not None:
        return undifferentiated_text(reading.flat)
    shown = reading.named or reading.leaning
    lines: list[str] = [] if reading.named else [_("<b>Closest to you</b>"), ""]
    for type_id in shown:
        type_text = texts.types[type_id]
        score = result.scores[type_id]
        lines.append(
            _("<b>{name}</b>: {score} of 8, {band}").format(
                name=type_text.name, score=score, band=band_name(klimov_band(score))
            )
        )
        lines.append(type_text.enjoy)
        lines.append("")
    name = functools.partial(_school_name, texts)
    notes = tie_sentences(reading.tiers, result.scores, name)
    if not reading.named and len(shown) > 1:
        notes.append(
            _(
                "{names}: close to each other — the difference is smaller than the test can "
                "tell apart, so look at both."
            ).format(names=_and([name(t) for t in shown]))
        )
    elif not reading.named:
        notes.append(
            _("It is ahead, but not by much — take it as a hint and try other things too.")
        )
    if notes:
        lines += [*notes, ""]
    others = [t for t in KLIMOV_TYPES if t not in shown]
    lines.append(
        _("Other types: {list}.").format(
            list=", ".join(f"{texts.types[t].name.lower()}: {result.scores[t]}" for t in others)
        )
    )
    lines += ["", _("<b>School profile to consider</b>")]
    lines += [f"• {texts.profiles[p]} — {texts.profile_notes[p]}" for p in result.profiles]
    lines += ["", jobs_heading(), jobs_list(result_occupations(result))]
    return "\n".join(lines)


def _school_name(texts: InstrumentTexts, type_id: str) -> str:
    return f"«{texts.types[type_id].name}»"


def undifferentiated_text(flat: Flat = Flat.even) -> str:
    if flat is Flat.low:
        head = _(
            "<b>Your result is not clear yet</b>\n"
            "It seems none of these activities has caught your interest yet — that is "
            "normal: many things become interesting only once you try them."
        )
    else:
        head = _(
            "<b>Your result is not clear yet</b>\n"
            "Your answers came out almost even — that is normal: it often happens before you "
            "have tried many different things."
        )
    return head + "\n\n" + explore_text()


def explore_text() -> str:
    return _(
        "What helps:\n"
        "• a short trial class in a trade (профпроба) at a college or a ЦОПП;\n"
        "• an open day at the nearest centre;\n"
        "• a talk with a consultant — they help you sort it out;\n"
        "• taking the test again in a few weeks.\n\n"
        "You can also look at programmes of one field that catches your eye."
    )


def flat_programs_text() -> str:
    """/programs when the latest result is flat: no pretend list."""
    return (
        _(
            "Your latest test result is not clear yet, so I will not pretend that some "
            "programmes fit you best."
        )
        + "\n\n"
        + explore_text()
    )


def result_caption(texts: InstrumentTexts, result: QuizResult) -> str:
    reading = result.reading
    if not reading.tiers:
        if isinstance(result, KlimovResult) and reading.leaning:
            names = " + ".join(texts.types[t].name for t in reading.leaning)
            return _("Closest to you: {names}").format(names=names)
        return _("Your answers, type by type")
    if isinstance(result, RiasecResult):
        return _("Your interest profile: {code}").format(code=tiers_phrase(reading.tiers))
    names = tiers_phrase(reading.tiers, lambda t: texts.types[t].name, " + ")
    return _("Your leading type: {names}").format(names=names)


def result_chart(
    texts: InstrumentTexts, instrument: InstrumentId, scores: dict[str, int], top: tuple[str, ...]
) -> BarChart:
    types = RIASEC_TYPES if instrument == "riasec" else KLIMOV_TYPES
    labels = [
        _type_label(texts, t) if instrument == "riasec" else texts.types[t].name for t in types
    ]
    return BarChart(
        title=texts.title,
        labels=labels,
        values=[scores[t] for t in types],
        maximum=RIASEC_TYPE_MAX if instrument == "riasec" else KLIMOV_MAX,
        highlighted=frozenset(types.index(t) for t in top),
    )


def result_keyboard(
    instrument: InstrumentId,
    *,
    flat: bool = False,
    occupations: Sequence[Occupation] = (),
) -> InlineKeyboardMarkup:
    """Under a result: the cards of its occupations, its programmes — built on the same scores
    as /programs — or, for a flat result, ways to explore instead of a list."""
    kb = InlineKeyboardBuilder()
    locale = get_i18n().current_locale
    for occupation in occupations:
        kb.button(
            text=occupation.label(locale),
            callback_data=OccupationCb(action=OccupationAction.open, occupation=occupation.id),
        )
    if flat:
        explore_buttons(kb)
    else:
        kb.button(
            text=_("🎓 Programmes that fit"),
            callback_data=QuizMenuCb(action=QuizMenuAction.programs),
        )
    kb.button(
        text=_("🔄 Take it again"),
        callback_data=QuizMenuCb(
            action=QuizMenuAction.restart, instrument=InstrumentChoice(instrument)
        ),
    )
    kb.button(text=_("🔀 Another test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(*([2] * (len(occupations) // 2)), *([1] * (len(occupations) % 2)), 1)
    return kb.as_markup()


def explore_buttons(kb: InlineKeyboardBuilder) -> None:
    kb.button(text=_("🔍 Pick a field"), callback_data=FieldCb(code="-"))
    kb.button(text=_("📍 Centres near me"), callback_data=MoreCb(action=MoreAction.centers))
    kb.button(text=_("💬 Ask a consultant"), callback_data=MoreCb(action=MoreAction.consult))


def explore_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    explore_buttons(kb)
    kb.button(text=_("🔄 Take a test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()
