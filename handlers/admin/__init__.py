"""Admin features. Every admin router checks the sender on every message and every button
tap against `ADMIN_IDS` of this run: a forged callback from anyone else, or from an admin
removed from the list, reaches no admin handler and falls through to the normal fallback."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from bot.runtime.services import Services


class IsAdmin(BaseFilter):
    async def __call__(self, event: Message | CallbackQuery, services: Services) -> bool:
        return event.from_user is not None and event.from_user.id in services.settings.admin_ids


def admin_router(name: str) -> Router:
    router = Router(name=name)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    return router
