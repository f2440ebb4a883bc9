"""Catalogue files through the bot, for admins: send a CSV or XLSX document to import it
(caption «заменить» / "replace" replaces the whole list); /catalogue exports it."""

from __future__ import annotations

import html

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.catalogue_files import FileKind
from bot.runtime.services import Services
from bot.services.catalogue_files import (
    MAX_FILE_BYTES,
    ImportReport,
    export_programs,
    import_programs,
)
from handlers.admin import admin_router

MAX_ERRORS_SHOWN = 30
REPORT_BUDGET = 3600  # characters of row errors in one message (Telegram allows 4096)
REPLACE_WORDS = {"replace", "заменить", "--replace"}


def report_text(report: ImportReport, name: str) -> str:
    """`name` comes escaped."""
    problems = [*report.file_errors, *report.result.file_errors]
    if problems:
        return _("❌ {name}: nothing imported.\n{problems}").format(
            name=name, problems=html.escape("\n".join(problems))
        )
    errors = report.result.errors
    if errors:
        lines = [
            _("❌ {name}: nothing imported — fix these rows and send the file again:").format(
                name=name
            )
        ]
        shown = 0
        for error in errors[:MAX_ERRORS_SHOWN]:
            # The message starts with the column's header as written in the file.
            line = _("row {row}: {message}").format(
                row=error.row, message=html.escape(error.message)
            )
            if sum(len(x) + 1 for x in lines) + len(line) > REPORT_BUDGET:
                break  # whole lines only: a cut entity would break the HTML
            lines.append(line)
            shown += 1
        if len(errors) > shown:
            lines.append(_("…and {n} more.").format(n=len(errors) - shown))
        return "\n".join(lines)
    if not report.result.programs:
        return _("❌ {name}: the file has no programmes; nothing imported.").format(name=name)
    text = _("✅ {name}: {count} programmes imported ({added} new, {updated} updated).").format(
        name=name,
        count=len(report.result.programs),
        added=report.added,
        updated=report.updated,
    )
    if report.replace:
        text += "\n" + _("The list was replaced: {removed} programmes removed.").format(
            removed=report.removed
        )
    return text


async def on_document(message: Message, bot: Bot, services: Services) -> None:
    db = services.db
    document = message.document
    assert document is not None
    name = document.file_name or "file"
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.answer(_("This file is too big: the limit is 20 MB."))
        return
    buffer = await bot.download(document)
    data = buffer.read() if buffer is not None else b""
    replace = (message.caption or "").strip().lower() in REPLACE_WORDS
    report = await import_programs(db, name, data, replace=replace)
    assert message.from_user is not None
    async with db.autocommit() as repos:
        outcome = "ok" if report.ok else "refused"
        await repos.audit.record(
            message.from_user.id,
            "catalogue.import",
            f"{name}: {outcome}, {len(report.result.programs)} rows, replace={replace}",
        )
    await message.answer(report_text(report, html.escape(name[:100])))


async def cmd_catalogue(message: Message, services: Services) -> None:
    assert message.from_user is not None
    db = services.db
    async with db.autocommit() as repos:
        total, samples = await repos.catalogue.count_programs()
    await message.answer(
        _(
            "<b>Catalogue</b>: {total} programmes, {samples} of them samples.\n"
            "To import, send a CSV or XLSX file as a document (the format is in README). "
            "Add the caption «заменить» to replace the whole list. The current list is below."
        ).format(total=total, samples=samples)
    )
    async with db.autocommit() as repos:
        await repos.audit.record(message.from_user.id, "catalogue.export", f"{total} programmes")
    for kind in (FileKind.xlsx, FileKind.csv):
        data, _count = await export_programs(db, kind)
        await message.answer_document(BufferedInputFile(data, filename=f"programs.{kind.value}"))


def create_router() -> Router:
    router = admin_router(__name__)
    router.message.register(cmd_catalogue, Command("catalogue"))
    router.message.register(on_document, F.document)
    return router
