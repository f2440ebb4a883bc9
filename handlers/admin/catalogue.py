"""Catalogue files through the bot, for admins. A document is imported as the catalogue only
when the admin says so: after /catalogue (the bot waits for the file until /menu or «Отмена»),
or with the caption «каталог» / "catalogue" («каталог заменить» / "catalogue replace" replaces
the whole list). A document during /broadcast is broadcast content (that router comes first);
any other admin document gets a short answer naming both ways. /catalogue also exports the
list."""

from __future__ import annotations

import html
import re

from aiogram import Bot, F, Router
from aiogram.enums import ChatAction
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue_files import FileKind, FileProblem, Problem
from bot.runtime.reply import Talk
from bot.runtime.services import Services
from bot.services.catalogue_files import (
    MAX_FILE_BYTES,
    ImportReport,
    export_programs,
    import_programs,
)
from bot.services.centre_admins import Role
from handlers.admin import admin_router
from handlers.admin.callbacks import CatalogueAction, CatalogueCb
from handlers.admin.states import CatalogueImport

MAX_ERRORS_SHOWN = 30
REPORT_BUDGET = 3600  # characters of row errors in one message (Telegram allows 4096)
CATALOGUE_WORDS = {"каталог", "catalogue", "catalog"}
REPLACE_WORDS = {"replace", "заменить", "--replace"}
_WORD = re.compile(r"[\w-]+")


def _caption_words(caption: str | None) -> list[str]:
    return _WORD.findall((caption or "").lower())


def is_catalogue_caption(caption: str | None) -> bool:
    """«каталог» or «каталог заменить» (and the English words): an import by caption."""
    words = _caption_words(caption)
    return (
        bool(words)
        and words[0] in CATALOGUE_WORDS
        and words[1:] in ([], *[[w] for w in REPLACE_WORDS])
    )


def wants_replace(caption: str | None) -> bool:
    """«заменить» alone (in the catalogue mode) or after «каталог»."""
    words = _caption_words(caption)
    if words and words[0] in CATALOGUE_WORDS:
        words = words[1:]
    return len(words) == 1 and words[0] in REPLACE_WORDS


def _number(value: int) -> str:
    # A narrow no-break space groups digits in Russian and reads well in English too.
    return f"{value:,}".replace(",", "\u202f")


