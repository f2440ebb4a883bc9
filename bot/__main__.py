"""Command line: `python -m bot [run|webhook|chat|migrate|catalogue|export]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

from aiogram.exceptions import TelegramNetworkError

from bot.app import create_bot, create_dispatcher
from bot.config import Settings, SettingsError, load_settings
from bot.domain.catalogue_files import FileKind
from bot.runners.chat import run_console
from bot.runners.webhook import run_webhook
from bot.services.catalogue_files import ImportReport, export_programs, import_programs
from bot.services.reference import ensure_reference
from storage.db import Database
from storage.exports import export_all

logger = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Career guidance bot for the ЦОПП network.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="poll Telegram for updates (the default; needs BOT_TOKEN)")
    webhook = commands.add_parser(
        "webhook",
        help="serve Telegram's webhook over HTTP (needs BOT_TOKEN, WEBHOOK_URL, WEBHOOK_SECRET)",
    )
    webhook.add_argument(
        "--delete-on-exit",
        action="store_true",
        help="remove the webhook from Telegram when stopping (kept by default)",
    )
    chat = commands.add_parser("chat", help="talk to the bot in this terminal, no token needed")
    chat.add_argument("--user-id", type=int, default=1001, help="Telegram id to pose as")
    chat.add_argument("--name", default="Гость", help="first name to pose with")
    chat.add_argument("--lang", default="ru", help="Telegram language code of the user")
    chat.add_argument("--admin", action="store_true", help="treat the user as an admin")
    commands.add_parser("migrate", help="create or upgrade the database, then exit")
    catalogue = commands.add_parser("catalogue", help="import or export the programme list")
    actions = catalogue.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import programmes from a CSV or XLSX file")
    load.add_argument("file", type=Path)
    load.add_argument(
        "--replace", action="store_true", help="replace the whole list instead of updating it"
    )
    save = actions.add_parser("export", help="export programmes to FILE.csv or FILE.xlsx")
    save.add_argument("file", type=Path)
    export = commands.add_parser(
        "export", help="write people, test results and applications as XLSX and CSV to FOLDER"
    )
    export.add_argument("folder", type=Path)
    return parser


async def run_polling(settings: Settings) -> None:
    token = settings.require_token()
    db = await Database.open(settings.database_path)
    try:
        bot = create_bot(settings, token=token)
        dispatcher = create_dispatcher(settings, db)
        try:
            await bot.delete_webhook(drop_pending_updates=False)
        except TelegramNetworkError:
            await bot.session.close()
            raise
        await dispatcher.start_polling(bot, polling_timeout=30)
    finally:
        await db.close()


async def run_migrate(settings: Settings) -> None:
    db = await Database.open(settings.database_path, migrate=False)
    try:
        version = await db.migrate()
        await ensure_reference(db)
    finally:
        await db.close()
    print(f"Database {settings.database_path} is at schema version {version}.")


async def run_catalogue(settings: Settings, action: str, path: Path, *, replace: bool) -> int:
    db = await Database.open(settings.database_path)
    try:
        if action == "export":
            kind = FileKind.xlsx if path.suffix.lower() == ".xlsx" else FileKind.csv
            data, count = await export_programs(db, kind)
            path.write_bytes(data)
            print(f"Exported {count} programmes to {path}.")
            return 0
        report = await import_programs(db, path.name, path.read_bytes(), replace=replace)
    finally:
        await db.close()
    print(import_report_text(report, path.name))
    return 0 if report.ok else 1


async def run_export(settings: Settings, folder: Path) -> None:
    db = await Database.open(settings.database_path)
    try:
        files = await export_all(db)
    finally:
        await db.close()
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        path = folder / file.filename
        path.write_bytes(file.content)
        print(f"{path}: {file.rows} rows")


def import_report_text(report: ImportReport, name: str) -> str:
    problems = [*report.file_errors, *report.result.file_errors]
    if problems:
        return f"{name}: nothing imported. " + " ".join(problems)
    if report.result.errors:
        lines = [f"{name}: nothing imported, {len(report.result.errors)} problems:"]
        lines += [f"  row {e.row}: {e.message}" for e in report.result.errors]
        return "\n".join(lines)
    if not report.result.programs:
        return f"{name}: the file has no programmes; nothing imported."
    removed = f", {report.removed} removed" if report.replace else ""
    return (
        f"{name}: imported {len(report.result.programs)} programmes "
        f"({report.added} new, {report.updated} updated{removed})."
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        if args.command == "chat" and args.admin:
            settings = settings.model_copy(
                update={"admin_ids": settings.admin_ids | {args.user_id}}
            )
        logging.basicConfig(
            level=settings.log_level if args.command != "chat" else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if args.command == "chat":
            return asyncio.run(
                run_console(
                    settings,
                    user_id=args.user_id,
                    first_name=args.name,
                    language_code=args.lang,
                )
            )
        if args.command == "migrate":
            asyncio.run(run_migrate(settings))
        elif args.command == "catalogue":
            return asyncio.run(
                run_catalogue(
                    settings, args.action, args.file, replace=getattr(args, "replace", False)
                )
            )
        elif args.command == "export":
            asyncio.run(run_export(settings, args.folder))
        elif args.command == "webhook":
            asyncio.run(run_webhook(settings, delete_on_exit=args.delete_on_exit))
        else:
            asyncio.run(run_polling(settings))
    except TelegramNetworkError as error:
        print(
            f"Telegram cannot be reached at TELEGRAM_API_URL ({error.message}); "
            "check the network and the address, then start again.",
            file=sys.stderr,
        )
        return 2
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    except (sqlite3.Error, OSError) as error:
        print(
            f"The database at DATABASE_PATH cannot be used ({error}); "
            "check that it is an SQLite file and that it and its folder are writable.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
