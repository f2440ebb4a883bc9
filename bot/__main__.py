"""Command line: `python -m bot [run|chat|migrate]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys

from bot.config import Settings, SettingsError, load_settings
from bot.console import run_console
from bot.factory import create_bot, create_dispatcher
from storage.db import Database

logger = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Career guidance bot for the ЦОПП network.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="poll Telegram for updates (the default; needs BOT_TOKEN)")
    chat = commands.add_parser("chat", help="talk to the bot in this terminal, no token needed")
    chat.add_argument("--user-id", type=int, default=1001, help="Telegram id to pose as")
    chat.add_argument("--name", default="Гость", help="first name to pose with")
    chat.add_argument("--lang", default="ru", help="Telegram language code of the user")
    chat.add_argument("--admin", action="store_true", help="treat the user as an admin")
    commands.add_parser("migrate", help="create or upgrade the database, then exit")
    return parser


async def run_polling(settings: Settings) -> None:
    token = settings.require_token()
    db = await Database.open(settings.database_path)
    try:
        bot = create_bot(settings, token=token)
        dispatcher = create_dispatcher(settings, db)
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, polling_timeout=30)
    finally:
        await db.close()


async def run_migrate(settings: Settings) -> None:
    db = await Database.open(settings.database_path, migrate=False)
    try:
        version = await db.migrate()
    finally:
        await db.close()
    print(f"Database {settings.database_path} is at schema version {version}.")


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
        else:
            asyncio.run(run_polling(settings))
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
