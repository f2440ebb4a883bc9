"""Replies that meet Telegram's flood control (429) are sent again after the pause it asks for,
and a request that gets a server error (5xx) is sent once more after a short pause.

aiogram raises `TelegramRetryAfter` and gives up; for a person waiting for an answer the right
thing is to wait `retry_after` seconds and send the same request again. Long pauses are not
waited out inside a handler: they are raised, and the error handler deals with them.

A 5xx is Telegram's own passing trouble (a 502 from its front end, mostly): one more try a
second later saves the reply, and if that fails too, the error handler's apology gets its own
second try. Telegram has no idempotency key, so a 5xx given after the message went out would
show it twice: a repeated answer is the lesser harm than a lost one.
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
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot

logger = logging.getLogger(__name__)

# Set in tasks that handle flood control and failures themselves (the broadcaster pauses all
# its senders at once, instead of one request sleeping while the others keep going, and retries
# a failed recipient with its own backoff).
CALLER_HANDLES_FLOOD = contextvars.ContextVar("caller_handles_flood", default=False)
# The pause before the one more try after a server error.
SERVER_ERROR_PAUSE = 1.0


class RetryAfterMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        *,
        attempts: int = 3,
        longest_wait: float = 30.0,
        server_error_pause: float = SERVER_ERROR_PAUSE,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._attempts = attempts
        self._longest_wait = longest_wait
        self._server_error_pause = server_error_pause
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        attempt = 1
        server_error_retried = False
        while True:
            try:
                return await make_request(bot, method)
            except TelegramServerError as error:
                give_up = (
                    server_error_retried
                    or CALLER_HANDLES_FLOOD.get()
                    or isinstance(method, GetUpdates)  # the polling loop has its own backoff
                )
                if give_up:
                    raise
                logger.warning(
                    "Telegram answered %s to %s: trying once more in %g s",
                    error.message,
                    type(method).__name__,
                    self._server_error_pause,
                )
                server_error_retried = True
                await self._sleep(self._server_error_pause)
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