def _megabytes(size: int) -> str:
    return _number(size // (1024 * 1024))


def problem_text(problem: FileProblem) -> str:  # noqa: PLR0911, PLR0912 - one answer per kind
    """Why a whole file was refused, in the admin's language; HTML-safe."""
    names = html.escape(", ".join(problem.names))
    limit = _number(problem.limit)
    match problem.kind:
        case Problem.too_big:
            return _("The file is larger than {size} MB.").format(size=_megabytes(problem.limit))
        case Problem.not_a_table:
            return _("This is not a table: send a CSV file or an Excel workbook (.xlsx).")
        case Problem.old_excel:
            return _(
                "This is an old Excel file (.xls). Open it in Excel and save it as "
                "«Excel Workbook (.xlsx)»."
            )
        case Problem.utf16:
            return _(
                "The file is in the UTF-16 encoding (Excel's «Unicode Text»). In Excel choose "
                "«Save As» → «CSV UTF-8 (Comma delimited)», or save it as an Excel workbook "
                "(.xlsx)."
            )
        case Problem.not_xlsx:
            return _("The file does not open as an Excel workbook (.xlsx).")
        case Problem.csv_broken:
            return _(
                "The CSV cannot be read near row {row}: check the quotation marks there, or "
                "save the table from Excel again."
            ).format(row=problem.row)
        case Problem.empty:
            return _("The file is empty.")
        case Problem.no_programmes:
            return _("There is no row with a programme in the file.")
        case Problem.unknown_columns:
            return _(
                "Unknown columns: {names}. The column names are in the format description."
            ).format(names=names)
        case Problem.repeated_columns:
            return _("A column appears twice: {names}.").format(names=names)
        case Problem.missing_columns:
            return _("Required columns are missing: {names}.").format(names=names)
        case Problem.too_many_programmes:
            return _(
                "The file has more than {limit} programmes: split it into several files."
            ).format(limit=limit)
        case Problem.too_many_rows:
            return _(
                "The sheet has more than {limit} rows, empty ones included (Excel keeps empty "
                "rows that were ever formatted). Delete the empty rows under the table, or copy "
                "the table into a new file."
            ).format(limit=limit)
        case Problem.too_many_columns:
            return _(
                "Row {row} has more than {limit} columns: delete the extra columns to the "
                "right of the table."
            ).format(row=problem.row, limit=limit)
        case Problem.cell_too_long:
            return _("Row {row}: a cell holds more than {limit} characters.").format(
                row=problem.row, limit=limit
            ) + (f" ({problem.column}{problem.row})" if problem.column else "")
        case Problem.unpacked_too_big:
            return _(
                "The workbook unpacks to more than {size} MB: delete what is not needed "
                "(pictures, other sheets) or split it into several files."
            ).format(size=_megabytes(problem.limit))
        case Problem.too_slow:
            return _(
                "The file could not be read within {seconds} s: split it into several "
                "smaller files."
            ).format(seconds=problem.limit)
        case Problem.too_much_memory:
            return _(
                "Reading the file needs more than {size} MB of memory: split it into several "
                "smaller files."
            ).format(size=_megabytes(problem.limit))
        case Problem.unreadable:
            return _("The file could not be read. Save it from Excel again and send it once more.")


def report_text(report: ImportReport, name: str) -> str:
    """`name` comes escaped."""
    problems = report.file_errors
    if problems:
        return _("❌ {name}: nothing imported.\n{problems}").format(
            name=name, problems="\n".join(problem_text(p) for p in problems)
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


async def import_document(
    message: Message, bot: Bot, services: Services, role: Role
) -> tuple[str, bool]:
    """Import the document as the catalogue (a centre admin's: only their centre's rows):
    the report, and whether it was imported."""
    db = services.db
    document = message.document
    assert document is not None
    name = document.file_name or "file"
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        return _("This file is too big: the limit is 20 MB."), False
    # Reading a large file takes seconds (in a process of its own): show that work is going on.
    await bot.send_chat_action(message.chat.id, ChatAction.TYPING)
    buffer = await bot.download(document)
    data = buffer.read() if buffer is not None else b""
    replace = wants_replace(message.caption)
    centre = None if role.network else role.center_id
    report = await import_programs(db, name, data, replace=replace, centre=centre)
    assert message.from_user is not None
    async with db.autocommit() as repos:
        outcome = "ok" if report.ok else "refused"
        await repos.audit.record(
            message.from_user.id,
            "catalogue.import",
            f"{name}: {outcome}, {len(report.result.programs)} rows, replace={replace}"
            + (f", centre {centre}" if centre else ""),
        )
    return report_text(report, html.escape(name[:100])), report.ok


async def on_document(message: Message, bot: Bot, services: Services, role: Role) -> None:
    """A document with the caption «каталог»."""
    text, _imported = await import_document(message, bot, services, role)
    await message.answer(text)


async def on_file_in_mode(
    message: Message, bot: Bot, services: Services, talk: Talk, role: Role
) -> None:
    """A document after /catalogue."""
    text, imported = await import_document(message, bot, services, role)
    if imported:
        await talk.state.set_state(None)  # done: later documents are not imported unasked
        await message.answer(text)
        return
    hint = _("Send the corrected file, or /menu to stop importing.")
    await message.answer(f"{text}\n\n{hint}", reply_markup=leave_button())


async def on_other_in_mode(message: Message) -> None:
    await message.answer(
        _(
            "I am waiting for the catalogue: a CSV or XLSX file sent as a document. "
            "/menu — stop importing."
        ),
        reply_markup=leave_button(),
    )


async def on_unasked_document(message: Message) -> None:
    await message.answer(
        _(
            "What shall I do with this file?\n"
            "• To import it as the programme catalogue: /catalogue, then send the file — or "
            "send it with the caption «каталог» («каталог заменить» replaces the whole list).\n"
            "• To broadcast it: /broadcast, then send the file."
        )
    )


async def on_leave(_query: CallbackQuery, talk: Talk) -> None:
    await talk.state.set_state(None)
    await talk.show(_("OK, I am not waiting for a catalogue file any more. /menu"))


def leave_button() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Cancel"), callback_data=CatalogueCb(action=CatalogueAction.leave))
    return kb.as_markup()


async def cmd_catalogue(message: Message, services: Services, talk: Talk, role: Role) -> None:
    assert message.from_user is not None
    db = services.db
    if not role.network:
        await centre_catalogue(message, services, talk, role)
        return
    async with db.autocommit() as repos:
        total, samples = await repos.catalogue.count_programs()
    await talk.state.set_state(CatalogueImport.file)
    await message.answer(
        _(
            "<b>Catalogue</b>: {total} programmes, {samples} of them samples. The current "
            "list is below.\n"
            "To import, send a CSV or XLSX file as a document now (the format is in README); "
            "add the caption «заменить» to replace the whole list. /menu or «Cancel» — "
            "stop waiting for the file."
        ).format(total=total, samples=samples),
        reply_markup=leave_button(),
    )
    async with db.autocommit() as repos:
        await repos.audit.record(message.from_user.id, "catalogue.export", f"{total} programmes")
    for kind in (FileKind.xlsx, FileKind.csv):
        data, _count = await export_programs(db, kind)
        await message.answer_document(BufferedInputFile(data, filename=f"programs.{kind.value}"))


async def centre_catalogue(message: Message, services: Services, talk: Talk, role: Role) -> None:
    """A centre admin's /catalogue: only their centre's programmes, out and in."""
    assert role.center_id is not None
    db = services.db
    kinds = (FileKind.xlsx, FileKind.csv)
    files = [await export_programs(db, kind, role.center_id) for kind in kinds]
    total = files[0][1]
    await talk.state.set_state(CatalogueImport.file)
    await message.answer(
        _(
            "<b>Your centre's catalogue</b>: {total} programmes, in the files below.\n"
            "To import, send a CSV or XLSX file as a document now: only your centre's "
            "programmes (its code {centre} in «Код центра»); a row of another centre refuses "
            "the whole file. The caption «заменить» replaces your centre's list. /menu or "
            "«Cancel» — stop waiting for the file."
        ).format(total=total, centre=role.center_id),
        reply_markup=leave_button(),
    )
    async with db.autocommit() as repos:
        await repos.audit.record(
            role.user_id, "catalogue.export", f"centre {role.center_id}: {total} programmes"
        )
    for kind, (data, _count) in zip(kinds, files, strict=True):
        await message.answer_document(BufferedInputFile(data, filename=f"programs.{kind.value}"))


def create_router() -> Router:
    router = admin_router(__name__, centre_admins=True)
    router.message.register(cmd_catalogue, Command("catalogue"))
    router.message.register(on_file_in_mode, CatalogueImport.file, F.document)
    router.message.register(on_document, F.document, _has_catalogue_caption)
    router.message.register(on_other_in_mode, CatalogueImport.file, ~F.text.startswith("/"))
    router.message.register(on_unasked_document, F.document)
    router.callback_query.register(on_leave, CatalogueCb.filter())
    return router


def _has_catalogue_caption(message: Message) -> bool:
    return is_catalogue_caption(message.caption)
