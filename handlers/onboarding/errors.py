"""Any exception in a handler: one calm sentence to the person, the traceback to the log."""

from __future__ import annotations

import logging
from contextlib import suppress
from typing import Any

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import ErrorEvent, User
from aiogram.utils.i18n import gettext as _

from bot.runtime.services import Services
from bot.services.profile import mark_blocked

router = Router(name=__name__)
logger = logging.getLogger(__name__)


async def on_error(event: ErrorEvent, bot: Bot, services: Services, **data: Any) -> bool:
    update = event.update
    user: User | None = data.get("event_from_user")
    if isinstance(event.exception, TelegramForbiddenError):
        # The person blocked the bot (or deleted the account): nobody to answer.
        logger.info("Update %s: the user has blocked the bot", update.update_id)
        if user is not None:
            await mark_blocked(services.db, user.id)
        return True

    logger.error(
        "Update %s failed: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    i18n = services.i18n
    with i18n.context(), i18n.use_locale(data.get("locale", i18n.default_locale)):
        text = _("Something went wrong — please try /menu")
    if update.callback_query:
        # The tap may have been answered already; a spinner left over is harmless.
        with suppress(TelegramAPIError):
            await update.callback_query.answer()
    if user is not None:
        try:
            await bot.send_message(user.id, text)
        except TelegramAPIError as error:
            logger.warning("Update %s: could not tell the user: %s", update.update_id, error)
    return True


def create_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
