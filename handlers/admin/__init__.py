"""Admin features. Every admin router checks the sender on every message and every button
tap: network-only routers against `ADMIN_IDS` of this run, the others also against the
centre admins in the database (read again on every update). A forged callback from anyone
else, or from an admin removed since, reaches no admin handler and falls through to the
normal fallback. Handlers of routers open to centre admins get the sender's `role` and show
or change only what it may manage."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from bot.runtime.services import Services
from bot.services.centre_admins import role_of


class IsAdmin(BaseFilter):
    """A network admin (`ADMIN_IDS`); passes `role`."""

    async def __call__(
        self, event: Message | CallbackQuery, services: Services
    ) -> bool | dict[str, Any]:
        user = event.from_user
        if user is None or user.id not in services.settings.admin_ids:
            return False
        role = await role_of(services.db, services.settings, user.id)
        return {"role": role}


class IsStaffAdmin(BaseFilter):
    """A network admin or a centre admin, as the database says now; passes `role`."""

    async def __call__(
        self, event: Message | CallbackQuery, services: Services
    ) -> bool | dict[str, Any]:
        if event.from_user is None:
            return False
        if isinstance(event, Message) and event.chat.type != "private":
            return False  # admin work happens in private; groups only bind staff chats
        role = await role_of(services.db, services.settings, event.from_user.id)
        return {"role": role} if role is not None else False


class IsCentreAdmin(IsStaffAdmin):
    """A centre admin (not a network admin), as the database says now; passes `role`."""

    async def __call__(
        self, event: Message | CallbackQuery, services: Services
    ) -> bool | dict[str, Any]:
        found = await super().__call__(event, services)
        if isinstance(found, dict) and not found["role"].network:
            return found
        return False


def admin_router(name: str, *, centre_admins: bool = False) -> Router:
    """`centre_admins`: centre admins may use it too (its handlers scope by `role`)."""
    router = Router(name=name)
    check = IsStaffAdmin() if centre_admins else IsAdmin()
    router.message.filter(check)
    router.callback_query.filter(check)
    return router
