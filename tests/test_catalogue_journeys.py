"""Catalogue journeys through the real dispatcher: the place, nearest centres, programmes,
applying, the consultant relay, the free-training check, and catalogue files for admins."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.methods import (
    AnswerCallbackQuery,
    CopyMessage,
    SendDocument,
    SendMessage,
    SendVenue,
)
from aiogram.types import Chat, ReplyKeyboardMarkup

from bot.app import create_dispatcher
from bot.config import Settings
from bot.runtime.offline import ChatSimulator, OfflineSession, Request, callback_answers
from storage.db import Database
from tests.conftest import ADMIN_ID, MakeClient, make_settings

STAFF_CHAT = -1001234567890
PERM = (58.01046, 56.25017)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, consultant_chat_id=STAFF_CHAT)


@pytest.fixture
def staff(dispatcher: Dispatcher, bot: Bot, session: OfflineSession) -> ChatSimulator:
    return ChatSimulator(
        dispatcher,
        bot,
        session,
        user_id=4242,
        first_name="Консультант",
        chat=Chat(id=STAFF_CHAT, type="supergroup", title="Консультанты ЦОПП"),
    )


async def onboard(client: ChatSimulator, *, consent: bool = True) -> None:
    await client.send("/start")
    await client.click("Даю согласие" if consent else "Не сейчас")
    await client.click("Ищу работу")


def sent(replies: list[Request]) -> list[str]:
    return [r.method.text for r in replies if isinstance(r.method, SendMessage)]


def staff_texts(session: OfflineSession) -> list[str]:
    return [
        r.method.text
        for r in session.requests
        if isinstance(r.method, SendMessage) and r.method.chat_id == STAFF_CHAT
    ]


# --- place and centres ------------------------------------------------------------------------


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
    assert "Запомнил: Екатеринбург, Свердловская область." in sent(
        session.requests[-3:]
    ) or "Екатеринбург" in "".join(m.text for m in client.messages.values())
    assert "1. <b>ЦОПП Свердловской области</b>" in client.last_text
    assert "Расстояния — от центра города Екатеринбург." in client.last_text

    await client.send("/place")
    await client.send("/help")  # a command while asked for a place does what it says
    assert "/centers" in client.last_text
    await client.send("тула")
    assert "1. <b>ЦОПП Тульской области</b>" in client.last_text
    assert "до центра города Тула" in client.last_text
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


# --- programmes ---------------------------------------------------------------------------------


async def choose_preferences(
    client: ChatSimulator, length: str, fmt: str, free: str, age: str = "35–49"
) -> None:
    if "Сколько вам лет" in client.last_text:  # asked once, before the first list
        await client.click(age)
    if "чем вы сейчас заняты" in client.last_text:
        await client.click("Работаю")
    assert "1/3" in client.last_text
    await client.click(length)
    assert "2/3" in client.last_text
    await client.click(fmt)
    assert "3/3" in client.last_text
    await client.click(free)


async def test_programmes_by_field_preferences_place_pages_and_card(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.click("🎓 Программы")
    assert "Выберите" in client.last_text or "тест" in client.last_text
    await client.click("Помощь и обучение")
    await choose_preferences(client, "Можно дольше", "Очно", "Только бесплатные")
    assert client.reply_keyboard is not None  # in person needs a place
    await client.send("Пермь")
    page = client.last_text
    assert page.startswith("<b>Программы для вас</b> (страница 1)")
    assert "Направление: 🤝 Помощь и обучение" in page
    assert "только бесплатные" in page and "1. <b>Младшая медицинская сестра" in page
    assert "Подходит отлично" in page and "пример программы" in page

    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert (
        row is not None and row.preferences is not None and '"free_only": true' in row.preferences
    )

    assert "▶️" not in client.button_labels()  # in person within reach: one programme
    await client.click("1. Младшая")
    card = client.last_text
    assert card.startswith("<b>Младшая медицинская сестра")
    assert "🔖 пример программы — уточните в центре" in card
    assert "Где: ЦОПП Пермского края (Пермский край)" in card and "бесплатно" in card
    assert "✍️ Подать заявку" in client.button_labels()


async def test_online_only_needs_no_place_and_shows_no_in_person(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client, consent=False)
    await client.send("/programs")
    await client.click("Порядок и документы")
    await choose_preferences(client, "1–3 месяца", "Онлайн", "Можно и платные")
    page = client.last_text
    assert page.startswith("<b>Программы для вас</b>")
    lines = [line for line in page.splitlines() if line.startswith("   ") and "·" in line]
    assert lines and all(line.strip().startswith("онлайн") for line in lines)
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.preferences is None  # no consent: not in the profile


async def test_a_result_leads_to_programmes_that_fit(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await client.send_callback("fd:SAE")
    await choose_preferences(client, "Можно дольше", "Всё равно", "Можно и платные")
    assert "По результату теста: S-A-E" in client.last_text


# --- applying -----------------------------------------------------------------------------------


async def open_programme_card(client: ChatSimulator, program_id: str = "sample-041") -> None:
    await client.send_callback(f"pg:card:{program_id}:0")
    card = client.last_message.markup
    assert card is not None and card.inline_keyboard[0][0].text == "✍️ Подать заявку"


async def test_apply_passes_the_lead_to_the_consultant_chat_once(
    client: ChatSimulator, session: OfflineSession, db: Database
) -> None:
    await onboard(client)
    await open_programme_card(client)
    await client.click("Подать заявку")
    assert "Я передам консультантам центра" in client.last_text or "передам" in client.last_text
    await client.click("Да, передать")
    keyboard = client.reply_keyboard
    assert isinstance(keyboard, ReplyKeyboardMarkup) and keyboard.keyboard[0][0].request_contact

    await client.send("12345")
    assert "не похоже на номер" in client.last_text.lower()
    replies = await client.send("8 (912) 345-67-89")
    confirmation = sent(replies)[-1]
    assert "Младшая медицинская сестра" in confirmation and "+7 912 345-67-89" in confirmation
    assert client.reply_keyboard is None

    (lead_text,) = staff_texts(session)
    assert "<b>Новая заявка</b>" in lead_text and "+7 912 345-67-89" in lead_text
    assert "ЦОПП Пермского края" in lead_text and f"tg://user?id={client.user.id}" in lead_text
    async with db.autocommit() as repos:
        (lead,) = await repos.leads.of_user(client.user.id)
    assert lead.delivered and lead.phone == "+79123456789" and lead.program_id == "sample-041"

    await open_programme_card(client)
    await client.click("Подать заявку")
    assert "Вы уже подали заявку" in client.last_text
    await client.send("/my")
    assert "<b>Ваши заявки</b>" in client.last_text and "Младшая медицинская" in client.last_text
    assert len(staff_texts(session)) == 1


async def test_apply_with_the_contact_button_and_a_foreign_contact(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await open_programme_card(client, "sample-016")
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send_contact("+1 202 555 0100")
    assert "российский номер" in client.last_text
    await client.click("Поделиться номером")  # the person's own number, from Telegram
    assert "+7 999 000-00-00" in client.last_text
    assert "онлайн" in staff_texts(session)[-1]


async def test_without_staff_chats_the_lead_is_kept(
    settings: Settings, db: Database, bot: Bot, session: OfflineSession
) -> None:
    alone = settings.model_copy(update={"consultant_chat_id": None, "admin_ids": frozenset()})
    client = ChatSimulator(create_dispatcher(alone, db, throttle=False), bot, session)
    await onboard(client)
    await open_programme_card(client)
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.send("+7 912 345 67 89")
    async with db.autocommit() as repos:
        (lead,) = await repos.leads.of_user(client.user.id)
    assert not lead.delivered  # stored for staff to find, never lost
    await client.send("/consult")
    assert "консультант к этому боту пока не подключён" in client.last_text


# --- consultant ---------------------------------------------------------------------------------


async def test_a_question_reaches_the_consultants_and_the_reply_comes_back(
    client: ChatSimulator, staff: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await client.click("Живой консультант")
    await client.send("Как записаться на сварщика?")
    assert client.last_text.startswith("Отправил консультанту ✅")
    header = staff_texts(session)[-1]
    assert "Вопрос" in header and f"tg://user?id={client.user.id}" in header
    copy = next(r for r in reversed(session.requests) if isinstance(r.method, CopyMessage))
    assert isinstance(copy.method, CopyMessage)
    assert copy.method.chat_id == STAFF_CHAT and copy.method.from_chat_id == client.user.id

    await client.send_document("справка.pdf", b"%PDF-1.4 test")
    assert sum(isinstance(r.method, CopyMessage) for r in session.requests) == 2

    assert copy.result is not None
    replies = await staff.reply(copy.result.message_id, "Позвоните нам завтра")
    assert staff_texts(session)[-1] == "✅ Доставлено."
    to_person = [
        r for r in session.requests[-6:] if getattr(r.method, "chat_id", None) == client.user.id
    ]
    assert any(
        isinstance(r.method, SendMessage) and "Ответ консультанта" in r.method.text
        for r in to_person
    )
    assert any(isinstance(r.method, CopyMessage) for r in to_person)
    assert replies  # the staff chat saw the confirmation

    await staff.send("коллеги, кто сегодня дежурит?")  # staff talk is not answered
    assert staff_texts(session)[-1] == "✅ Доставлено."
    await client.click("Завершить разговор")
    assert "Разговор завершён" in client.last_text or "завершён" in client.last_text
    await client.send("просто текст")
    assert "Свободный текст я пока не понимаю" in client.last_text  # no longer relayed


async def test_a_reply_to_a_person_who_blocked_the_bot_says_so(
    client: ChatSimulator, staff: ChatSimulator, session: OfflineSession, db: Database
) -> None:
    await onboard(client)
    await client.send("/consult")
    await client.send("Вопрос")
    copy = next(r for r in reversed(session.requests) if isinstance(r.method, CopyMessage))
    assert copy.result is not None
    session.queue_response(
        SendMessage, status=403, ok=False, description="Forbidden: bot was blocked by the user"
    )
    await staff.reply(copy.result.message_id, "Ответ")
    assert staff_texts(session)[-1] == "Не доставлено: человек заблокировал бота."
    async with db.autocommit() as repos:
        row = await repos.users.get(client.user.id)
    assert row is not None and row.is_blocked


# --- free-training check ------------------------------------------------------------------------


async def test_the_free_training_check_both_ways(client: ChatSimulator) -> None:
    await onboard(client)
    await client.click("Учиться бесплатно")
    assert "Вопрос 1" in client.last_text and "50 лет" in client.last_text
    first_question = client.last_message.message_id
    await client.click("Нет")
    await client.click("Да")  # parental leave
    verdict = client.last_text
    assert verdict.startswith("✅ Вероятно, вы можете учиться бесплатно")
    assert "«Работа России»" in verdict and "Постановление Правительства РФ" in verdict
    assert "гарантир" not in verdict.lower()
    assert "Ближайшие центры" in client.button_labels()[-4] or any(
        "Ближайшие" in label for label in client.button_labels()
    )

    replies = await client.send_callback("el:0:1", message_id=first_question)
    assert callback_answers(replies)  # an old question: answered, never a spinner
    assert "завершена" in client.last_text

    await client.send("/free")
    while "Вопрос" in client.last_text:
        await client.click("Нет")
    assert client.last_text.startswith("По этим признакам — скорее нет, но")


# --- forged input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("ce:card:copp-nowhere", "Этого центра больше нет"),
        ("ce:pin:copp-perm-krai", "не знаю, где именно"),
        ("pg:card:nope:0", "Этой программы больше нет"),
        ("pg:apply:nope:0", "Этой программы больше нет"),
        ("ap:yes:nope", "Этой программы больше нет"),
    ],
)
async def test_forged_catalogue_buttons_get_a_clear_answer(
    client: ChatSimulator, payload: str, expected: str
) -> None:
    await onboard(client)
    replies = await client.send_callback(payload)
    (answer,) = [r.method for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert answer.text is not None and expected.lower() in answer.text.lower()


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("pl:dd:99:", "Выберите федеральный округ"),
        ("pl:r:0:atlantis", "Выберите федеральный округ"),
        ("fd:ZZZ", "Выберите направление"),
        ("el:5:1", "завершена"),
        ("pf:fmt:online", "1/3"),
        ("pf:len:forever", "1/3"),
    ],
)
async def test_forged_picker_buttons_show_the_right_step(
    client: ChatSimulator, payload: str, expected: str
) -> None:
    await onboard(client)
    replies = await client.send_callback(payload)
    assert callback_answers(replies)
    assert expected in client.last_text


# --- catalogue files for admins ------------------------------------------------------------------


def programmes_csv(*rows: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("cp1251")


ROW = {
    "Код": "perm-boiler",
    "Название": "Оператор котельной",
    "Код центра": "copp-perm-krai",
    "Часов": "144",
    "Формат": "очно",
    "R": "0,9",
    "I": "0",
    "A": "0",
    "S": "0",
    "E": "0",
    "C": "0,4",
}


async def test_an_admin_imports_a_file_and_gets_a_report(
    make_client: MakeClient, db: Database
) -> None:
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    bad = programmes_csv(ROW, ROW | {"Код": "perm-2", "Часов": "сорок"})
    await admin.send_document("программы.csv", bad)
    report = admin.last_text
    assert report.startswith("❌ программы.csv: ничего не загружено")
    assert "строка 3" in report and "сорок" in report
    async with db.autocommit() as repos:
        assert await repos.catalogue.program("perm-boiler") is None

    await admin.send_document("программы.csv", programmes_csv(ROW))
    assert admin.last_text.startswith("✅ программы.csv: загружено программ — 1 (новых — 1")
    await admin.send_document("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert admin.last_text.startswith("❌ photo.png: ничего не загружено")

    replies = await admin.send("/catalogue")
    documents = [r.method for r in replies if isinstance(r.method, SendDocument)]
    assert len(documents) == 2


async def test_a_file_from_someone_else_is_not_imported(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send_document("программы.csv", programmes_csv(ROW))
    assert "кнопки и команды" in client.last_text
    await client.send("/catalogue")
    assert "не знаю команду" in client.last_text.lower()
    async with db.autocommit() as repos:
        assert await repos.catalogue.program("perm-boiler") is None


async def test_long_and_html_catalogue_values_stay_within_telegram_limits(
    make_client: MakeClient,
) -> None:
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    title = ("<b>Сварка</b> & " * 20)[:200]
    row = ROW | {
        "Название": title,
        "Описание": ("Опишем <i>всё</i> & подробно. " * 30)[:600],
        "Источник": ("https://example.ru/" + "x" * 470),
        "Для кого": "взрослые|50+|родители|студенты",
        "Старт": "01.02.2027",
    }
    await admin.send_document("long.csv", programmes_csv(row))
    assert admin.last_text.startswith("✅")
    await admin.send_callback("pg:card:perm-boiler:0")
    card = admin.last_text
    assert len(card) <= 4096
    assert "&lt;b&gt;Сварка&lt;/b&gt; &amp;" in card and "<b>Сварка</b>" not in card
    assert "Ближайший старт: 01.02.2027" in card

    bad_rows = [ROW | {"Код": f"bad-{i}", "Часов": "много" * 20} for i in range(400)]
    await admin.send_document("bad.csv", programmes_csv(*bad_rows))
    report = admin.last_text
    assert len(report) <= 4096 and report.rstrip().endswith(".")
    assert "…и ещё" in report and "строка 2: Часов: нужно целое число" in report


async def test_the_free_check_names_the_nearest_centre_when_the_place_is_known(
    client: ChatSimulator,
) -> None:
    await onboard(client)
    await client.send_location(*PERM)
    await client.send("/free")
    await client.click("Да")
    assert "Ближайший ЦОПП: ЦОПП Пермского края, в вашем регионе" in client.last_text


async def test_location_to_centre_to_programme_to_application_in_one_go(
    client: ChatSimulator, session: OfflineSession
) -> None:
    await onboard(client)
    await client.click("Центры рядом")
    await client.click("Отправить геопозицию")  # Moscow: the simulator's location
    assert "<b>Центры ЦОПП рядом с вами</b>" in client.last_text
    assert "1. <b>ЦОПП Москвы</b> · планируется" in client.last_text  # planned, said so
    await client.click("2. ЦОПП Московской")
    assert "Город: Реутов" in client.last_text
    await client.click("Программы центра")
    first_programme = client.last_message.markup
    assert first_programme is not None
    await client.press(client.last_message.message_id, first_programme.inline_keyboard[0][0])
    await client.click("Подать заявку")
    await client.click("Да, передать")
    await client.click("Поделиться номером")
    lead = staff_texts(session)[-1]
    assert "<b>Новая заявка</b>" in lead and "ЦОПП Московской области" in lead


async def test_the_latest_saved_result_is_the_basis_of_the_list(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    async with db.transaction() as tx:
        await tx.results.add(
            user_id=client.user.id,
            instrument="riasec",
            answers=[2] * 30,
            scores={"R": 4, "I": 6, "A": 10, "S": 19, "E": 14, "C": 5},
            code="S-E-A",
            vector={"R": 0.2, "I": 0.3, "A": 0.5, "S": 0.95, "E": 0.7, "C": 0.25},
            started_at="2026-11-26T09:00:00Z",
        )
    await client.send_location(*PERM)
    await client.send("/programs")
    await choose_preferences(client, "Можно дольше", "Всё равно", "Можно и платные")
    assert "По результату теста: S-E-A" in client.last_text


async def test_a_school_student_sees_programmes_open_to_school_students(
    client: ChatSimulator, db: Database
) -> None:
    await client.send("/start")
    await client.click("Даю согласие")
    await client.click("Учусь в школе")
    await client.send_location(59.22, 39.89)  # Вологда: school programmes of the ЦОПП
    await client.send("/programs")
    await client.click("Техника и ручной труд")
    await choose_preferences(client, "Можно дольше", "Всё равно", "Можно и платные", "14–17")
    ids = [
        b.callback_data.split(":")[2]
        for row in (
            client.last_message.markup.inline_keyboard if client.last_message.markup else []
        )
        for b in row
        if b.callback_data and b.callback_data.startswith("pg:card:")
    ]
    async with db.autocommit() as repos:
        programs = await repos.catalogue.programs(ids)
    assert ids and all(not p.audience or "school" in p.audience for p in programs.values())
