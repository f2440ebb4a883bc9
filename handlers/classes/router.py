"""Parents and teachers: their menu (/classes, or «👪 For parents, teachers» in the menu), a
test for a child, classes with a link and a QR code and an anonymous summary with a chart,
what the types mean. Pupils: sharing their own result by a link.

Every class tap re-checks that the class belongs to the person tapping; a summary never
holds one pupil's answers, and below `MIN_FINISHED` finished it is the count alone."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.charts import render_in_thread
from bot.domain.qr import qr_png
from bot.domain.quiz.evaluate import evaluate, top_types
from bot.domain.quiz.scoring import RiasecResult
from bot.runtime.reply import Talk
from bot.services import classes, links
from handlers.classes import view
from handlers.classes.callbacks import (
    ClassAction,
    ClassCb,
    ParentAction,
    ParentCb,
    ShareAction,
    ShareCb,
)
from handlers.links.states import ClassDraft
from handlers.quiz import view as quiz_view

logger = logging.getLogger(__name__)


async def _allowed(talk: Talk) -> bool:
    return await classes.may_create(talk.user_row, talk.state, talk.services.settings.admin_ids)


async def _bot_link(talk: Talk, code: str = "") -> str:
    me = await talk.bot.me()
    url = f"https://t.me/{me.username or ''}"
    return links.deep_link(me.username or "", code) if code else url


async def cmd_classes(_message: Message, talk: Talk) -> None:
    await talk.state.set_state(None)
    if not await _allowed(talk):
        await talk.show(view.not_for_you())
        return
    await talk.show(view.parent_menu_text(), view.parent_menu())


async def on_parent(_query: CallbackQuery, callback_data: ParentCb, talk: Talk) -> None:
    # What the types mean is for anyone (it is under a shared result, too).
    if callback_data.action is not ParentAction.types and not await _allowed(talk):
        await talk.show(view.not_for_you())
        return
    action = callback_data.action
    if action is ParentAction.menu:
        await talk.state.set_state(None)
        await talk.show(view.parent_menu_text(), view.parent_menu())
    elif action is ParentAction.send_test:
        await talk.show(view.send_test_text(), view.back_to_parent_menu())
        await talk.followed_up().send(view.forward_text(await _bot_link(talk)))
    elif action is ParentAction.types:
        quizzes = talk.services.quizzes
        text = view.types_text(
            quizzes.text(talk.locale, "klimov"), quizzes.text(talk.locale, "riasec")
        )
        back = view.back_to_parent_menu() if await _allowed(talk) else view.to_menu()
        await talk.show(text, back)
    elif action is ParentAction.new_class:
        if not talk.user_row.has_consent:
            await talk.show(view.need_consent_for_class(), view.back_to_parent_menu())
            return
        await talk.state.set_state(ClassDraft.name)
        await talk.show(view.ask_class_name())
    else:
        found = await classes.classes_of(talk.services.db, talk.user_row.id)
        await talk.show(view.classes_text(found), view.classes_keyboard(found))


async def on_class_name(message: Message, talk: Talk) -> None:
    name = links.clean_name(message.text or "")
    if name is None:
        await message.answer(_("The name must be 1 to 60 characters. Try again, or /menu."))
        return
    if not await _allowed(talk) or not talk.user_row.has_consent:
        await talk.state.set_state(None)
        await message.answer(view.not_for_you())
        return
    row = await classes.create_class(talk.services.db, talk.user_row.id, name)
    await talk.state.set_state(None)
    if row is None:
        await message.answer(
            _("You have {count} classes already, the most one person can have.").format(
                count=classes.CLASSES_MAX
            )
        )
        return
    await _send_class_link(talk, row.name, row.code)


async def not_a_class_name(message: Message) -> None:
    await message.answer(_("Please write the class name as text, or /menu to cancel."))


async def _send_class_link(talk: Talk, name: str, code: str) -> None:
    url = await _bot_link(talk, code)
    await talk.bot.send_message(talk.chat_id, view.class_created(name, url))
    await talk.bot.send_photo(
        talk.chat_id,
        BufferedInputFile(qr_png(url), filename="class-qr.png"),
        caption=view.qr_caption(name),
        reply_markup=view.back_to_parent_menu(),
    )


async def on_class(query: CallbackQuery, callback_data: ClassCb, talk: Talk) -> None:
    db, owner = talk.services.db, query.from_user.id
    row = await classes.owned(db, owner, callback_data.id)
    if row is None or not await _allowed(talk):
        await talk.alert(_("This class is not yours or no longer exists."))
        return
    if callback_data.action is ClassAction.link:
        await talk.acknowledge()
        await _send_class_link(talk.followed_up(), row.name, row.code)
        return
    found = await classes.summary(db, owner, row.id)
    assert found is not None
    texts = talk.services.quizzes.text(talk.locale, "klimov")
    await talk.show(view.summary_text(found, texts), view.summary_keyboard(row.id))
    if not found.shown:
        return
    try:
        png = await render_in_thread(view.summary_chart(found, texts))
    except Exception:  # the text has every figure; the chart only shows them
        logger.exception("Class chart could not be drawn")
        return
    await talk.bot.send_photo(
        talk.chat_id, BufferedInputFile(png, filename="class.png"), caption=found.name[:1024]
    )


async def show_shared_result(talk: Talk, code: str) -> None:
    """A result somebody shared (`?start=r_<token>`): the result card (chart and text), to
    whoever opens it, without the owner's buttons."""
    quizzes = talk.services.quizzes
    found = await classes.shared_result(talk.services.db, code)
    if found is None or found.result.instrument not in quizzes.instruments:
        await talk.send(view.shared_gone(), view.to_menu())
        return
    instrument = quizzes.instruments[found.result.instrument]
    result_row = found.result
    result = evaluate(instrument, result_row.answers)
    texts = quizzes.text(talk.locale, instrument.id)
    await talk.send(view.shared_header(found.owner_name, result_row.finished_at[:10]))
    try:
        png = await render_in_thread(
            quiz_view.result_chart(texts, instrument.id, result.scores, top_types(result))
        )
    except Exception:  # the text below carries the whole result
        logger.exception("Shared result chart could not be drawn")
    else:
        await talk.bot.send_photo(
            talk.chat_id,
            BufferedInputFile(png, filename="result.png"),
            caption=quiz_view.result_caption(texts, result),
        )
    text = (
        quiz_view.riasec_result_text(texts, result)
        if isinstance(result, RiasecResult)
        else quiz_view.klimov_result_text(texts, result)
    )
    await talk.bot.send_message(talk.chat_id, text, reply_markup=view.shared_keyboard())


