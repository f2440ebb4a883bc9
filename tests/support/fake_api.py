"""A fake Telegram Bot API over real HTTP, for tests that run the real `python -m bot` process.

The in-process `OfflineSession` skips aiogram's HTTP layer, signal handling, long polling and
start-up; this server lets a test see all of that. It speaks the wire format aiogram really
uses (multipart forms with JSON-encoded nested objects), records every call, queues updates
for `getUpdates` long polling and answers other methods with results built by
`bot.runtime.offline.default_result`, so both fakes agree on what Telegram returns.

One update queue is shared by all tokens: a test talks to one bot at a time.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from aiogram.methods import TelegramMethod
from aiohttp import web

from bot.runtime.offline import default_result
from tests.support.bot_api_wire import (
    DESCRIPTIONS,
    METHODS,
    Failure,
    Params,
    error_payload,
    error_response,
    failure_payload,
    for_validation,
    read_params,
)
from tests.support.waits import Pulse, wait_at_most

_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
_BOT_NAME = {"first_name": "ЦОПП", "username": "copp_career_bot"}
# Methods that post into a chat, and so fail when the person blocked the bot.
_POSTING = ("send", "copy", "forward")
# Long enough for a loaded machine; a wait ends as soon as its call arrives.
WAIT_SECONDS = 30.0


@dataclass(slots=True, eq=False)
class Call:
    """One request the bot made, and what the server answered (None while it is pending).

    Compared by identity, so `api.calls.index(call)` finds this very call; `at` is the
    `time.monotonic()` of its arrival, to check pauses such as a honoured `retry_after`."""

    method: str
    params: Params
    token: str
    status: int = 200
    response: dict[str, Any] | None = None
    at: float = field(default_factory=time.monotonic)

    @property
    def result(self) -> Any:
        """The `result` of a successful answer; AssertionError for a failed or pending one."""
        if self.response is None or not self.response.get("ok"):
            raise AssertionError(f"{self.method} has no result: {self.response!r}")
        return self.response.get("result")


class FakeBotApi:
    """`await start()` gives the base URL for `TELEGRAM_API_URL`; then push updates, inspect
    `calls`, inject failures (`fail_next`, `forbidden_chats`, `latency`).

    With `strict_chats`, a private chat exists only once its person has written to the bot
    (`push_message`, or listed in `known_chats`): posting to any other chat, or setting its
    chat-scoped commands, gets Telegram's "Bad Request: chat not found".

    `confirmed_update_id` is the last update the bot confirmed with a later `offset`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.forbidden_chats: set[int] = set()
        self.strict_chats = False
        self.known_chats: set[int] = set()
        self.latency: float = 0.0
        self.confirmed_update_id = 0
        self._pending: deque[dict[str, Any]] = deque()
        self._allowed_updates: list[str] = []
        self._next_update_id = 1
        # Message ids are shared by both sides of a chat, as in Telegram.
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._failures: dict[str, deque[Failure]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._bot_id = 42
        self._updates_pulse = Pulse()
        self._calls_pulse = Pulse()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.url = ""

    # --- life cycle -------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Pending long polls return at once, so stopping never waits for their timeout."""
        self._closing = True
        self._updates_pulse.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- what a test does -------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for `getUpdates`; `update_id` is assigned when missing."""
        update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
        self._pending.append(update)
        self._updates_pulse.fire()
        return update

    def push_message(
        self,
        user_id: int,
        text: str,
        first_name: str = "Аня",
        language_code: str | None = "ru",
        **fields: Any,
    ) -> dict[str, Any]:
        """A private message from a person; a leading /command gets its entity, as in
        Telegram. Extra `fields` go into the message (e.g. `contact=...`)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        self.known_chats.add(user_id)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": _now(),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = len(command.encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        message.update(fields)
        return self.push_update({"message": message})

    def push_callback(
        self, user_id: int, data: str, message_id: int | None = None
    ) -> dict[str, Any]:
        """A button tap on the bot's message `message_id` in the person's private chat.

        The message is sent as the bot last left it (text and keyboard), and the person as
        they last wrote with `push_message`."""
        user = self._users.get(user_id) or {
            "id": user_id,
            "is_bot": False,
            "first_name": "Аня",
            "language_code": "ru",
        }
        query: dict[str, Any] = {
            "id": str(4_000_000 + next(self._callback_ids)),
            "from": user,
            "chat_instance": f"ci{user_id}",
            "data": data,
        }
        if message_id is not None:
            query["message"] = self._messages.get((user_id, message_id)) or {
                "message_id": message_id,
                "date": _now(),
                "chat": {"id": user_id, "type": "private"},
                "from": self._bot_user(),
            }
        return self.push_update({"callback_query": query})

    def fail_next(
        self,
        method: str,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next call of `method` fails like this (queued, one-shot each).

        A 429 gets `retry_after` (default 1) and Telegram's description for it; other
        statuses get neither unless given, since aiogram turns any `retry_after` into
        TelegramRetryAfter whatever the status."""
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or DESCRIPTIONS.get(status, f"Error {status}")
        queue = self._failures.setdefault(method.lower(), deque())
        queue.append(Failure(status, description, retry_after))

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Params], bool] | None = None,
        *,
        since: int = 0,
        timeout: float = WAIT_SECONDS,
    ) -> Call:
        """The first call of `method` at index `since` or later whose params match
        `predicate`, waiting up to `timeout` seconds for it to arrive."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        index = since
        while True:
            woken = self._calls_pulse.current
            for call in self.calls[index:]:
                if call.method.lower() == method.lower() and (
                    predicate is None or predicate(call.params)
                ):
                    return call
            index = max(index, len(self.calls))
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._not_seen(method, since, timeout))
            await wait_at_most(woken, remaining)

    async def wait_until(
        self, condition: Callable[[], bool], what: str, *, timeout: float = WAIT_SECONDS
    ) -> float:
        """Wait until `condition` holds, checking it as each call arrives; returns the seconds
        it took."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while True:
            woken = self._calls_pulse.current
            if condition():
                return loop.time() - started
            remaining = started + timeout - loop.time()
            if remaining <= 0:
                raise AssertionError(f"not within {timeout:g} s: {what}")
            await wait_at_most(woken, remaining)

    def _not_seen(self, method: str, since: int, timeout: float) -> str:
        seen = [call.method for call in self.calls[since:]]
        same = [c.params for c in self.calls[since:] if c.method.lower() == method.lower()]
        return (
            f"no matching {method} within {timeout:g} s; calls seen: {seen}; "
            f"{method} params: {same}"
        )

    # --- HTTP -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        sent_name = request.match_info["method"]
        cls = METHODS.get(sent_name.lower())
        method = cls.__api_method__ if cls is not None else sent_name
        try:
            params = await read_params(request, cls)
        except ValueError as error:
            return error_response(400, f"Bad Request: {error}")

        call = Call(method=method, params=params, token=token)
        match = _TOKEN.match(token)
        failures = self._failures.get(method.lower())
        if match is None:
            call.status, call.response = 401, error_payload(401, "Unauthorized")
        elif failures:
            call.status, call.response = failure_payload(failures.popleft())
        elif method.lower() == "getupdates":
            # Recorded before it is answered: a test may wait for the bot to start polling.
            self._record(call)
            updates = await self._poll(params)
            call.response = {"ok": True, "result": updates}
            return web.json_response(call.response)
        else:
            self._bot_id = int(match.group(1))
            call.status, call.response = self._answer(method, cls, params)
        self._record(call)
        if self.latency > 0 and method.lower() != "getupdates":
            await asyncio.sleep(self.latency)
        return web.json_response(call.response, status=call.status)

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self._calls_pulse.fire()

    def _answer(
        self, method: str, cls: type[TelegramMethod[Any]] | None, params: Params
    ) -> tuple[int, dict[str, Any]]:
        name = method.lower()
        if name.startswith(_POSTING) and _chat_id(params) in self.forbidden_chats:
            return 403, error_payload(403, "Forbidden: bot was blocked by the user")
        if self._unknown_chat(name, params):
            return 400, error_payload(400, "Bad Request: chat not found")
        if name == "getme":
            return 200, {"ok": True, "result": self._bot_user()}
        if name in ("deletewebhook", "setwebhook") and params.get("drop_pending_updates"):
            self._pending.clear()
        if cls is None:
            return 200, {"ok": True, "result": True}
        try:
            telegram_method = cls.model_validate(for_validation(params))
            result = default_result(telegram_method, lambda: next(self._message_ids))
        except Exception:  # anything aiogram cannot model gets Telegram's most common answer
            return 200, {"ok": True, "result": True}
        if isinstance(result, dict) and "chat" in result and "message_id" in result:
            result["from"] = self._bot_user()
            self._remember(name, result)
        elif name == "deletemessage":
            self._messages.pop((_chat_id(params) or 0, params.get("message_id", 0)), None)
        return 200, {"ok": True, "result": result}

    def _unknown_chat(self, name: str, params: Params) -> bool:
        if not self.strict_chats:
            return False
        if name.endswith("mycommands"):
            scope = params.get("scope")
            if not isinstance(scope, dict) or scope.get("type") != "chat":
                return False
            chat_id = scope.get("chat_id")
        elif name.startswith(_POSTING):
            chat_id = _chat_id(params)
        else:
            return False
        return isinstance(chat_id, int) and chat_id not in self.known_chats

    def _remember(self, name: str, message: dict[str, Any]) -> None:
        """Keep the bot's messages as shown, so a tapped button carries its message."""
        key = (message["chat"]["id"], message["message_id"])
        if name.startswith("edit"):
            shown = {**self._messages.get(key, {}), **message}
            if "reply_markup" not in message:
                shown.pop("reply_markup", None)
            message = shown
        self._messages[key] = message

    async def _poll(self, params: Params) -> list[dict[str, Any]]:
        """Long polling: confirm updates below `offset`, then wait up to `timeout` seconds
        for one to arrive."""
        offset = _as_int(params.get("offset"), 0)
        limit = min(max(_as_int(params.get("limit"), 100), 1), 100)
        timeout = max(_as_int(params.get("timeout"), 0), 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed]
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            woken = self._updates_pulse.current
            ready = [update for update in self._pending if self._wanted(update)][:limit]
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return ready
            await wait_at_most(woken, remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self.confirmed_update_id = self._pending.popleft()["update_id"]

    def _wanted(self, update: dict[str, Any]) -> bool:
        if not self._allowed_updates:
            return True
        return any(kind in update for kind in self._allowed_updates)

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self._bot_id, "is_bot": True, **_BOT_NAME}


# --- small helpers --------------------------------------------------------------------


def _now() -> int:
    return int(datetime.now(UTC).timestamp())


def _as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _chat_id(params: Params) -> int | None:
    value = params.get("chat_id")
    return value if isinstance(value, int) else None
