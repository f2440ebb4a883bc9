"""Settings from the environment and `.env`: every value checked, a bad one named in one
sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.support.processes import PROJECT_ROOT


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


def test_dot_env_example_is_a_valid_configuration(clean_env: Path) -> None:
    (clean_env / ".env").write_text((PROJECT_ROOT / ".env.example").read_text())
    settings = load_settings()
    assert settings.bot_token is None and settings.consultant_chat_id is None
    assert settings.database_path == Path("data/bot.sqlite3")


@pytest.mark.parametrize(
    ("name", "value"),
    [("REDIS_URL", "localhost:6379"), ("LEASE_SECONDS", "0"), ("LEASE_SECONDS", "soon")],
)
def test_bad_redis_url_or_lease_seconds_stop_start_up_with_one_sentence(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.startswith(f"{name} is invalid") and "\n" not in message
    if name == "REDIS_URL":
        assert value not in message  # a Redis address may carry a password


def test_a_bad_database_url_is_named_without_showing_it(clean_env: Path) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(database_url="mysql://bot:s3cret@db.example/copp")
    assert str(raised.value).startswith("DATABASE_URL is invalid: ")
    assert "s3cret" not in str(raised.value)
