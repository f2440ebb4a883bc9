"""Links for schools and events, class mode and shared results, through the real dispatcher."""

from __future__ import annotations

import re

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage, SendPhoto

from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from handlers.classes.callbacks import ClassAction, ClassCb
from storage.db import Database
from tests.support.chat import MakeClient, onboard
from tests.support.outreach import answer_questions, klimov_leader, school_test
from tests.support.settings import ADMIN_ID
from tests.support.sql import execute, query

LINK = re.compile(r"https://t\.me/copp_career_bot\?start=([A-Za-z0-9_-]+)")
PNG = b"\x89PNG\r\n\x1a\n"


def link_in(replies: list[Request]) -> str:
    for r in replies:
        if isinstance(r.method, SendMessage | EditMessageText) and (
            found := LINK.search(r.method.text or "")
        ):
            return found.group(1)
    raise AssertionError("no link sent")


def photos(replies: list[Request]) -> list[bytes]:
    return [r.files["photo"].content for r in replies if isinstance(r.method, SendPhoto)]


def texts(replies: list[Request]) -> str:
    return "\n".join(
        r.method.text or "" for r in replies if isinstance(r.method, SendMessage | EditMessageText)
    )


async def test_an_admin_link_comes_as_text_and_qr_and_counts_people_tests_and_applications(
    make_client: MakeClient, db: Database
) -> None:
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/links")
    assert "Ссылок пока нет" in admin.last_text
    await admin.click("Новая ссылка")
    await admin.send("x" * 61)
    assert "от 1 до 60 знаков" in admin.last_text
    replies = await admin.send("Школа <42>")
    code = link_in(replies)
    assert re.fullmatch(r"l_[A-Za-z0-9_-]{12}", code) and len(code) <= 64
    assert "Школа &lt;42&gt;" in texts(replies)
    (qr,) = photos(replies)
    assert qr.startswith(PNG)

    came = await make_client(user_id=7001, first_name="Пришла")
    await onboard(came, role="Учусь в школе", payload=code)
    await school_test(came)
    await execute(
        db,
        "INSERT INTO leads (user_id, program_id, program_title, phone) VALUES (?, ?, ?, ?)",
        7001, "sample-041", "Сварщик", "+79120000000",
    )  # fmt: skip
    other = await make_client(user_id=7002, first_name="Без теста")
    await onboard(other, payload=code)
    await onboard(await make_client(user_id=7003), payload="school_42")  # another source

    await admin.send("/links")
    assert "1. Школа &lt;42&gt; — людей: 2, прошли тест: 1, заявок: 1" in admin.last_text
    replies = await admin.send("/stats")
    assert "1. Школа &lt;42&gt; — людей: 2, прошли тест: 1, заявок: 1" in texts(replies)
    audit = await query(db, "SELECT action FROM audit_log WHERE action = 'link.created'")
    assert len(audit) == 1


async def test_links_are_for_admins_only(make_client: MakeClient) -> None:
    person = await make_client(user_id=7010)
    await onboard(person)
    await person.send("/links")
    assert "Ссылки для школ" not in person.last_text
    await person.send_callback("lk:new")
    assert "Ссылки для школ" not in person.last_text and "название" not in person.last_text


async def make_teacher(make_client: MakeClient, user_id: int = 7100) -> ChatSimulator:
    teacher = await make_client(user_id=user_id, first_name="Учитель")
    await onboard(teacher, role="Родитель или учитель")
    assert "👪 Родителям, учителям" in teacher.button_labels()
    return teacher


async def new_class(teacher: ChatSimulator, name: str) -> str:
    await teacher.click("Родителям, учителям")
    assert "ответы учеников — никогда" in teacher.last_text
    await teacher.click("Новый класс")
    replies = await teacher.send(name)
    code = link_in(replies)
    assert re.fullmatch(r"c_[A-Za-z0-9_-]{12}", code)
    assert photos(replies)[0].startswith(PNG)
    return code


async def pupil_by_class(
    make_client: MakeClient, user_id: int, code: str, name: str, leader: str
) -> ChatSimulator:
    pupil = await make_client(user_id=user_id, first_name=name)
    await pupil.send(f"/start {code}")
    assert "меньше 14 лет" in pupil.last_text  # when a parent must agree
    await pupil.click("Даю согласие")
    assert "Вы в классе «9Б»" in pupil.last_text
    await pupil.click("Пройти школьный тест")
    await answer_questions(pupil, klimov_leader(leader))
    return pupil


