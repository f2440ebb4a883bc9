"""A person talking to the real bot process through the fake Bot API: who they are, and what
to look for in the calls the bot makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.bot_api_wire import Params

USER_ID = 5001


def buttons(params: Params) -> list[dict[str, Any]]:
    markup = params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def callback_data_of(params: Params) -> list[str]:
    return [str(b["callback_data"]) for b in buttons(params) if "callback_data" in b]


def to_user(text: str) -> Callable[[Params], bool]:
    """A predicate: a message to the test person whose text contains `text`."""

    def matches(params: Params) -> bool:
        return params.get("chat_id") == USER_ID and text in str(params.get("text"))

    return matches


def offering(data: str) -> Callable[[Params], bool]:
    """A predicate: a message to the test person with a button carrying `data`."""
    return lambda params: params.get("chat_id") == USER_ID and data in callback_data_of(params)


def in_language(code: str) -> Callable[[Params], bool]:
    return lambda params: params.get("language_code") == code
