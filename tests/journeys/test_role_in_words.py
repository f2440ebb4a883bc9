"""The role question answered in words: a role said in words is taken, a profession or a
question is answered and the role asked again, anything else gets the buttons again."""

from __future__ import annotations

from bot.domain.intents import role_in
from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import sent_texts


async def _at_role_question(client: ChatSimulator) -> None:
    await client.send("/start")
    await client.click("Даю согласие")
    assert "Кто вы?" in client.last_text


async def test_a_pupil_who_types_their_class_gets_the_pupils_menu(
    client: ChatSimulator, db: Database
) -> None:
    await _at_role_question(client)
    replies = await client.send("я учусь в 9 классе")
    assert "Принято: учусь в школе." in sent_texts(replies)
    async with db.autocommit() as repos:
        person = await repos.users.get(client.user.id)
    assert person is not None and person.role == "student"


async def test_a_profession_typed_at_the_role_question_is_answered_then_the_role_asked(
    client: ChatSimulator, db: Database
) -> None:
    await _at_role_question(client)
    replies = await client.send("хочу стать сварщиком")
    texts = " ".join(sent_texts(replies))
    assert "Сварщик" in texts
    assert "кто вы?" in client.last_text
    assert any("школе" in label for label in client.button_labels())
    async with db.autocommit() as repos:
        person = await repos.users.get(client.user.id)
    assert person is not None and person.role is None


async def test_nonsense_at_the_role_question_gets_the_buttons_again(client: ChatSimulator) -> None:
    await _at_role_question(client)
    await client.send("абырвалг")
    assert "Кто вы?" in client.last_text


def test_role_words() -> None:
    assert role_in("я в 10 классе") == "student"
    assert role_in("ищу работу") == "adult"
    assert role_in("учусь в колледже") == "adult"
    assert role_in("я мама школьника") == "parent"
    assert role_in("математика") is None  # «мать» only at the start of a word
    assert role_in("работаю в школе поваром") is None  # a pupil and a grown-up: ask
    assert role_in("хочу стать сварщиком") is None
