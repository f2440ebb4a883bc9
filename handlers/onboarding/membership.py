"""Telegram tells the bot when a person blocks or unblocks it (`my_chat_member`): blocked
people are left out of broadcasts and counted as such in the statistics."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import ChatMemberUpdated

from bot.runtime.services import Services
from bot.services.profile import record_membership

_GONE = ("kicked", "left")


async def on_membership(event: ChatMemberUpdated, services: Services) -> None:
    blocked = event.new_chat_member.status in _GONE
    await record_membership(services.db, event.from_user.id, blocked=blocked)


def create_router() -> Router:
    router = Router(name=__name__)
    router.my_chat_member.register(on_membership, F.chat.type == "private")
    return router
