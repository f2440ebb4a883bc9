"""Settings from the environment, and the terminal chat driven through piped input."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.config import Settings, SettingsError, load_settings
from bot.runners.chat import run_console
from storage.db import load_migrations

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name in Settings.model_fields or name.lower() in Settings.model_fields:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return tmp_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1,2, 3", {1, 2, 3}), ("[4, 5]", {4, 5}), ("", set()), ("7", {7})],
)
def test_admin_ids_accept_commas_and_json(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, raw: str, expected: set[int]
) -> None:
    monkeypatch.setenv("ADMIN_IDS", raw)
    assert load_settings().admin_ids == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ADMIN_IDS", "abc"),
        ("BROADCAST_RATE", "fast"),
        ("DEFAULT_LOCALE", "fr"),
        ("WEBHOOK_PORT", "99999"),
        ("TELEGRAM_API_URL", "api.telegram.org"),
    ],
)
def test_invalid_setting_is_one_sentence_naming_it(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid")
    assert "\n" not in message and message.endswith(".")


def test_settings_are_read_from_dot_env(clean_env: Path) -> None:
    (clean_env / ".env").write_text("BOT_TOKEN=123:ABC\nADMIN_IDS=5,6\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.require_token() == "123:ABC"
    assert settings.admin_ids == {5, 6}
    assert settings.log_level == "DEBUG"
    assert "123:ABC" not in repr(settings)


def test_missing_token_names_the_variable_and_the_way_out(clean_env: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings().require_token()
    assert "BOT_TOKEN" in str(raised.value) and "python -m bot chat" in str(raised.value)


async def test_console_chat_completes_onboarding_from_piped_input(tmp_path: Path) -> None:
    database = tmp_path / "chat.sqlite3"
    script = "/start\n1\n1\n/help\n/location 58.01 56.25\n/contact +79990001122\n"
    script += f"/file {tmp_path / 'missing.xlsx'}\n/quit\nnever read\n"
    env = {**os.environ, "DATABASE_PATH": str(database), "BOT_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--user-id", "555", "--name", "Аня",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(script.encode()), timeout=60)
    output = out.decode()
    assert process.returncode == 0, err.decode()
    assert "bot: 👋 Здравствуйте, Аня!" in output
    assert "[1] ✅ Даю согласие" in output
    assert "Кто вы?" in output and "[1] 🎒 Учусь в школе" in output
    assert "bot: Главное меню" in output  # tags are stripped for the terminal
    assert "trudvsem.ru" in output
    assert output.count("понимаю кнопки и команды") == 1  # a contact: not expected here
    assert "ЦОПП Пермского края" in output  # the location found the nearest centres
    assert "! [Errno 2]" in output  # a missing file is reported, the chat goes on
    assert "never read" not in output
    assert "Traceback" not in err.decode()

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


def test_dot_env_example_is_a_valid_configuration(clean_env: Path) -> None:
    (clean_env / ".env").write_text((ROOT / ".env.example").read_text())
    settings = load_settings()
    assert settings.bot_token is None and settings.consultant_chat_id is None
    assert settings.database_path == Path("data/bot.sqlite3")


def test_migrate_command_creates_the_database(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(clean_env / "deep" / "bot.sqlite3"))
    assert main(["migrate"]) == 0
    assert f"schema version {len(load_migrations())}" in capsys.readouterr().out
    assert (clean_env / "deep" / "bot.sqlite3").is_file()


def test_unusable_database_is_one_sentence(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = clean_env / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 50)
    monkeypatch.setenv("DATABASE_PATH", str(broken))
    assert main(["migrate"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("The database at DATABASE_PATH cannot be used")
    assert error.count("\n") == 1


def test_running_without_token_exits_with_the_hint(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 2
    error = capsys.readouterr().err.strip()
    assert "BOT_TOKEN" in error and "@BotFather" in error and "\n" not in error


async def test_telegram_out_of_reach_at_start_is_one_sentence(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
        "BOT_TOKEN": "123:ABC",
        "TELEGRAM_API_URL": "http://127.0.0.1:9",  # the discard port: nothing listens there
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    message = err.decode().strip()
    assert process.returncode == 2
    assert message.startswith("Telegram cannot be reached at TELEGRAM_API_URL")
    assert "\n" not in message and "Traceback" not in message
