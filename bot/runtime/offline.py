"""A Telegram chat without Telegram: an offline Bot API session and a simulated person.

`OfflineSession` answers every Bot API request locally with a valid result (a `Message` for
`sendMessage`, `True` for `answerCallbackQuery`, …) and records it; prepared answers (a 429, a
403) can be queued per method and go through aiogram's real `check_response`, so the same
exceptions are raised as with Telegram. `ChatSimulator` plays the person: it builds real
`Update` objects, feeds them to the dispatcher and keeps the chat as the person would see it,
edits included. The terminal chat and the tests both stand on these two classes.
"""

from __future__ import annotations

import itertools
import json
import types
from collections import defaultdict, deque
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetFile,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import (
    CallbackQuery,
    Chat,
    Contact,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    Location,
    Message,
    MessageId,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)

CONSOLE_TOKEN = "42:offline-console"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BOT_USER = User(id=42, is_bot=True, first_name="ЦОПП", username="copp_career_bot")


@dataclass(frozen=True, slots=True)
class SentFile:
    filename: str
    content: bytes


@dataclass(slots=True)
class Request:
    """One Bot API call the bot made, with the files it uploaded."""

    method: TelegramMethod[Any]
    files: dict[str, SentFile] = field(default_factory=dict)
    result: Any = None

    @property
    def name(self) -> str:
        return type(self.method).__name__


class OfflineSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Request] = []
        self._queued: dict[type[TelegramMethod[Any]], deque[tuple[int, dict[str, Any]]]] = (
            defaultdict(deque)
        )
        self._ids = itertools.count(1)
        # Files the person "uploaded", by file id, so that getFile and downloads work.
        self.uploads: dict[str, bytes] = {}
        self._answered_queries: set[str] = set()

    def next_id(self) -> int:
        """Message ids are shared by both sides of a chat, as in Telegram."""
        return next(self._ids)

    def queue_response(
        self,
        method: type[TelegramMethod[Any]],
        *,
        status: int = 200,
        ok: bool = True,
        result: Any = None,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of `method` answer like this instead of the default."""
        payload: dict[str, Any] = {"ok": ok}
        if result is not None:
            payload["result"] = result
        if description is not None:
            payload["description"] = description
        if retry_after is not None:
            payload["parameters"] = {"retry_after": retry_after}
        self._queued[method].append((status, payload))

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        request = Request(method=method)
        for name, value in method:
            if isinstance(value, InputFile):
                chunks = [chunk async for chunk in value.read(bot)]
                request.files[name] = SentFile(value.filename or name, b"".join(chunks))
        self.requests.append(request)
        queue = self._queued.get(type(method))
        if queue:
            status, payload = queue.popleft()
        elif self._answered_twice(method):
            status, payload = 400, {"ok": False, "description": QUERY_TOO_OLD}
        else:
            status, payload = 200, {"ok": True, "result": default_result(method, self.next_id)}
        response = self.check_response(bot, method, status, json.dumps(payload))
        request.result = response.result
        return response.result  # type: ignore[return-value]

    def _answered_twice(self, method: TelegramMethod[Any]) -> bool:
        """Telegram accepts one answer per button tap and refuses any further one."""
        if not isinstance(method, AnswerCallbackQuery):
            return False
        seen = method.callback_query_id in self._answered_queries
        self._answered_queries.add(method.callback_query_id)
        return seen

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        # Download URLs end with the file path, which is the file id here (see default_result).
        content = self.uploads.get(url.rsplit("/", 1)[-1])
        if content is None:
            raise FileNotFoundError(url)
        yield content

    async def close(self) -> None:
        """Nothing to close: no connection was opened."""


def _returns(method: TelegramMethod[Any], kind: type) -> bool:
    returning = method.__returning__
    if isinstance(returning, types.UnionType):
        return kind in get_args(returning)
    return returning is kind


def default_result(method: TelegramMethod[Any], next_id: Any) -> Any:  # noqa: PLR0911
    """A valid JSON result for any Bot API method, built from the method's own fields."""
    if _returns(method, Message) and getattr(method, "inline_message_id", None) is None:
        return _message_json(method, next_id)
    if _returns(method, MessageId):
        return {"message_id": next_id()}
    if isinstance(method, GetFile):
        return {"file_id": method.file_id, "file_unique_id": method.file_id,
                "file_path": method.file_id}  # fmt: skip
    if _returns(method, User):
        return BOT_USER.model_dump(mode="json", exclude_none=True)
    if _returns(method, bool):
        return True
    origin = getattr(method.__returning__, "__origin__", None)
    if origin is list:
        return []
    return True


def _message_json(method: TelegramMethod[Any], next_id: Any) -> dict[str, Any]:
    fields = dict(method)
    message_id = fields.get("message_id") or next_id()
    chat_id = fields.get("chat_id") or 0
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": {"id": chat_id if isinstance(chat_id, int) else 0, "type": "private"},
        "from": BOT_USER.model_dump(mode="json", exclude_none=True),
    }
    for key in ("text", "caption"):
        if isinstance(fields.get(key), str):
            message[key] = fields[key]
    markup = fields.get("reply_markup")
    if isinstance(markup, InlineKeyboardMarkup):
        message["reply_markup"] = markup.model_dump(mode="json", exclude_none=True)
    if "photo" in fields:
        message["photo"] = [
            {"file_id": f"photo{message_id}", "file_unique_id": f"p{message_id}", "width": 800,
             "height": 600}
        ]  # fmt: skip
    if "document" in fields:
        name = getattr(fields["document"], "filename", None) or "file"
        message["document"] = {
            "file_id": f"doc{message_id}", "file_unique_id": f"d{message_id}", "file_name": name
        }  # fmt: skip
    if "latitude" in fields and "longitude" in fields:
        location = {"latitude": fields["latitude"], "longitude": fields["longitude"]}
        if "title" in fields:
            address = fields.get("address", "")
            message["venue"] = {"location": location, "title": fields["title"], "address": address}
        message["location"] = location
    return message


