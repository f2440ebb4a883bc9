"""The command list shown in Telegram's menu button (texts through gettext), and the admin
menu in the admins' own chats.

Telegram refuses a chat-scoped menu for a person who never opened the bot ("chat not found"),
so one such admin must not stop the start: the refusal is logged in one line, and the menu is
set when that admin first writes to the bot. Chats that were given the admin menu are kept in
the database; at start the menu is taken back from those no longer in `ADMIN_IDS`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, Chat, TelegramObject, User
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.services.admins import (
    centre_admin_ids,
    menu_given,
    menu_taken_back,
    menus_of_removed_admins,
)
from storage.db import Database

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def command_list() -> list[tuple[str, str]]:
    return [
        ("start", _("Start over")),
        ("menu", _("Main menu")),
        ("test", _("Career tests")),
        ("myresult", _("My latest test result")),
        ("programs", _("Programmes for me")),
        ("centers", _("ЦОПП centres near me")),
        ("free", _("Can I study for free?")),
        ("consult", _("Ask a consultant")),
        ("my", _("My applications")),
        ("place", _("Change my city or region")),
        ("settings", _("News, reminders, language")),
        ("classes", _("For parents and teachers: classes")),
        ("help", _("What the bot can do")),
        ("language", _("Language")),
        ("privacy", _("What is stored about me")),
        ("forget", _("Delete my data")),
    ]


def admin_command_list() -> list[tuple[str, str]]:
    return [
        ("broadcast", _("Admin: new broadcast")),
        ("broadcasts", _("Admin: recent broadcasts")),
        ("stats", _("Admin: statistics")),
        ("export", _("Admin: export people, results, applications")),
        ("catalogue", _("Admin: programme catalogue")),
        ("faq", _("Admin: questions and answers")),
        ("leads", _("Admin: applications not yet passed on")),
        ("centres", _("Admin: centres, their admins and chats")),
        ("centrestats", _("Admin: centres side by side")),
        ("links", _("Admin: links and QR codes for schools")),
    ]


def centre_admin_command_list() -> list[tuple[str, str]]:
    """What a centre admin may do: only their centre's."""
    return [
        ("centres", _("Centre: my centre and its staff chat")),
        ("leads", _("Centre: applications")),
        ("stats", _("Centre: numbers")),
        ("catalogue", _("Centre: our programmes")),
        ("export", _("Centre: applications as a file")),
        ("broadcast", _("Centre: message the centre's people")),
    ]


class AdminMenus(BaseMiddleware):
    """Gives each admin the admin menu in their own chat and takes it back from removed
    admins (`setup` at start). As an update middleware it gives the menu to an admin whom
    Telegram refused it at start, once that admin writes to the bot."""

    def __init__(self, db: Database, i18n: I18n, locale: str, admin_ids: frozenset[int]) -> None:
        self._db = db
        self._i18n = i18n
        self._locale = locale
        self._admin_ids = admin_ids
        self.missing: set[int] = set()  # admins whose menu Telegram refused

    def _commands(self, *, centre: bool = False) -> list[BotCommand]:
        with self._i18n.context(), self._i18n.use_locale(self._locale):
            extra = centre_admin_command_list() if centre else admin_command_list()
            return [
                BotCommand(command=name, description=text)
                for name, text in [*command_list(), *extra]
            ]

    async def setup(self, bot: Bot) -> None:
        for admin_id in sorted(self._admin_ids):
            await self.give(bot, admin_id)
        centre = set(await centre_admin_ids(self._db)) - self._admin_ids
        for admin_id in sorted(centre):
            await self.give(bot, admin_id, centre=True)
        for chat_id in await menus_of_removed_admins(self._db, self._admin_ids | centre):
            await self.take_back(bot, chat_id)

    async def give(self, bot: Bot, admin_id: int, *, centre: bool = False) -> bool:
        """The admin menu (`centre`: a centre admin's) in the admin's own chat."""
        try:
            await bot.set_my_commands(
                self._commands(centre=centre), scope=BotCommandScopeChat(chat_id=admin_id)
            )
        except TelegramAPIError as error:
            self.missing.add(admin_id)
            logger.warning(
                "Admin %d has no admin command menu yet (Telegram: %s); it is set when they "
                "write to the bot",
                admin_id,
                error.message,
            )
            return False
        self.missing.discard(admin_id)
        await menu_given(self._db, admin_id)
        return True

    async def take_back(self, bot: Bot, chat_id: int) -> None:
        try:
            await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
        except TelegramAPIError as error:
            if "chat not found" not in error.message.lower():
                logger.warning(
                    "The admin command menu of chat %d, no longer in ADMIN_IDS, stays until "
                    "the next start (Telegram: %s)",
                    chat_id,
                    error.message,
                )
                return
        await menu_taken_back(self._db, chat_id)
        logger.info("Admin command menu taken back from chat %d: no longer an admin", chat_id)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self.missing:
            user: User | None = data.get("event_from_user")
            chat: Chat | None = data.get("event_chat")
            if user is not None and user.id in self.missing and chat and chat.type == "private":
                self.missing.discard(user.id)  # one try at a time; `give` puts it back
                await self.give(data["bot"], user.id)
        return await handler(event, data)
