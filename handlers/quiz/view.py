"""How quizzes look in the chat: question messages, answer buttons, result texts and charts.

Statements and result texts come from `locales/<lang>/quiz.json`; the surrounding words go
through gettext. Every text here stays far below Telegram's limits (a test walks them all).
"""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import RIASEC
from bot.domain.charts import BarChart
from bot.domain.quiz.content import Instrument, InstrumentId, InstrumentTexts
from bot.domain.quiz.progress import QuizProgress, progress_bar
from bot.domain.quiz.scoring import (
    KLIMOV_TYPES,
    RATING_MAX,
    RIASEC_TYPES,
    Band,
    KlimovResult,
    RiasecResult,
    klimov_band,
)
from bot.domain.ranking import vector_from_scores
from handlers.onboarding.callbacks import MenuAction, MenuCb
from handlers.programs.callbacks import FieldCb
from handlers.quiz.callbacks import (
    InstrumentChoice,
    QuizAction,
    QuizCb,
    QuizMenuAction,
    QuizMenuCb,
)

KLIMOV_MAX = 8
RIASEC_TYPE_MAX = 5 * RATING_MAX
# Occupations shown for the first, second and third type of a code.
EXAMPLES_PER_RANK = (3, 2, 1)


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


def riasec_result_text(texts: InstrumentTexts, result: RiasecResult) -> str:
    if result.undifferentiated:
        return undifferentiated_text()
    lines = [_("<b>Your interest profile: {code}</b>").format(code=result.code_text), ""]
    for rank, type_id in enumerate(result.code, start=1):
        type_text = texts.types[type_id]
        lines.append(f"{rank}. <b>{_type_label(texts, type_id)}</b> — {type_text.enjoy}")
    examples: list[str] = []
    for type_id, count in zip(result.code, EXAMPLES_PER_RANK, strict=True):
        examples.extend(texts.types[type_id].examples[:count])
    lines += [
        "",
        _("<b>Jobs to look at</b> (ЦОПП and colleges train for such jobs in weeks or months):"),
        "\n".join(f"• {example}" for example in examples),
        "",
        _("This is a hint, not a verdict: interests grow with trying things."),
    ]
    return "\n".join(lines)


def band_name(band: Band) -> str:
    names = {
        Band.low: _("weak"),
        Band.moderate: _("moderate"),
        Band.pronounced: _("strong"),
    }
    return names[band]


def klimov_result_text(texts: InstrumentTexts, result: KlimovResult) -> str:
    if result.undifferentiated:
        return undifferentiated_text()
    lines: list[str] = []
    for type_id in result.leading:
        type_text = texts.types[type_id]
        score = result.scores[type_id]
        lines.append(
            _("<b>{name}</b>: {score} of 8, {band}").format(
                name=type_text.name, score=score, band=band_name(klimov_band(score))
            )
        )
        lines.append(type_text.enjoy)
        lines.append("")
    others = [t for t in KLIMOV_TYPES if t not in result.leading]
    lines.append(
        _("Other types: {list}.").format(
            list=", ".join(f"{texts.types[t].name.lower()}: {result.scores[t]}" for t in others)
        )
    )
    lines += ["", _("<b>School profile to consider</b>")]
    lines += [f"• {texts.profiles[p]} — {texts.profile_notes[p]}" for p in result.profiles]
    lines += ["", _("<b>College specialties to look at</b>")]
    for type_id in result.leading:
        lines += [f"• {example}" for example in texts.types[type_id].examples[:3]]
    return "\n".join(lines)


def undifferentiated_text() -> str:
    return _(
        "<b>Your result is not clear yet</b>\n"
        "Your answers came out almost evenly — or were all the same. That is normal: it often "
        "happens before you have tried many different things.\n\n"
        "What helps:\n"
        "• try a few different activities — a club, a trial day, a short course;\n"
        "• take the test again in a few weeks;\n"
        "• talk to a career adviser at a ЦОПП or an employment centre."
    )


def result_caption(texts: InstrumentTexts, instrument: InstrumentId, code: str | None) -> str:
    if code is None:
        return _("Your answers, type by type")
    if instrument == "riasec":
        return _("Your interest profile: {code}").format(code=code)
    names = " + ".join(texts.types[t].name for t in code.split("+"))
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


def programs_code(vector: dict[str, float]) -> str:
    """Up to three leading RIASEC letters of a result, for "programmes that fit" — the
    code travels in the button, so it works without a saved result. "-" when flat."""
    direction = vector_from_scores(vector)
    ranked = sorted(
        (t for t, w in zip(RIASEC, direction, strict=True) if w > 0),
        key=lambda t: -direction[RIASEC.index(t)],
    )
    return "".join(ranked[:3]) or "-"


def result_keyboard(instrument: InstrumentId, code: str = "-") -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🎓 Programmes that fit"), callback_data=FieldCb(code=code))
    kb.button(
        text=_("🔄 Take it again"),
        callback_data=QuizMenuCb(
            action=QuizMenuAction.restart, instrument=InstrumentChoice(instrument)
        ),
    )
    kb.button(text=_("🔀 Another test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()
