"""Command line: `python -m bot [run|webhook|chat|migrate|copy-db|catalogue|export]`.

Each command imports only its own runner: the webhook server, the terminal chat and the
spreadsheet tools stay out of the polling bot's start-up time and memory."""
# ruff: noqa: PLC0415

from __future__ import annotations

import gc

# No collections while start-up imports and builds: what it makes lives as long as the
# process, yet importing aiogram alone sets off collections that walk it all over and over
# (about half a second of a three-second start here). The polling and webhook runners turn
# the collector back on when start-up is over, after freezing what it built
# (bot/runtime/heap.py); the other commands turn it on as soon as they start. Only when run
# as the program: a test that imports `main` keeps its collector.
if __name__ == "__main__":
    gc.disable()

import argparse
import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

from aiogram.exceptions import TelegramNetworkError

from bot.config import Settings, SettingsError, load_settings
from bot.runtime import startup


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
    copy = commands.add_parser(
        "copy-db",
        help="copy every table from one database to another (SQLite ⇄ PostgreSQL), "
        "then compare the row counts",
    )
    copy.add_argument(
        "--from", dest="source", required=True, metavar="URL", help="sqlite:///… or postgresql://…"
    )
    copy.add_argument(
        "--to", dest="target", required=True, metavar="URL", help="sqlite:///… or postgresql://…"
    )
    copy.add_argument(
        "--replace",
        action="store_true",
        help="overwrite a target that already holds data (refused without it)",
    )
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


def main(argv: list[str] | None = None) -> int:
    startup.mark("imports")
    args = build_parser().parse_args(argv)
    if args.command not in (None, "run", "webhook"):
        gc.enable()
    server: str | None = None  # DATABASE_URL when it names a PostgreSQL server
    try:
        settings = load_settings()
        if settings.database.startswith(("postgresql://", "postgres://")):
            server = settings.database
        if args.command == "chat" and args.admin:
            settings = settings.model_copy(
                update={"admin_ids": settings.admin_ids | {args.user_id}}
            )
        logging.basicConfig(
            level=settings.log_level if args.command != "chat" else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        if args.command == "chat":
            from bot.runners.chat import run_console

            return asyncio.run(
                run_console(
                    settings,
                    user_id=args.user_id,
                    first_name=args.name,
                    language_code=args.lang,
                )
            )
        return asyncio.run(_run(args, settings))
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
    except KeyboardInterrupt:
        pass
    except Exception as error:
        # PostgreSQL's own errors are asyncpg's (imported only when DATABASE_URL names a server).
        from_server = server is not None and type(error).__module__.startswith("asyncpg")
        if not (from_server or isinstance(error, sqlite3.Error | OSError)):
            raise
        print(
            _server_unusable(server, error)
            if server is not None
            else f"The database at DATABASE_PATH cannot be used ({error}); "
            "check that it is an SQLite file and that it and its folder are writable.",
            file=sys.stderr,
        )
        return 2
    return 0


def _server_unusable(url: str, error: Exception) -> str:
    from storage.db import without_password

    shown = without_password(url)
    return (
        f"The database at DATABASE_URL ({shown}) cannot be used "
        f"({type(error).__name__}: {str(error).rstrip('.')}); check the address, the user, "
        "the password and that the database exists (createdb, see README)."
    )


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    """The command's exit code: 0, or what the command reports (1 for a refused import,
    3 for a bot stopped after its database was lost)."""

    if args.command in ("migrate", "copy-db", "catalogue", "export"):
        from bot.runners.cli import run_catalogue, run_copy_db, run_export, run_migrate
    if args.command == "migrate":
        await run_migrate(settings)
    elif args.command == "copy-db":
        return await run_copy_db(args.source, args.target, replace=args.replace)
    elif args.command == "catalogue":
        return await run_catalogue(
            settings, args.action, args.file, replace=getattr(args, "replace", False)
        )
    elif args.command == "export":
        await run_export(settings, args.folder)
    elif args.command == "webhook":
        from bot.runners.webhook import run_webhook

        return await run_webhook(settings, delete_on_exit=args.delete_on_exit)
    else:
        from bot.runners.polling import run_polling

        return await run_polling(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
