"""Any exception in a handler: one calm sentence to the person, the traceback to the log."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

router = Router(name=__name__)
logger = logging.getLogger(__name__)


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot, i18n: I18n, **data: Any) -> bool:
    update = event.update
    logger.error(
        "Update %s failed: %s",
        update.update_id,
        type(event.exception).__name__,
        exc_info=event.exception,
    )
    locale = data.get("locale", i18n.default_locale)
    with i18n.context(), i18n.use_locale(locale):
        text = _("Something went wrong — please try /menu")
    try:
        if update.callback_query:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message:
            await update.message.answer(text)
    except Exception:  # the person may have blocked the bot; the log has the cause
        logger.warning("Could not tell the user about the failed update %s", update.update_id)
    return True