async def summary(teacher: ChatSimulator) -> list[Request]:
    await teacher.send("/classes")
    await teacher.click("Мои классы")
    return await teacher.click("9Б")


async def test_a_class_summary_never_reveals_one_pupils_answers(
    make_client: MakeClient, db: Database
) -> None:
    teacher = await make_teacher(make_client)
    code = await new_class(teacher, "9Б")
    await pupil_by_class(make_client, 7101, code, "Первый", "art")
    replies = await summary(teacher)
    shown = teacher.last_text
    assert "Прошли школьный тест: 1" in shown
    assert "Итоги по классу появятся, когда тест пройдут хотя бы 3" in shown
    for leak in ("Человек —", "Первый", "Популярные", "Ведущий тип"):
        assert leak not in shown, leak
    assert not photos(replies)  # no chart either

    await pupil_by_class(make_client, 7102, code, "Второй", "tech")
    await pupil_by_class(make_client, 7103, code, "Третий", "tech")
    replies = await summary(teacher)
    shown = texts(replies)
    assert "Прошли школьный тест: 3" in shown
    assert "Человек — техника: 2" in shown
    assert "Популярные профили обучения" in shown
    for name in ("Первый", "Второй", "Третий"):
        assert name not in shown
    assert photos(replies)[0].startswith(PNG)
    members = await query(db, "SELECT count(*) FROM class_members")
    assert members[0][0] == 3


async def test_forged_class_taps_and_dead_links_get_a_clear_answer(
    make_client: MakeClient, session: OfflineSession
) -> None:
    teacher = await make_teacher(make_client, 7200)
    await new_class(teacher, "9Б")
    other = await make_teacher(make_client, 7201)
    replies = await other.send_callback(ClassCb(action=ClassAction.summary, id=1).pack())
    alerts = [r.method.text for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert alerts == ["Это не ваш класс, или его уже нет."]
    replies = await other.send_callback("cl:sum:not-a-number")
    assert replies  # answered, not dropped
    replies = await other.send_callback(f"cl:sum:{10**30}")  # beyond any row id
    alerts = [r.method.text for r in replies if isinstance(r.method, AnswerCallbackQuery)]
    assert alerts == ["Это не ваш класс, или его уже нет."]

    pupil = await make_client(user_id=7202)
    replies = await pupil.send("/start c_doesnotexist")
    assert "больше не работает" in texts(replies)
    await pupil.send("/classes")
    assert "для родителей и учителей" in pupil.last_text


async def test_a_pupil_shares_a_result_card_and_can_take_it_back(
    make_client: MakeClient, db: Database
) -> None:
    pupil = await make_client(user_id=7300, first_name="Оля")
    await onboard(pupil, role="Учусь в школе")
    await school_test(pupil)
    replies = await pupil.click("Поделиться результатом")
    code = link_in(replies)
    assert re.fullmatch(r"r_[A-Za-z0-9_-]{16}", code)

    parent = await make_client(user_id=7301, first_name="Мама")
    replies = await parent.send(f"/start {code}")
    shown = texts(replies)
    assert "Оля делится с вами результатом теста" in shown
    assert "Человек — техника" in shown
    assert photos(replies)[0].startswith(PNG)
    assert "Даю согласие" not in str(parent.button_labels())  # no onboarding for a card

    await pupil.click("Закрыть доступ")
    replies = await parent.send(f"/start {code}")
    assert "ссылка на результат не работает" in texts(replies)

    replies = await pupil.send("/share")
    code = link_in(replies)
    await pupil.send("/forget")
    await pupil.click("Да, удалить")
    replies = await parent.send(f"/start {code}")
    assert "ссылка на результат не работает" in texts(replies)
    left = await query(db, "SELECT count(*) FROM shared_results")
    assert left[0][0] == 0


async def test_forged_and_stale_deep_links_are_answered(make_client: MakeClient) -> None:
    person = await make_client(user_id=7400, first_name="Гость")
    replies = await person.send("/start r_AAAAAAAAAAAAAAAA")
    assert "ссылка на результат не работает" in texts(replies)
    replies = await person.send("/start <script>")  # not a payload Telegram would send
    assert "Здравствуйте" in texts(replies)
    replies = await person.send("/share")
    assert "Сохранённого результата нет" in texts(replies)
    replies = await person.send_callback("sh:share")
    assert "Сохранённого результата нет" in texts(replies)
