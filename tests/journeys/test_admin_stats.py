"""Admins' /stats and /export through the real dispatcher, on a small population built from
real rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
from aiogram.methods import SendDocument, SendMessage, SendPhoto

from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from storage.db import Database
from tests.support.chat import MakeClient
from tests.support.population import populate, sheet_rows
from tests.support.settings import ADMIN_ID


def documents(replies: list[Request]) -> dict[str, bytes]:
    found = {}
    for request in replies:
        if isinstance(request.method, SendDocument):
            sent = request.files["document"]
            found[sent.filename] = sent.content
    return found


def all_text(filename: str, content: bytes) -> str:
    if filename.endswith(".csv"):
        return content.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


async def test_stats_give_the_figures_and_a_chart(
    make_client: MakeClient, db: Database, session: OfflineSession
) -> None:
    await populate(make_client, db)
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    replies = await admin.send("/stats")

    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert len(texts) == 1
    text = texts[0]
    assert text.startswith("<b>Статистика</b> на ")
    # Six rows: five people and the admin, whose row appears with the first message.
    assert "Людей: 6 · активных за 30 дн.: 2 · заблокировали бота: 1" in text
    assert "Новых: за 7 дн. — 4, за 30 дн. — 5" in text
    today = datetime.now(UTC) + timedelta(hours=3)  # days are Moscow days
    assert text.count(" — 0") >= 5 and f"{today:%d.%m} — 3" in text  # Аня, 1005, the admin
    funnel = [
        "Начали: 6",
        "Дали согласие: 3 (50\u00a0%)",
        "Прошли тест: 3 (50\u00a0%)",
        "Смотрели программы: 1 (17\u00a0%)",
        "Подали заявку: 2 (33\u00a0%)",
    ]
    assert "\n".join(funnel) in text
    assert "Взрослые: Помощник (S): 1 · без выраженного типа: 1" in text  # not 1004's R
    assert "Школьники: Человек — техника (tech): 1" in text
    assert "1. Москва — 1\n2. Пермский край — 1\n" in text  # 1004's region is not counted
    assert "1. school_42 — 1\n2. vk_ads — 1" in text
    assert "всего 3, за 7 дн. — 2; доставлено — 2, не доставлено — 1" in text

    photos = [r for r in replies if isinstance(r.method, SendPhoto)]
    assert len(photos) == 1
    assert photos[0].files["photo"].content.startswith(b"\x89PNG\r\n\x1a\n")

    async with db.autocommit() as repos:
        audit = await repos.audit.recent()
    assert [(a.admin_id, a.action) for a in audit] == [(ADMIN_ID, "stats")]


async def test_stats_stay_short_and_escaped_with_many_regions_and_sources(
    make_client: MakeClient, db: Database
) -> None:
    async with db.transaction() as tx:
        regions = [r.slug for r in await tx.catalogue.regions()][:40]
        for number, slug in enumerate(regions):
            user_id = 5000 + number
            await tx.users.ensure(user_id)
            await tx.users.give_consent(user_id, first_name="X", last_name=None, username=None)
            await tx.users.set_place(user_id, region_slug=slug, lat=50, lon=50, precision="city")
            await tx.users.set_source_once(user_id, f"<b>&{number:02d}" + "я" * 60)
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    replies = await admin.send("/stats")
    text = next(r.method.text for r in replies if isinstance(r.method, SendMessage))
    assert len(text) <= 4096
    assert "Другие регионы (30): 30" in text and "Другие источники (30): 30" in text
    assert "&lt;b&gt;&amp;00" in text and "<b>&" not in text
    assert text.count("\n10. ") == 2 and "\n11. " not in text


async def test_export_sends_six_files_with_consented_fields_only(
    make_client: MakeClient, db: Database
) -> None:
    await populate(make_client, db)
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    replies = await admin.send("/export")
    texts = [r.method.text for r in replies if isinstance(r.method, SendMessage)]
    assert texts == [
        "<b>Выгрузка</b>: людей — 6, результатов тестов — 4, заявок — 3. "
        "О людях без согласия — только id, язык и дата первого обращения."
    ]
    files = documents(replies)
    assert sorted(files) == [
        "applications.csv",
        "applications.xlsx",
        "people.csv",
        "people.xlsx",
        "results.csv",
        "results.xlsx",
    ]
    for filename, content in files.items():
        text = all_text(filename, content)
        assert "Аня" in text or filename.startswith("results")
        for leftover in ("Глеб", "Секретный", "secret_gleb"):
            assert leftover not in text, filename

    people = {row["id"]: row for row in sheet_rows(files["people.xlsx"])}
    assert set(people) == {1001, 1002, 1003, 1004, 1005, ADMIN_ID}
    assert people[1001]["first_name"] == "Аня" and people[1001]["role"] == "adult"
    assert people[1001]["region"] == "Пермский край" and people[1001]["source"] == "school_42"
    assert people[1002]["is_blocked"] == 1
    for without_consent in (1003, 1004, ADMIN_ID):
        row = people[without_consent]
        kept = {k for k, v in row.items() if v is not None}
        assert {"id", "created_at"} <= kept <= {"id", "locale", "created_at"}, without_consent

    by_csv = {r["id"]: r for r in csv_rows(files["people.csv"])}
    assert by_csv["1001"]["first_name"] == "Аня"
    assert by_csv["1003"]["first_name"] == "" and by_csv["1003"]["role"] == ""
    # Formula-looking text is marked as text: an apostrophe in CSV, a quote prefix in XLSX.
    assert by_csv["1005"]["first_name"] == "'=HYPERLINK(1)"
    assert by_csv["1005"]["last_name"] == "'@evil"
    sheet = openpyxl.load_workbook(io.BytesIO(files["people.xlsx"])).active
    cell = next(c for c in sheet["E"] if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s" and cell.quotePrefix

    results = sheet_rows(files["results.xlsx"])
    assert [(r["user_id"], r["code"]) for r in results] == [
        (1001, "R-I-A"),
        (1001, "S-A-E"),
        (1002, "tech+art"),
        (1005, None),
    ]
    assert results[1]["S"] == 18 and results[2]["tech"] == 7 and results[2]["S"] is None
    assert len(csv_rows(files["results.csv"])) == 4

    applications = sheet_rows(files["applications.xlsx"])
    assert [(a["user_id"], a["program_id"], a["delivered"]) for a in applications] == [
        (1001, "perm-boiler", 1),
        (1001, "perm-welder", 1),
        (1002, "perm-boiler", 0),
    ]
    assert applications[0]["phone"] == "+79001234567"
    assert csv_rows(files["applications.csv"])[0]["phone"] == "'+79001234567"

    async with db.autocommit() as repos:
        audit = await repos.audit.recent()
    assert [(a.admin_id, a.action, a.details) for a in audit] == [
        (ADMIN_ID, "export", "people 6, results 4, applications 3")
    ]


async def test_stats_and_export_are_not_there_for_others(
    client: ChatSimulator, db: Database, session: OfflineSession
) -> None:
    await client.send("/start")
    await client.click("Даю согласие")
    for command in ("/stats", "/export"):
        replies = await client.send(command)
        assert f"не знаю команду {command}" in client.last_text.lower()
        assert not [r for r in replies if isinstance(r.method, SendDocument | SendPhoto)]
        assert "Статистика" not in client.last_text and "Выгрузка" not in client.last_text
    async with db.autocommit() as repos:
        assert await repos.audit.recent() == []
