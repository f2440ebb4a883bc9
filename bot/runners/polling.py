"""`python -m bot run`: poll Telegram for updates until stopped."""

from __future__ import annotations

from aiogram.exceptions import TelegramNetworkError

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.services.database import open_database


async def run_polling(settings: Settings) -> None:
    token = settings.require_token()
    db = await open_database(settings.database_path)
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
