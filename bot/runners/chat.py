"""`python -m bot chat`: talk to the real dispatcher in a terminal, with no token and no network.

Typing a number presses the button shown with it; `/location <lat> <lon>`, `/contact <phone>`,
`/file <path>` send those kinds of messages; `/quit` (or end of input) leaves. Works with piped
input too, so a whole journey can be scripted.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    SendLocation,
    SendVenue,
)
from aiogram.types import InlineKeyboardButton, KeyboardButton, Message, ReplyKeyboardMarkup

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.runtime.offline import (
    CONSOLE_TOKEN,
    ChatSimulator,
    OfflineSession,
    Request,
    saved_file_path,
)
from bot.services.database import open_database

INTRO = (
    "Terminal chat with the bot. Send /start to begin, a number to press a button, "
    "/location <lat> <lon>, /contact <phone>, /file <path>; /quit to leave."
)
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """What a person reads: HTML tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


class ConsoleRenderer:
    """Prints what the bot sent, numbering buttons so that typing the number presses them."""

    def __init__(self, out: TextIO, files_dir: Path) -> None:
        self.out = out
        self.files_dir = files_dir
        self.buttons: dict[int, tuple[int | None, InlineKeyboardButton | KeyboardButton]] = {}

    def render(self, requests: list[Request]) -> None:
        numbered = False
        for request in requests:
            for line, buttons in self._describe(request):
                if buttons and not numbered:
                    self.buttons.clear()  # a new keyboard replaces the old numbering
                    numbered = True
                self.out.write(line + "\n")
                for message_id, row in buttons:
                    cells = []
                    for button in row:
                        number = len(self.buttons) + 1
                        self.buttons[number] = (message_id, button)
                        cells.append(f"[{number}] {button.text}")
                    self.out.write("    " + "   ".join(cells) + "\n")
        self.out.flush()

    def _describe(self, request: Request) -> list[tuple[str, list[Any]]]:
        method, result = request.method, request.result
        if isinstance(method, AnswerCallbackQuery):
            if method.text:
                kind = "alert" if method.show_alert else "notice"
                return [(f"  [{kind}] {method.text}", [])]
            return []
        if isinstance(method, EditMessageText | EditMessageCaption | EditMessageReplyMarkup):
            text = getattr(method, "text", None) or getattr(method, "caption", None) or ""
            return [(f"bot (edited): {plain(text)}", _inline_rows(method.message_id, method))]
        if isinstance(method, CopyMessage):
            return [(f"bot: [copy of message #{method.message_id}]", [])]
        if not isinstance(result, Message):
            return []  # setMyCommands, sendChatAction and the like: nothing to see
        lines: list[tuple[str, list[Any]]] = []
        if isinstance(method, SendVenue):
            lines.append(
                (f"bot: [map: {method.title}, {method.latitude}, {method.longitude}]", [])
            )
        elif isinstance(method, SendLocation):
            lines.append((f"bot: [map: {method.latitude}, {method.longitude}]", []))
        if request.files:
            path = saved_file_path(self.files_dir, request)
            kind = "photo" if result.photo else "file"
            lines.append((f"bot: [{kind} saved: {path}]", []))
        text = result.text or result.caption
        rows = _inline_rows(result.message_id, method)
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, ReplyKeyboardMarkup):
            rows += [(None, row) for row in markup.keyboard]
        if text:
            lines.append((f"bot: {plain(text)}", rows))
        elif rows:
            lines.append(("bot:", rows))
        return lines


def _inline_rows(message_id: int | None, method: Any) -> list[Any]:
    markup = getattr(method, "reply_markup", None)
    rows = getattr(markup, "inline_keyboard", None) or []
    return [(message_id, row) for row in rows]


async def run_console(
    settings: Settings,
    *,
    user_id: int,
    first_name: str,
    language_code: str | None,
    stdin: TextIO = sys.stdin,
    out: TextIO = sys.stdout,
) -> int:
    db = await open_database(settings.database)
    session = OfflineSession()
    bot = create_bot(settings, session=session, token=CONSOLE_TOKEN)
    dispatcher = create_dispatcher(settings, db, throttle=False)
    person = ChatSimulator(
        dispatcher, bot, session,
        user_id=user_id, first_name=first_name, language_code=language_code,
    )  # fmt: skip
    files_dir = Path(tempfile.mkdtemp(prefix="copp-bot-chat-"))
    renderer = ConsoleRenderer(out, files_dir)
    interactive = stdin.isatty()
    workflow = {"dispatcher": dispatcher, "bots": [bot], **dispatcher.workflow_data}
    await dispatcher.emit_startup(bot=bot, **workflow)
    out.write(INTRO + "\n")
    try:
        while True:
            if interactive:
                out.write("you: ")
                out.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                out.write(f"you: {line}\n")
            if line == "/quit":
                break
            try:
                requests = await _act(person, renderer, line)
            except (ValueError, OSError) as error:
                out.write(f"  ! {error}\n")
                continue
            renderer.render(requests)
    finally:
        await dispatcher.emit_shutdown(bot=bot, **workflow)
        await db.close()
    return 0


async def _act(person: ChatSimulator, renderer: ConsoleRenderer, line: str) -> list[Request]:
    command, _, rest = line.partition(" ")
    if line.isdigit() and int(line) in renderer.buttons:
        message_id, button = renderer.buttons[int(line)]
        if isinstance(button, KeyboardButton):
            return await person.press_reply(button)
        if button.url:
            renderer.out.write(f"  [opens {button.url}]\n")
        return await person.press(message_id or 0, button)
    if command == "/location":
        parts = rest.split()
        if len(parts) != 2:
            raise ValueError("usage: /location <lat> <lon>, e.g. /location 58.01 56.25")
        return await person.send_location(float(parts[0]), float(parts[1]))
    if command == "/contact":
        if not rest.strip():
            raise ValueError("usage: /contact <phone>")
        return await person.send_contact(rest.strip())
    if command == "/file":
        path = Path(rest.strip()).expanduser()
        return await person.send_document(path.name, path.read_bytes())
    return await person.send(line)
