"""CONSULTANT_CHAT_ID must be a staff group: a person's own chat there would swallow every
message that person writes to the bot. An admin's id is refused by the settings, a known
person's at start-up, each with one sentence naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.services.staff import check_staff_chat, is_staff_chat
from storage.db import Database
from tests.conftest import make_settings


def test_an_admins_id_as_the_consultant_chat_is_refused_with_one_sentence() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(_env_file=None, admin_ids="5,6", consultant_chat_id="6")
    message = str(refused.value)
    assert message.startswith("CONSULTANT_CHAT_ID is invalid (got '6'): it is the id of an admin")
    assert "-100" in message and message.count(". ") == 0 and message.endswith(".")


@pytest.mark.parametrize("chat", ["-1001234567890", "-42", "777", ""])
def test_groups_and_other_ids_are_accepted(chat: str) -> None:
    settings = load_settings(_env_file=None, admin_ids="5,6", consultant_chat_id=chat)
    assert settings.consultant_chat_id == (int(chat) if chat else None)


async def test_a_known_persons_id_stops_the_start(db: Database, tmp_path: Path) -> None:
    async with db.autocommit() as repos:
        await repos.users.ensure(777)
    for chat in (-1001234567890, 778, None):
        await check_staff_chat(db, make_settings(tmp_path, consultant_chat_id=chat))
    with pytest.raises(SettingsError, match=r"^CONSULTANT_CHAT_ID is invalid \(got 777\)"):
        await check_staff_chat(db, make_settings(tmp_path, consultant_chat_id=777))


def test_only_the_group_or_an_admins_own_chat_is_a_staff_chat(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, consultant_chat_id=-100)
    assert is_staff_chat(settings, -100, "supergroup", 4242)
    assert not is_staff_chat(settings, -101, "supergroup", 4242)
    assert is_staff_chat(settings, 9001, "private", 9001)  # the admin of conftest
    assert not is_staff_chat(settings, 1001, "private", 1001)