# --- a pupil shares their result ---------------------------------------------------------------


async def on_share(_query: CallbackQuery, callback_data: ShareCb, talk: Talk) -> None:
    db = talk.services.db
    if callback_data.action is ShareAction.revoke:
        count = await classes.revoke_shares(db, talk.user_row.id)
        await talk.show(view.shares_revoked(count))
        return
    code = await classes.share_latest(db, talk.user_row)
    if code is None:
        await talk.show(view.share_impossible())
        return
    await talk.show(view.share_created(await _bot_link(talk, code)), view.share_keyboard())


async def cmd_share(_message: Message, talk: Talk) -> None:
    code = await classes.share_latest(talk.services.db, talk.user_row)
    if code is None:
        await talk.show(view.share_impossible())
        return
    await talk.show(view.share_created(await _bot_link(talk, code)), view.share_keyboard())


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_classes, Command("classes"))
    router.message.register(cmd_share, Command("share"))
    router.callback_query.register(on_parent, ParentCb.filter())
    router.callback_query.register(on_class, ClassCb.filter())
    router.callback_query.register(on_share, ShareCb.filter())
    router.message.register(on_class_name, ClassDraft.name, F.text, ~F.text.startswith("/"))
    router.message.register(not_a_class_name, ClassDraft.name, ~F.text)
    return router
