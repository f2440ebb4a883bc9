"""Programmes a person can act on, through the real dispatcher: the age band and status asked
once before the first list, in-person programmes only within reach, the honest answer with
three choices when nothing near fits, online programmes before the place is known."""

from __future__ import annotations

from datetime import date

from bot.domain.catalogue import Program
from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.conftest import MakeClient
from tests.support.chat import save_adult_result

PERM = (58.01046, 56.25017)
MURMANSK = (68.97, 33.09)  # a region without a known centre
VOLOGDA = (59.22, 39.89)


async def onboard(
    client: ChatSimulator, *, consent: bool = True, role: str = "Ищу работу"
) -> None:
    await client.send("/start")
    await client.click("Даю согласие" if consent else "Не сейчас")
    await client.click(role)


async def who(client: ChatSimulator, age: str, status: str | None = None) -> None:
    assert "Сколько вам лет" in client.last_text
    await client.click(age)
    if status is not None:
        assert "чем вы сейчас заняты" in client.last_text
        await client.click(status)


async def filters(client: ChatSimulator, length: str, fmt: str, free: str) -> None:
    assert "1/3" in client.last_text
    await client.click(length)
    await client.click(fmt)
    await client.click(free)


def listed_ids(client: ChatSimulator) -> list[str]:
    markup = client.last_message.markup
    return [
        button.callback_data.split(":")[2]
        for row in (markup.inline_keyboard if markup else [])
        for button in row
        if button.callback_data and button.callback_data.startswith("pg:card:")
    ]


async def listed(client: ChatSimulator, db: Database) -> list[Program]:
    ids = listed_ids(client)
    async with db.autocommit() as repos:
        found = await repos.catalogue.programs(ids)
    return [found[i] for i in ids]


