"""Keep aiogram's parsed-response models alive between requests.

aiogram validates every Bot API answer with `Response[<method's result type>]`, a pydantic
generic class. pydantic caches such classes only weakly, so once garbage collection drops one,
the next request builds it again — about a millisecond of schema building, on every few
requests of the kinds whose result is a union (`editMessageText` returns `Message | bool`).
Holding one reference per method type stops that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot


class KeepResponseModels(BaseRequestMiddleware):
    def __init__(self) -> None:
        self._models: dict[type[TelegramMethod[Any]], Any] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        kind = type(method)
        if kind not in self._models:
            self._models[kind] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)
