"""Quizzes in the chat: choose, answer (one message edited in place), pause, resume, result."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.charts import render_in_thread
from bot.domain.quiz.content import InstrumentId, QuizCatalog
from bot.domain.quiz.evaluate import QuizResult, evaluate, top_types
from bot.domain.quiz.progress import QuizProgress
from bot.domain.quiz.scoring import RiasecResult
from bot.runtime.reply import Talk
from bot.services.profile import current_role
from bot.services.reminders import drop_quiz_nudge, plan_quiz_nudge
from bot.services.results import latest_result, save_result
from handlers.programs.listing import show_programs
from handlers.programs.states import ProgramsData
from handlers.quiz import view as quiz_view
from handlers.quiz.callbacks import QuizAction, QuizCb, QuizMenuAction, QuizMenuCb
from handlers.quiz.states import Quiz, QuizData, load_progress, save_progress
from handlers.settings.router import after_result

logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- choosing a test -----------------------------------------------------------------------


async def _chooser(talk: Talk) -> tuple[str, InlineKeyboardMarkup]:
    """The choice of tests, ordered by who the person is: students see the school test first,
    everyone else the adult test."""
    quizzes = talk.services.quizzes
    texts_by_id = {i: quizzes.text(talk.locale, i) for i in quizzes.instruments}
    school_first = await current_role(talk.user_row, talk.state) == "student"
    return (
        quiz_view.chooser_text(texts_by_id),
        quiz_view.chooser_keyboard(school_first=school_first),
    )


async def _entry_view(talk: Talk) -> tuple[str, InlineKeyboardMarkup]:
    """An unfinished test is offered first; otherwise the choice."""
    progress = await load_progress(talk.state)
    if progress is not None and not progress.complete:
        texts = talk.services.quizzes.text(talk.locale, progress.instrument)
        return (
            quiz_view.unfinished_text(texts, progress),
            quiz_view.unfinished_keyboard(progress.instrument),
        )
    return await _chooser(talk)


async def cmd_test(_message: Message, talk: Talk) -> None:
    await talk.state.set_state(None)
    await talk.show(*await _entry_view(talk))


async def on_choose(_query: CallbackQuery, talk: Talk) -> None:
    if (await load_progress(talk.state)) is not None:
        # "Another test" from the unfinished prompt: the choice itself, not the prompt again.
        await talk.show(*await _chooser(talk))
        return
    await talk.show(*await _entry_view(talk))


async def on_start(_query: CallbackQuery, callback_data: QuizMenuCb, talk: Talk) -> None:
    quizzes = talk.services.quizzes
    instrument_id = callback_data.instrument.value
    if instrument_id not in quizzes.instruments:
        await talk.show(_("This button no longer works — here is the menu."))
        return
    progress = await load_progress(talk.state)
    same_unfinished = (
        progress is not None and not progress.complete and progress.instrument == instrument_id
    )
    if same_unfinished and callback_data.action == QuizMenuAction.start:
        assert progress is not None
        texts = quizzes.text(talk.locale, progress.instrument)
        await talk.show(
            quiz_view.unfinished_text(texts, progress),
            quiz_view.unfinished_keyboard(progress.instrument),
        )
        return
    instrument = quizzes.instruments[instrument_id]
    texts = quizzes.text(talk.locale, instrument.id)
    await talk.show(_("<b>{title}</b>\n{intro}").format(title=texts.title, intro=texts.intro))
    progress = QuizProgress.start(instrument.id, len(instrument), _now())
    await _send_question(talk.followed_up(), progress)


async def on_resume(query: CallbackQuery, talk: Talk) -> None:
    await drop_quiz_nudge(talk.services.db, talk.user_row.id)
    progress = await load_progress(talk.state)
    if progress is None or progress.complete:
        await query.answer(_("There is no unfinished test — choose one."))
        await talk.followed_up().send(*await _entry_view(talk))
        return
    await query.answer()
    await _send_question(talk.followed_up(), progress)


# --- answering -----------------------------------------------------------------------------


async def _send_question(talk: Talk, progress: QuizProgress) -> None:
    """Show the current question as a new message, which later answers then edit."""
    quizzes = talk.services.quizzes
    instrument = quizzes.instruments[progress.instrument]
    texts = quizzes.text(talk.locale, progress.instrument)
    sent = await talk.send(
        quiz_view.question_text(texts, instrument, progress),
        quiz_view.question_keyboard(instrument, progress),
    )
    progress.message_id = sent.message_id
    await save_progress(talk.state, progress)
    await talk.state.set_state(Quiz.answering)


async def _edit_question(talk: Talk, progress: QuizProgress, *, notice: str | None = None) -> None:
    quizzes = talk.services.quizzes
    instrument = quizzes.instruments[progress.instrument]
    texts = quizzes.text(talk.locale, progress.instrument)
    await talk.show(
        quiz_view.question_text(texts, instrument, progress),
        quiz_view.question_keyboard(instrument, progress),
        notice=notice,
    )


async def on_quiz_tap(
    query: CallbackQuery, callback_data: QuizCb, talk: Talk, raw_state: str | None
) -> None:
    # The hot path of the quiz: one read and one write of the conversation data per answer.
    data = await talk.state.get_data()
    progress = QuizProgress.from_dict(data.get(QuizData.progress))
    current = progress is not None and progress.accepts(
        callback_data.attempt, callback_data.question
    )
    if progress is None or not current:
        await _refuse_stale_tap(query, talk, progress)
        return
    assert progress is not None
    instrument = talk.services.quizzes.instruments[progress.instrument]

    if callback_data.action == QuizAction.pause:
        await save_progress(talk.state, progress)
        await talk.state.set_state(None)
        await plan_quiz_nudge(talk.services.db, talk.user_row.id)
        texts = talk.services.quizzes.text(talk.locale, progress.instrument)
        await talk.show(quiz_view.paused_text(texts, progress), quiz_view.resume_keyboard())
        return
    if callback_data.action == QuizAction.back:
        progress.back()
    elif instrument.valid_answer(callback_data.value):
        progress.answer(callback_data.value)
    else:
        await _refuse_stale_tap(query, talk, progress)
        return

    if progress.complete:
        await _finish(talk, progress)
        return
    await save_progress(talk.state, progress, data)
    if raw_state != Quiz.answering.state:
        await talk.state.set_state(Quiz.answering)
    await _edit_question(talk, progress)


async def _refuse_stale_tap(
    query: CallbackQuery, talk: Talk, progress: QuizProgress | None
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
        await _edit_question(talk, progress, notice=notice)
        return
    await query.answer(notice)
    await _send_question(talk.followed_up(), progress)


async def typed_during_quiz(message: Message, talk: Talk) -> None:
    progress = await load_progress(talk.state)
    if progress is None or progress.complete:
        await talk.state.set_state(None)
        await message.answer(_("I don't understand free text yet 🙂 Please choose what to do:"))
        return
    await message.answer(_("Please answer with the buttons under the question 👇"))
    await _send_question(talk, progress)


# --- result --------------------------------------------------------------------------------


async def _finish(talk: Talk, progress: QuizProgress) -> None:
    db, quizzes = talk.services.db, talk.services.quizzes
    instrument = quizzes.instruments[progress.instrument]
    answers = progress.final_answers()
    result = evaluate(instrument, answers)
    saved = await save_result(
        db,
        talk.user_row,
        talk.state,
        instrument,
        answers,
        result,
        progress.started_at,
        progress.attempt,
    )
    await save_progress(talk.state, None)
    await talk.state.set_state(None)
    await drop_quiz_nudge(db, talk.user_row.id)
    await talk.show(_("✅ Done! Here is your result."))
    await send_result(talk.bot, talk.chat_id, quizzes, talk.locale, instrument.id, result)
    await after_result(talk, saved=saved)
    if not saved:
        await talk.bot.send_message(
            talk.chat_id,
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
            caption=quiz_view.result_caption(texts, result),
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
            instrument,
            flat=result.undifferentiated,
            occupations=quiz_view.result_occupations(result),
        ),
    )


async def _show_my_result(talk: Talk) -> None:
    quizzes, user_row = talk.services.quizzes, talk.user_row
    if not user_row.has_consent:
        await talk.send(
            _(
                "I keep results only with your consent, so there is nothing saved yet. "
                "Give consent in /privacy, then take a test with /test."
            ),
        )
        return
    row = await latest_result(talk.services.db, user_row.id)
    if row is None or row.instrument not in quizzes.instruments:
        await talk.send(
            _("You have no result yet. Take a test — it takes about five minutes."),
            quiz_view.chooser_keyboard(school_first=user_row.role == "student"),
        )
        return
    instrument = quizzes.instruments[row.instrument]
    result = evaluate(instrument, row.answers)
    await send_result(
        talk.bot,
        talk.chat_id,
        quizzes,
        talk.locale,
        instrument.id,
        result,
        taken_on=row.finished_at[:10],
    )


async def cmd_my_result(_message: Message, talk: Talk) -> None:
    await _show_my_result(talk)


async def on_my_result(query: CallbackQuery, talk: Talk) -> None:
    await query.answer()
    await _show_my_result(talk.followed_up())


async def on_programs(query: CallbackQuery, talk: Talk) -> None:
    """«Programmes that fit» under a result: the very list /programs shows (built on the
    latest result), in a new message so the result stays readable above it."""
    await query.answer()
    await talk.state.update_data({ProgramsData.basis: None})
    await show_programs(talk.followed_up())


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
    router.callback_query.register(
        on_programs, QuizMenuCb.filter(F.action == QuizMenuAction.programs)
    )
    router.callback_query.register(on_quiz_tap, QuizCb.filter())
    router.message.register(typed_during_quiz, Quiz.answering, _TYPED)
    return router
