"""The FAQ through the bot, for admins: /faq shows how many questions there are, «Download»
sends the list as XLSX and CSV, «Upload» waits for a file that replaces the whole list — all or
nothing: a file with a single bad cell changes nothing and the errors are named by row and
column. Imports and exports are audited."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue_files import FileKind
from bot.domain.faq import Issue, RowError
from bot.runtime.reply import Talk
from bot.services.faq import MAX_FILE_BYTES, export_faq, faq_entries, import_faq
from handlers.admin import admin_router
from handlers.admin.callbacks import FaqAction, FaqCb
from handlers.admin.states import FaqImport

MAX_ERRORS_SHOWN = 20


def faq_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("⬇️ Download"), callback_data=FaqCb(action=FaqAction.download))
    kb.button(text=_("⬆️ Upload"), callback_data=FaqCb(action=FaqAction.upload))
    kb.adjust(2)
    return kb.as_markup()


def leave_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Cancel"), callback_data=FaqCb(action=FaqAction.leave))
    return kb.as_markup()


async def cmd_faq(_event: Message | CallbackQuery, talk: Talk) -> None:
    entries = await faq_entries(talk.services.db)
    await talk.show(
        _(
            "<b>FAQ</b>: {count} questions with answers, in Russian and English, each with a "
            "source. Download the list, edit it in Excel and upload it: the file replaces the "
            "whole list."
        ).format(count=len(entries)),
        faq_keyboard(),
    )


async def on_download(query: CallbackQuery, talk: Talk) -> None:
    await talk.acknowledge()
    for kind in (FileKind.xlsx, FileKind.csv):
        data = await export_faq(talk.services.db, query.from_user.id, kind)
        await talk.bot.send_document(
            talk.chat_id, BufferedInputFile(data, filename=f"faq.{kind.value}")
        )


async def on_upload(_query: CallbackQuery, talk: Talk) -> None:
    await talk.state.set_state(FaqImport.file)
    await talk.show(
        _(
            "Send the FAQ as a CSV or XLSX file (a document) with the columns of the downloaded "
            "list. It replaces the whole list. /menu or «Cancel» — stop waiting."
        ),
        leave_keyboard(),
    )


def issue_text(error: RowError) -> str:  # noqa: PLR0911, PLR0912 - one sentence per issue
    value = html.escape(error.value)
    match error.issue:
        case Issue.missing_columns:
            return _("required columns are missing")
        case Issue.unknown_columns:
            return _("unknown columns")
        case Issue.bad_id:
            return _("an id is 1–24 small Latin letters, digits or _")
        case Issue.repeated_id:
            return _("the id «{id}» appears twice").format(id=value)
        case Issue.empty:
            return _("the cell is empty")
        case Issue.too_long:
            return _("longer than {limit} characters").format(limit=value)
        case Issue.bad_next:
            return _("must be one of: {values}").format(values=value)
        case Issue.bad_url:
            return _("a web address starting with https:// is needed")
        case Issue.too_many:
            return _("more than {limit} rows").format(limit=value)
        case Issue.no_rows:
            return _("the file has no questions")
        case Issue.not_xlsx:
            return _("the file does not open as an Excel workbook (.xlsx)")
        case Issue.not_utf8:
            return _("save the CSV in the UTF-8 encoding")
        case Issue.too_big:
            return _("the file is larger than 2 MB")


def _error_line(error: RowError) -> str:
    column = f" ({html.escape(error.column)})" if error.column else ""
    return _("row {row}{column}: {message}").format(
        row=error.row, column=column, message=issue_text(error)
    )


async def on_file(message: Message, bot: Bot, talk: Talk) -> None:
    document = message.document
    assert document is not None and message.from_user is not None
    name = document.file_name or "faq"
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.answer(
            _("This file is too big: the limit is 2 MB."), reply_markup=leave_keyboard()
        )
        return
    buffer = await bot.download(document)
    data = buffer.read() if buffer is not None else b""
    result = await import_faq(talk.services.db, message.from_user.id, name, data)
    shown = html.escape(name[:100])
    if not result.read.ok:
        errors = result.read.errors
        lines = [
            _("❌ {name}: nothing changed — fix these and send the file again:").format(name=shown)
        ]
        lines += [_error_line(e) for e in errors[:MAX_ERRORS_SHOWN]]
        if len(errors) > MAX_ERRORS_SHOWN:
            lines.append(_("…and {n} more.").format(n=len(errors) - MAX_ERRORS_SHOWN))
        await message.answer("\n".join(lines), reply_markup=leave_keyboard())
        return
    await talk.state.set_state(None)
    await talk.services.free_text.refresh(talk.services.db, force=True)
    await message.answer(
        _("✅ {name}: the FAQ now has {count} questions (before: {before}).").format(
            name=shown, count=len(result.read.entries), before=result.before
        )
    )


async def on_other_in_mode(message: Message) -> None:
    await message.answer(
        _("I am waiting for the FAQ file: a CSV or XLSX document. /menu — stop waiting."),
        reply_markup=leave_keyboard(),
    )


async def on_leave(_query: CallbackQuery, talk: Talk) -> None:
    await talk.state.set_state(None)
    await talk.show(_("OK, I am not waiting for an FAQ file any more. /menu"))


def create_router() -> Router:
    router = admin_router(__name__)
    router.message.register(cmd_faq, Command("faq"))
    router.message.register(on_file, FaqImport.file, F.document)
    router.message.register(on_other_in_mode, FaqImport.file, ~F.text.startswith("/"))
    router.callback_query.register(on_download, FaqCb.filter(F.action == FaqAction.download))
    router.callback_query.register(on_upload, FaqCb.filter(F.action == FaqAction.upload))
    router.callback_query.register(on_leave, FaqCb.filter(F.action == FaqAction.leave))
    return router
