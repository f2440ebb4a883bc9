"""Every settlement of Russia at the place prompt and in free text: a town in a case form, an
ambiguous name asked about with the regions, Latin names in English, a location abroad, and the
pickers' way back."""

from __future__ import annotations

import pytest

from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import MakeClient, onboard

pytestmark = pytest.mark.staff_chat


async def test_a_town_in_the_prepositional_case_is_kept_with_its_region(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send("в Кунгуре")
    texts = "\n".join(m.text for m in client.messages.values())
    assert "Запомнил: Кунгур, Пермский край." in texts
    listing = client.last_text
    assert "Расстояния — от центра города Кунгур." in listing
    assert "ЦОПП Пермского края" in listing
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.region_slug == "perm-krai" and row.place_town == 539147


async def test_an_ambiguous_name_is_asked_about_with_the_regions(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send("Железногорск")
    assert "Мест с названием Железногорск несколько" in client.last_text
    labels = client.button_labels()
    # The biggest first: GeoNames gives Железногорск of Курская область 97,900 people and
    # that of Красноярский край 93,834.
    assert labels.index("Курская область") < labels.index("Красноярский край")
    assert "✖️ Отменить" in labels and "✏️ Написать заново" in labels
    await client.click("Курская область")
    texts = "\n".join(m.text for m in client.messages.values())
    assert "Запомнил: Железногорск, Курская область." in texts
    assert "ЦОПП Курской области" in client.last_text


async def test_latin_names_in_the_english_interface(make_client: MakeClient) -> None:
    client = await make_client(user_id=3001, first_name="Ann", language_code="en")
    await client.send("/start")
    await client.send("/centers")
    await client.send("Kazan")
    texts = "\n".join(m.text for m in client.messages.values())
    assert "Got it: Kazan, Republic of Tatarstan." in texts
    assert "less than 1 km to the centre of" not in client.last_text
    await client.send("/place")
    await client.send("Naberezhnye Chelny")
    texts = "\n".join(m.text for m in client.messages.values())
    assert "Naberezhnyye Chelny" in texts


@pytest.mark.parametrize("point", [(53.9, 27.5667), (0.0, 0.0)], ids=["Minsk", "0 0"])
async def test_a_location_outside_russia_is_said_to_be_so(
    client: ChatSimulator, db: Database, point: tuple[float, float]
) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send_location(*point)
    texts = "\n".join(m.text for m in client.messages.values())
    assert "за пределами России" in texts
    assert "Смоленск" not in texts and "Севастополь" not in texts and "км" not in texts
    assert "💬 Спросить консультанта" in client.button_labels() or any(
        "онсультант" in label for label in client.button_labels()
    )
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.region_slug is None


async def test_the_district_picker_has_a_way_back(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/centers")
    await client.send("Абырвалг")
    assert "Не нашёл город или регион" in client.last_text
    assert "✖️ Отменить" in client.button_labels()
    await client.click("Приволжский")
    assert "◀️ Федеральные округа" in client.button_labels()
    await client.click("◀️ Федеральные округа")
    await client.click("✖️ Отменить")
    texts = "\n".join(m.text for m in client.messages.values())
    assert "Хорошо, место пока не указываем." in texts


async def test_programme_texts_are_marked_russian_in_english(make_client: MakeClient) -> None:
    english = await make_client(user_id=3002, first_name="Ann", language_code="en")
    await english.send("/start")
    await english.send_callback("pg:card:sample-041:0")
    title = english.last_text.split("\n", 1)[0]
    assert title.endswith("<i>(in Russian)</i></b>")
    russian = await make_client(user_id=3003)
    await russian.send("/start")
    await russian.send_callback("pg:card:sample-041:0")
    assert "(на русском)" not in russian.last_text


async def test_the_picker_speaks_english(make_client: MakeClient) -> None:
    english = await make_client(user_id=3004, first_name="Ann", language_code="en")
    await english.send("/start")
    await english.send("/centers")
    await english.send("Qwertyuiop")
    assert "Volga" in english.button_labels() and "Приволжский" not in english.button_labels()
    await english.click("Volga")
    assert "Volga Federal District" in english.last_text
    assert "Perm Krai" in english.button_labels()
    await english.click("Perm Krai")
    texts = "\n".join(m.text for m in english.messages.values())
    assert "Got it: Perm Krai." in texts
    assert "in your region" in english.last_text and "less than 1 km" not in english.last_text
