"""Finding the place and the nearest centres: a shared location, a typed city in any case or
with a typo, the picker when nothing fits, and a region without a centre."""

from __future__ import annotations

import pytest
from aiogram.methods import SendVenue
from aiogram.types import ReplyKeyboardMarkup

from bot.runtime.offline import ChatSimulator, OfflineSession
from storage.db import Database
from tests.support.chat import PERM, onboard, sent_texts

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat


async def test_a_shared_location_finds_the_nearest_centres_honestly(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.click("Центры рядом")
    keyboard = client.reply_keyboard
    assert isinstance(keyboard, ReplyKeyboardMarkup)
    assert keyboard.keyboard[0][0].request_location  # "📍 Отправить геопозицию"
    await client.send_location(*PERM)
    listing = client.last_text
    assert listing.startswith("<b>Центры ЦОПП рядом с вами</b>")
    assert "1. <b>ЦОПП Пермского края</b>" in listing
    assert "в вашем регионе (точный адрес неизвестен)" in listing  # a region pin, no km
    assert "км" in listing and listing.count("\n1.") == 1 and "\n5." in listing
    assert client.reply_keyboard is None  # the location keyboard is gone

    await client.click("1. ЦОПП Пермского края")
    card = client.last_text
    assert "Регион: Пермский край" in card and "Источник:" in card
    assert "📌 На карте" not in client.button_labels()  # never a placeholder pin
    await client.click("Программы центра")
    assert "Младшая медицинская сестра" in client.last_text
    assert "пример программы — уточните в центре" in client.last_text

    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.region_slug == "perm-krai" and row.place_precision == "point"
    assert row.place_lat == round(PERM[0], 2)  # kept to about a kilometre


async def test_a_typed_city_in_any_case_and_a_map_pin_for_a_known_city(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send("в Екатеринбурге")
    assert "Запомнил: Екатеринбург, Свердловская область." in sent_texts(
        session.requests[-3:]
    ) or "Екатеринбург" in "".join(m.text for m in client.messages.values())
    assert "1. <b>ЦОПП Свердловской области</b>" in client.last_text
    assert "Расстояния — от центра города Екатеринбург." in client.last_text

    await client.send("/place")
    await client.send("/help")  # a command while asked for a place does what it says
    assert "/centers" in client.last_text
    await client.send("тула")
    assert "1. <b>ЦОПП Тульской области</b>" in client.last_text
    assert "Тульская область · в вашем городе" in client.last_text  # not «less than 1 km»
    await client.click("1. ЦОПП Тульской")
    replies = await client.click("На карте")
    venue = next(r.method for r in replies if isinstance(r.method, SendVenue))
    assert abs(venue.latitude - 54.19609) < 1e-6 and "ЦОПП Тульской области" in venue.title


async def test_an_unknown_place_gets_the_picker_never_a_guess(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send("Зазеркалье <b>")
    assert "Не нашёл город или регион «Зазеркалье &lt;b&gt;»" in client.last_text
    await client.click("Приволжский")
    assert "Пермский край" in client.button_labels()
    await client.click("Пермский край")
    assert "1. <b>ЦОПП Пермского края</b>" in client.last_text


async def test_a_region_without_a_centre_says_so_and_shows_neighbours(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send("Сыктывкар")
    text = client.last_text
    assert "В регионе «Республика Коми» я пока не знаю ни одного центра" in text
    assert "1. <b>" in text and "онлайн-программы" in text
