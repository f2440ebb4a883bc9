"""Quizzes in the chat: choose, answer (one message edited in place), pause, resume, result."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.charts import render_in_thread
from bot.domain.quiz.content import Instrument, InstrumentId, QuizCatalog
from bot.domain.quiz.evaluate import QuizResult, evaluate, result_code, top_types
from bot.domain.quiz.progress import QuizProgress
from bot.domain.quiz.scoring import RATING_MAX, RiasecResult
from handlers.common import answer_callback_with, current_role
from handlers.quiz import view as quiz_view
from handlers.quiz.callbacks import QuizAction, QuizCb, QuizMenuAction, QuizMenuCb
from handlers.quiz.states import Quiz
from handlers.reminders.router import drop_quiz_nudge, plan_quiz_nudge
from storage.db import Database
from storage.users import UserRow

logger = logging.getLogger(__name__)
PROGRESS = "quiz"


async def load_progress(state: FSMContext) -> QuizProgress | None:
    return QuizProgress.from_dict((await state.get_data()).get(PROGRESS))


async def save_progress(
    state: FSMContext, progress: QuizProgress | None, data: dict[str, Any] | None = None
) -> None:
    """`data`: the conversation data as just read, which saves reading it again."""
    value = progress.to_dict() if progress else None
    if data is None:
        await state.update_data({PROGRESS: value})
    else:
        await state.set_data({**data, PROGRESS: value})


async def has_unfinished_quiz(state: FSMContext) -> bool:
    progress = await load_progress(state)
    return progress is not None and not progress.complete


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- choosing a test -----------------------------------------------------------------------


async def _entry_view(
    state: FSMContext, quizzes: QuizCatalog, locale: str, user_row: UserRow
) -> tuple[str, InlineKeyboardMarkup]:
    """An unfinished test is offered first; otherwise the choice, ordered by who the person is:
    students see the school test first, everyone else the adult test."""
    progress = await load_progress(state)
    if progress is not None and not progress.complete:
        texts = quizzes.text(locale, progress.instrument)
        return (
            quiz_view.unfinished_text(texts, progress),
            quiz_view.unfinished_keyboard(progress.instrument),
        )
    school_first = await current_role(user_row, state) == "student"
    texts_by_id = {i: quizzes.text(locale, i) for i in quizzes.instruments}
    return (
        quiz_view.chooser_text(texts_by_id),
        quiz_view.chooser_keyboard(school_first=school_first),
    )


async def cmd_test(
    message: Message, state: FSMContext, quizzes: QuizCatalog, locale: str, user_row: UserRow
) -> None:
    await state.set_state(None)
    text, markup = await _entry_view(state, quizzes, locale, user_row)
    await message.answer(text, reply_markup=markup)


async def on_choose(
    query: CallbackQuery, state: FSMContext, quizzes: QuizCatalog, locale: str, user_row: UserRow
) -> None:
    if (await load_progress(state)) is not None:
        # "Another test" from the unfinished prompt: the choice itself, not the prompt again.
        texts_by_id = {i: quizzes.text(locale, i) for i in quizzes.instruments}
        school_first = await current_role(user_row, state) == "student"
        await answer_callback_with(
            query,
            quiz_view.chooser_text(texts_by_id),
            quiz_view.chooser_keyboard(school_first=school_first),
        )
        return
    text, markup = await _entry_view(state, quizzes, locale, user_row)
    await answer_callback_with(query, text, markup)


async def on_start(
    query: CallbackQuery,
    callback_data: QuizMenuCb,
    bot: Bot,
    state: FSMContext,
    quizzes: QuizCatalog,
    locale: str,
) -> None:
    instrument_id = callback_data.instrument.value
    if instrument_id not in quizzes.instruments:
        await answer_callback_with(query, _("This button no longer works — here is the menu."))
        return
    progress = await load_progress(state)
    same_unfinished = (
        progress is not None and not progress.complete and progress.instrument == instrument_id
    )
    if same_unfinished and callback_data.action == QuizMenuAction.start:
        assert progress is not None
        texts = quizzes.text(locale, progress.instrument)
        await answer_callback_with(
            query,
            quiz_view.unfinished_text(texts, progress),
            quiz_view.unfinished_keyboard(progress.instrument),
        )
        return
    instrument = quizzes.instruments[instrument_id]
    texts = quizzes.text(locale, instrument.id)
    await answer_callback_with(
        query,
        _("<b>{title}</b>\n{intro}").format(title=texts.title, intro=texts.intro),
    )
    progress = QuizProgress.start(instrument.id, len(instrument), _now())
    await _send_question(bot, query.from_user.id, state, quizzes, locale, progress)


async def on_resume(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    db: Database,
    quizzes: QuizCatalog,
    locale: str,
    user_row: UserRow,
) -> None:
    await drop_quiz_nudge(db, user_row.id)
    progress = await load_progress(state)
    if progress is None or progress.complete:
        await query.answer(_("There is no unfinished test — choose one."))
        text, markup = await _entry_view(state, quizzes, locale, user_row)
        await bot.send_message(query.from_user.id, text, reply_markup=markup)
        return
    await query.answer()
    await _send_question(bot, query.from_user.id, state, quizzes, locale, progress)


# --- answering -----------------------------------------------------------------------------


async def _send_question(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    quizzes: QuizCatalog,
    locale: str,
    progress: QuizProgress,
) -> None:
    """Show the current question as a new message, which later answers then edit."""
    instrument = quizzes.instruments[progress.instrument]
    texts = quizzes.text(locale, progress.instrument)
    sent = await bot.send_message(
        chat_id,
        quiz_view.question_text(texts, instrument, progress),
        reply_markup=quiz_view.question_keyboard(instrument, progress),
    )
    progress.message_id = sent.message_id
    await save_progress(state, progress)
    await state.set_state(Quiz.answering)


async def _edit_question(
    query: CallbackQuery,
    quizzes: QuizCatalog,
    locale: str,
    progress: QuizProgress,
    *,
    notice: str | None = None,
) -> None:
    instrument = quizzes.instruments[progress.instrument]
    texts = quizzes.text(locale, progress.instrument)
    await answer_callback_with(
        query,
        quiz_view.question_text(texts, instrument, progress),
        quiz_view.question_keyboard(instrument, progress),
        notice=notice,
    )


def _valid_value(instrument: Instrument, value: int) -> bool:
    top = RATING_MAX if instrument.id == "riasec" else 1
    return 0 <= value <= top


async def on_quiz_tap(
    query: CallbackQuery,
    callback_data: QuizCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    quizzes: QuizCatalog,
    locale: str,
    user_row: UserRow,
    raw_state: str | None,
) -> None:
    # The hot path of the quiz: one read and one write of the conversation data per answer.
    data = await state.get_data()
    progress = QuizProgress.from_dict(data.get(PROGRESS))
    current = progress is not None and progress.accepts(
        callback_data.attempt, callback_data.question
    )
    if progress is None or not current:
        await _refuse_stale_tap(query, bot, state, quizzes, locale, progress)
        return
    assert progress is not None
    instrument = quizzes.instruments[progress.instrument]

    if callback_data.action == QuizAction.pause:
        await save_progress(state, progress)
        await state.set_state(None)
        await plan_quiz_nudge(db, user_row.id)
        texts = quizzes.text(locale, progress.instrument)
        await answer_callback_with(
            query, quiz_view.paused_text(texts, progress), quiz_view.resume_keyboard()
        )
        return
    if callback_data.action == QuizAction.back:
        progress.back()
    elif _valid_value(instrument, callback_data.value):
        progress.answer(callback_data.value)
    else:
        await _refuse_stale_tap(query, bot, state, quizzes, locale, progress)
        return

    if progress.complete:
        await _finish(query, bot, state, db, quizzes, locale, user_row, progress)
        return
    await save_progress(state, progress, data)
    if raw_state != Quiz.answering.state:
        await state.set_state(Quiz.answering)
    await _edit_question(query, quizzes, locale, progress)


async def _refuse_stale_tap(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    quizzes: QuizCatalog,
    locale: str,
    progress: QuizProgress | None,
) -> None:
    """A tap on an old question, a second tap, or forged data: nothing is counted."""
    if progress is None or progress.complete:
        await query.answer(_("This test is over. Start a new one with /test."))
        return
    notice = _("That question is behind us — here is the current one.")
    same_message = (
        isinstance(query.message, Message) and query.message.message_id == progress.message_id
    )
    if same_message:
        await _edit_question(query, quizzes, locale, progress, notice=notice)
        return
    await query.answer(notice)
    await _send_question(bot, query.from_user.id, state, quizzes, locale, progress)


async def typed_during_quiz(
    message: Message, bot: Bot, state: FSMContext, quizzes: QuizCatalog, locale: str
) -> None:
    progress = await load_progress(state)
    if progress is None or progress.complete:
        await state.set_state(None)
        await message.answer(_("I don't understand free text yet 🙂 Please choose what to do:"))
        return
    await message.answer(_("Please answer with the buttons under the question 👇"))
    await _send_question(bot, message.chat.id, state, quizzes, locale, progress)


# --- result --------------------------------------------------------------------------------


async def _finish(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    db: Database,
    quizzes: QuizCatalog,
    locale: str,
    user_row: UserRow,
    progress: QuizProgress,
) -> None:
    instrument = quizzes.instruments[progress.instrument]
    answers = progress.final_answers()
    result = evaluate(instrument, answers)
    if user_row.has_consent:
        async with db.autocommit() as repos:
            await repos.results.add(
                user_id=user_row.id,
                instrument=instrument.id,
                answers=answers,
                scores=result.scores,
                code=result_code(result),
                vector=result.vector(),
                started_at=progress.started_at,
            )
    await save_progress(state, None)
    await state.set_state(None)
    await drop_quiz_nudge(db, user_row.id)
    await answer_callback_with(query, _("✅ Done! Here is your result."))
    await send_result(bot, query.from_user.id, quizzes, locale, instrument.id, result)
    if not user_row.has_consent:
        await bot.send_message(
            query.from_user.id,
            _(
                "I have not saved this result: you did not give consent to store data. "
                "You can give it in /privacy."
            ),
        )


async def send_result(
    bot: Bot,
    chat_id: int,
    quizzes: QuizCatalog,
    locale: str,
    instrument: InstrumentId,
    result: QuizResult,
    *,
    taken_on: str | None = None,
) -> None:
    """The chart first (when it can be drawn), then the full text, which never needs it."""
    texts = quizzes.text(locale, instrument)
    code = result_code(result)
    try:
        png = await render_in_thread(
            quiz_view.result_chart(texts, instrument, result.scores, top_types(result))
        )
    except Exception:  # a chart is a bonus: the text below carries the whole result
        logger.exception("Result chart could not be drawn")
    else:
        await bot.send_photo(
            chat_id,
            BufferedInputFile(png, filename="result.png"),
            caption=quiz_view.result_caption(texts, instrument, code),
        )
    text = (
        quiz_view.riasec_result_text(texts, result)
        if isinstance(result, RiasecResult)
        else quiz_view.klimov_result_text(texts, result)
    )
    if taken_on:
        text = _("Test taken on {date}.").format(date=taken_on) + "\n\n" + text
    await bot.send_message(
        chat_id,
        text,
        reply_markup=quiz_view.result_keyboard(
            instrument, quiz_view.programs_code(result.vector())
        ),
    )


async def _show_my_result(
    bot: Bot, chat_id: int, db: Database, quizzes: QuizCatalog, locale: str, user_row: UserRow
) -> None:
    if not user_row.has_consent:
        await bot.send_message(
            chat_id,
            _(
                "I keep results only with your consent, so there is nothing saved yet. "
                "Give consent in /privacy, then take a test with /test."
            ),
        )
        return
    async with db.autocommit() as repos:
        row = await repos.results.latest(user_row.id)
    if row is None or row.instrument not in quizzes.instruments:
        await bot.send_message(
            chat_id,
            _("You have no result yet. Take a test — it takes about five minutes."),
            reply_markup=quiz_view.chooser_keyboard(school_first=user_row.role == "student"),
        )
        return
    instrument = quizzes.instruments[row.instrument]
    result = evaluate(instrument, row.answers)
    await send_result(
        bot, chat_id, quizzes, locale, instrument.id, result, taken_on=row.finished_at[:10]
    )


async def cmd_my_result(
    message: Message, bot: Bot, db: Database, quizzes: QuizCatalog, locale: str, user_row: UserRow
) -> None:
    await _show_my_result(bot, message.chat.id, db, quizzes, locale, user_row)


async def on_my_result(
    query: CallbackQuery,
    bot: Bot,
    db: Database,
    quizzes: QuizCatalog,
    locale: str,
    user_row: UserRow,
) -> None:
    await query.answer()
    await _show_my_result(bot, query.from_user.id, db, quizzes, locale, user_row)


_TYPED = F.text & ~F.text.startswith("/")


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_test, Command("test"))
    router.message.register(cmd_my_result, Command("myresult"))
    router.callback_query.register(on_choose, QuizMenuCb.filter(F.action == QuizMenuAction.choose))
    router.callback_query.register(
        on_start,
        QuizMenuCb.filter(F.action.in_({QuizMenuAction.start, QuizMenuAction.restart})),
    )
    router.callback_query.register(on_resume, QuizMenuCb.filter(F.action == QuizMenuAction.resume))
    router.callback_query.register(
        on_my_result, QuizMenuCb.filter(F.action == QuizMenuAction.result)
    )
    router.callback_query.register(on_quiz_tap, QuizCb.filter())
    router.message.register(typed_during_quiz, Quiz.answering, _TYPED)
    return router
