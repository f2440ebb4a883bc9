"""Replies that meet Telegram's flood control (429) are sent again after the pause it asks for.

aiogram raises `TelegramRetryAfter` and gives up; for a person waiting for an answer the right
thing is to wait `retry_after` seconds and send the same request again. Long pauses are not
waited out inside a handler: they are raised, and the error handler deals with them.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

# Set in tasks that handle flood control themselves (the broadcaster pauses all its senders
# at once, instead of one request sleeping while the others keep going).
CALLER_HANDLES_FLOOD = contextvars.ContextVar("caller_handles_flood", default=False)


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        *,
        attempts: int = 3,
        longest_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._attempts = attempts
        self._longest_wait = longest_wait
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                give_up = (
                    CALLER_HANDLES_FLOOD.get()
                    or attempt >= self._attempts
                    or error.retry_after > self._longest_wait
                    or isinstance(method, GetUpdates)  # the polling loop has its own backoff
                )
                if give_up:
                    raise
                logger.warning(
                    "Flood control on %s: waiting %s s (attempt %d)",
                    type(method).__name__,
                    error.retry_after,
                    attempt,
                )
                await self._sleep(error.retry_after)
                attempt += 1