@dataclass(slots=True)
class ChatMessage:
    """A message of the bot as the person sees it now (after any edits)."""

    message_id: int
    text: str
    markup: InlineKeyboardMarkup | None = None


class ButtonNotFound(LookupError):
    pass


class ChatSimulator:
    """One person in a private chat with the bot, driven through the real dispatcher."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        session: OfflineSession,
        *,
        user_id: int = 1001,
        first_name: str = "Гость",
        language_code: str | None = "ru",
        chat: Chat | None = None,
    ) -> None:
        """`chat`: another chat than the private one, e.g. a staff group the person is in."""
        self.dispatcher = dispatcher
        self.bot = bot
        self.session = session
        self.user = User(
            id=user_id, is_bot=False, first_name=first_name, language_code=language_code
        )
        self.chat = chat or Chat(id=user_id, type="private")
        self.messages: dict[int, ChatMessage] = {}
        self.reply_keyboard: ReplyKeyboardMarkup | None = None
        self._update_ids = itertools.count(1)

    # --- what the person does ---------------------------------------------------------

    async def send(self, text: str) -> list[Request]:
        return await self._send_message(text=text)

    async def reply(self, message_id: int, text: str) -> list[Request]:
        """A text sent as a reply to one of the bot's messages in this chat."""
        original = Message(
            message_id=message_id, date=datetime.now(UTC), chat=self.chat, from_user=BOT_USER
        )
        return await self._send_message(text=text, reply_to_message=original)

    async def send_location(self, latitude: float, longitude: float) -> list[Request]:
        return await self._send_message(location=Location(latitude=latitude, longitude=longitude))

    async def send_contact(self, phone: str) -> list[Request]:
        contact = Contact(
            phone_number=phone, first_name=self.user.first_name, user_id=self.user.id
        )
        return await self._send_message(contact=contact)

    async def send_document(
        self, filename: str, content: bytes, caption: str | None = None
    ) -> list[Request]:
        file_id = f"upload{self.session.next_id()}"
        self.session.uploads[file_id] = content
        document = Document(
            file_id=file_id, file_unique_id=file_id, file_name=filename, file_size=len(content)
        )
        return await self._send_message(document=document, caption=caption)

    async def send_sticker(self) -> list[Request]:
        sticker = {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
        return await self._send_message(sticker=sticker)

    async def click(self, label: str) -> list[Request]:
        """Press the newest button whose label contains `label` (inline or reply keyboard)."""
        for message in reversed(list(self.messages.values())):
            for button in _inline_buttons(message.markup):
                if label in button.text:
                    return await self.press(message.message_id, button)
        for reply_button in _reply_buttons(self.reply_keyboard):
            if label in reply_button.text:
                return await self.press_reply(reply_button)
        raise ButtonNotFound(f"no button with {label!r}; buttons: {self.button_labels()}")

    async def press(self, message_id: int, button: InlineKeyboardButton) -> list[Request]:
        if button.callback_data is None:
            return []  # a URL button opens a page; nothing reaches the bot
        return await self.send_callback(button.callback_data, message_id=message_id)

    async def press_reply(self, button: KeyboardButton) -> list[Request]:
        if button.request_location:
            return await self.send_location(55.75222, 37.61556)
        if button.request_contact:
            return await self.send_contact("+79990000000")
        return await self.send(button.text)

    async def send_callback(self, data: str, *, message_id: int | None = None) -> list[Request]:
        """A button tap with any payload: also how tests forge callback data."""
        shown = self.messages.get(message_id) if message_id is not None else None
        message = self._as_message(shown) if shown else None
        query = CallbackQuery(
            id=f"{self.user.id}-{next(self._update_ids)}",
            from_user=self.user,
            chat_instance="sim",
            data=data,
            message=message,
        )
        return await self._feed(Update(update_id=next(self._update_ids), callback_query=query))

    # --- what the person sees ---------------------------------------------------------

    @property
    def last_message(self) -> ChatMessage:
        if not self.messages:
            raise LookupError("the bot has sent nothing yet")
        return list(self.messages.values())[-1]

    @property
    def last_text(self) -> str:
        return self.last_message.text

    def button_labels(self) -> list[str]:
        labels = [b.text for m in self.messages.values() for b in _inline_buttons(m.markup)]
        return labels + [b.text for b in _reply_buttons(self.reply_keyboard)]

    # --- plumbing ---------------------------------------------------------------------

    async def _send_message(self, **content: Any) -> list[Request]:
        message = Message(
            message_id=self.session.next_id(),
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=self.user,
            **content,
        )
        return await self._feed(Update(update_id=next(self._update_ids), message=message))

    async def _feed(self, update: Update) -> list[Request]:
        """Handle one update; return the Bot API calls it caused (in this chat)."""
        start = len(self.session.requests)
        await self.dispatcher.feed_update(self.bot, update)
        new = [
            request
            for request in self.session.requests[start:]
            if getattr(request.method, "chat_id", self.chat.id) == self.chat.id
        ]
        for request in new:
            self._apply(request)
        return new

    def _apply(self, request: Request) -> None:
        method, result = request.method, request.result
        if isinstance(result, Message) and not isinstance(
            method, EditMessageText | EditMessageReplyMarkup | EditMessageCaption
        ):
            markup = getattr(method, "reply_markup", None)
            inline = markup if isinstance(markup, InlineKeyboardMarkup) else None
            text = result.text or result.caption or ""
            self.messages[result.message_id] = ChatMessage(result.message_id, text, inline)
            if isinstance(markup, ReplyKeyboardMarkup):
                self.reply_keyboard = markup
            elif isinstance(markup, ReplyKeyboardRemove):
                self.reply_keyboard = None
        elif isinstance(method, EditMessageText | EditMessageCaption | EditMessageReplyMarkup):
            shown = self.messages.get(method.message_id or 0)
            if shown is not None:
                if isinstance(method, EditMessageText):
                    shown.text = method.text or ""
                elif isinstance(method, EditMessageCaption):
                    shown.text = method.caption or ""
                markup = method.reply_markup
                shown.markup = markup if isinstance(markup, InlineKeyboardMarkup) else None
        elif isinstance(method, DeleteMessage):
            self.messages.pop(method.message_id, None)

    def _as_message(self, shown: ChatMessage) -> Message:
        return Message(
            message_id=shown.message_id,
            date=datetime.now(UTC),
            chat=self.chat,
            from_user=BOT_USER,
            text=shown.text,
            reply_markup=shown.markup,
        )


def _inline_buttons(markup: InlineKeyboardMarkup | None) -> Iterator[InlineKeyboardButton]:
    if markup is not None:
        for row in markup.inline_keyboard:
            yield from row


def _reply_buttons(markup: ReplyKeyboardMarkup | None) -> Iterator[KeyboardButton]:
    if markup is not None:
        for row in markup.keyboard:
            yield from row


def callback_answers(requests: list[Request]) -> list[AnswerCallbackQuery]:
    return [r.method for r in requests if isinstance(r.method, AnswerCallbackQuery)]


def saved_file_path(folder: Path, request: Request) -> Path | None:
    """Write the first uploaded file of a request into `folder`; return its path."""
    for sent in request.files.values():
        path = folder / f"{len(list(folder.iterdir())) + 1:03d}-{Path(sent.filename).name}"
        path.write_bytes(sent.content)
        return path
    return None