async def test_nothing_within_reach_gets_the_honest_answer_with_three_choices_in_order(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send_location(*MURMANSK)
    await client.send("/programs")
    await client.click("Техника и ручной труд")
    await who(client, "35–49", "Работаю")
    await filters(client, "Можно дольше", "Очно", "Можно и платные")
    text = client.last_text
    assert "Рядом с вами нет очных программ, которые вам подходят" in text
    assert "«Мурманская область» и не дальше 150 км" in text
    online = text.index("Учиться онлайн")
    center = text.index("Обратиться в ближайший ЦОПП")
    consultant = text.index("Спросить консультанта")
    assert online < center < consultant  # online first, then the centre, then a person
    assert " км. Там подскажут" in text  # the nearest centre with its distance
    programmes = await listed(client, db)
    assert programmes and all(p.center_id is None for p in programmes)  # online ones
    labels = client.button_labels()
    assert any(label.startswith("🏫 ЦОПП") for label in labels)
    assert "💬 Спросить консультанта" in labels
    await client.click("Спросить консультанта")
    assert "консультант" in client.last_text.lower()


async def test_in_person_programmes_are_listed_only_within_reach(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await client.send("/programs")
    await client.click("Порядок и документы")
    await who(client, "35–49", "Работаю")
    await filters(client, "Можно дольше", "Всё равно", "Можно и платные")
    assert client.last_text.startswith("<b>Программы для вас</b>")
    programmes = await listed(client, db)
    assert programmes
    async with db.autocommit() as repos:
        centers = await repos.catalogue.centers([p.center_id for p in programmes if p.center_id])
    assert all(c.region_slug == "perm-krai" for c in centers.values())
    line = next(x for x in client.last_text.split("\n\n") if "ЦОПП Пермского края" in x)
    assert "Подходит" in line and "в вашем регионе" in line  # fit and distance, separately


async def test_age_band_and_status_are_asked_once_and_kept_with_consent(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send("/programs")
    await client.click("Помощь и обучение")
    await who(client, "50+", "На пенсии")
    await filters(client, "Можно дольше", "Онлайн", "Можно и платные")
    assert "Программы для вас" in client.last_text
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and (row.age_band, row.status) == ("50p", "retired")
    await client.send("/programs")
    await client.click("Помощь и обучение")
    assert "Сколько вам лет" not in client.last_text  # not asked again
    assert "Программы для вас" in client.last_text
    await client.click("Меню")
    await client.click("Обо мне")
    assert "Возраст: 50+." in client.last_text and "Занятость: на пенсии." in client.last_text
    await client.click("Возраст")
    await client.click("35–49")
    assert "Возраст: 35–49." in client.last_text
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.age_band == "35_49"


async def test_without_consent_the_answers_stay_in_the_conversation(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client, consent=False)
    await client.send("/programs")
    await client.click("Порядок и документы")
    await who(client, "18–34", "Не работаю")
    await filters(client, "Можно дольше", "Онлайн", "Можно и платные")
    assert "Программы для вас" in client.last_text
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.age_band is None and row.status is None
    await client.send("/privacy")
    await client.click("Даю согласие")  # consent now: the answers move into the profile
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and (row.age_band, row.status) == ("18_34", "not_working")


async def test_a_school_student_is_asked_the_age_only_and_sees_no_adult_programme(
    make_client: MakeClient, db: Database
) -> None:
    client = await make_client()
    await onboard(client, role="Учусь в школе")
    await client.send_location(*VOLOGDA)
    await client.send("/programs")
    await client.click("Техника и ручной труд")
    await who(client, "14–17")  # the status is known from the role
    await filters(client, "Можно дольше", "Всё равно", "Можно и платные")
    programmes = await listed(client, db)
    assert programmes
    for program in programmes:
        assert not program.audience or "school" in program.audience
        assert program.min_age is None or program.min_age <= 14


async def test_a_person_without_a_place_sees_online_programmes_and_is_asked_where(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send("/programs")
    await client.click("Порядок и документы")
    await who(client, "35–49", "Работаю")
    await filters(client, "Можно дольше", "Всё равно", "Можно и платные")
    texts = [m.text for m in client.messages.values()]
    assert any(t.startswith("<b>Онлайн-программы для вас</b>") for t in texts)
    assert client.reply_keyboard is not None  # where are you?
    programmes = await listed_in_message(client, db, "Онлайн-программы для вас")
    assert programmes and all(p.center_id is None for p in programmes)
    await client.send("Пермь")
    assert "Программы для вас" in client.last_text  # now with in-person ones near Perm


async def listed_in_message(client: ChatSimulator, db: Database, title: str) -> list[Program]:
    message = next(m for m in client.messages.values() if title in m.text)
    ids = [
        button.callback_data.split(":")[2]
        for row in (message.markup.inline_keyboard if message.markup else [])
        for button in row
        if button.callback_data and button.callback_data.startswith("pg:card:")
    ]
    async with db.autocommit() as repos:
        found = await repos.catalogue.programs(ids)
    return list(found.values())


async def test_in_person_only_without_a_place_asks_the_place_first(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/programs")
    await client.click("Порядок и документы")
    await who(client, "35–49", "Работаю")
    await filters(client, "Можно дольше", "Очно", "Можно и платные")
    assert "Где вы находитесь" in client.last_text
    assert not any("Онлайн-программы" in m.text for m in client.messages.values())


async def test_a_closed_enrolment_is_never_listed_but_its_card_still_opens(
    client: ChatSimulator, db: Database
) -> None:
    async with db.autocommit() as repos:
        luhansk = await repos.catalogue.program("real-luhansk-accounting-50")
    assert luhansk is not None and luhansk.enroll_until is not None
    assert luhansk.enroll_until < date(2026, 11, 30)
    await onboard(client)
    await client.send_location(48.57, 39.33)  # Луганск
    await client.send("/programs")
    await client.click("Порядок и документы")
    await who(client, "50+", "Не работаю")
    await filters(client, "Можно дольше", "Всё равно", "Можно и платные")
    assert "real-luhansk-accounting-50" not in listed_ids(client)
    await client.send_callback("pg:card:real-luhansk-accounting-50:0")
    card = client.last_text
    assert "Набор: закрыт" in card and "Только для жителей: Луганская Народная Республика" in card
    assert "сюда вас могут не взять" in card


async def test_a_flat_result_gets_ways_to_explore_not_a_list(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await save_adult_result(
        db, client.user.id, dict.fromkeys("RIASEC", 10), None, "2026-11-30T09:00:00Z"
    )
    await client.send("/programs")
    assert "профпроба" in client.last_text and "Подходит отлично" not in client.last_text
    assert "💬 Живой консультант" in client.button_labels()
