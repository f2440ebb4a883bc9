"""The terminal chat: `python -m bot chat` driven through piped input, and the console loop
itself, rendering what Telegram would show."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from bot.config import Settings
from bot.runners.chat import run_console
from tests.support.processes import bot_env, run_bot


async def test_console_chat_completes_onboarding_from_piped_input(tmp_path: Path) -> None:
    database = tmp_path / "chat.sqlite3"
    script = "/start\n1\n1\n/help\n/location 58.01 56.25\n/contact +79990001122\n"
    script += f"/file {tmp_path / 'missing.xlsx'}\n/quit\nnever read\n"
    env = bot_env(tmp_path, DATABASE_PATH=str(database), BOT_TOKEN="")
    chat = ("chat", "--user-id", "555", "--name", "Аня")
    finished = await run_bot(tmp_path, env, *chat, stdin=script)
    output = finished.stdout
    assert finished.code == 0, finished.stderr
    assert "bot: 👋 Здравствуйте, Аня!" in output
    assert "[1] ✅ Даю согласие" in output
    assert "Кто вы?" in output and "[1] 🎒 Учусь в школе" in output
    assert "bot: Главное меню" in output  # tags are stripped for the terminal
    assert "trudvsem.ru" in output
    assert output.count("понимаю кнопки и команды") == 1  # a contact: not expected here
    assert "ЦОПП Пермского края" in output  # the location found the nearest centres
    assert "! [Errno 2]" in output  # a missing file is reported, the chat goes on
    assert "never read" not in output
    assert "Traceback" not in finished.stderr

    with sqlite3.connect(database) as conn:
        row = conn.execute(
            "SELECT role, consent_given_at IS NOT NULL FROM users WHERE id = 555"
        ).fetchone()
    assert row == ("student", 1)


async def test_console_renders_files_and_ends_at_end_of_input(
    settings: Settings, tmp_path: Path
) -> None:
    document = tmp_path / "programs.csv"
    document.write_text("title\nСварщик\n")
    out = io.StringIO()
    code = await run_console(
        settings,
        user_id=777,
        first_name="Ivan",
        language_code="en",
        stdin=io.StringIO(f"/start\n3\n/file {document}\n"),
        out=out,
    )
    text = out.getvalue()
    assert code == 0
    assert "bot: 👋 Hello, Ivan!" in text
    assert "I will not store anything" in text
    assert "I understand buttons and commands" in text
