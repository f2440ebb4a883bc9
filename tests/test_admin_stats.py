"""Admins' /stats and /export through the real dispatcher, on a small population built from
real rows, and the same export from the command line."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
from aiogram.methods import SendDocument, SendMessage, SendPhoto

from bot.runtime.offline import ChatSimulator, OfflineSession, Request
from storage.db import Database
from tests.conftest import ADMIN_ID, MakeClient
from tests.sql import raw_connection

ISO = "%Y-%m-%dT%H:%M:%SZ"


def ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime(ISO)


async def backdate(db: Database, table: str, row_id: int, column: str, days: int) -> None:
    async with db.autocommit() as repos:
        await raw_connection(repos).execute(
            f"UPDATE {table} SET {column} = ? WHERE id = ?", (ago(days), row_id)
        )


async def add_result(db: Database, user_id: int, instrument: str, code: str | None) -> None:
    scores = (
        {"R": 12, "I": 9, "A": 15, "S": 18, "E": 6, "C": 3}
        if instrument == "riasec"
        else {"nature": 2, "tech": 7, "people": 3, "signs": 2, "art": 6}
    )
    async with db.transaction() as tx:
        await tx.results.add(
            user_id=user_id,
            instrument=instrument,
            answers=[1, 0, 1],
            scores=scores,
            code=code,
            vector={"R": 0.5},
            started_at=ago(0),
        )


async def add_lead(
    db: Database, user_id: int, program_id: str, name: str, *, delivered: bool
) -> int:
    async with db.transaction() as tx:
        lead = await tx.leads.add(
            user_id=user_id,
            program_id=program_id,
            center_id="copp-perm-krai",
            program_title="Оператор котельной",
            name=name,
            phone="+79001234567",
            quiz_code="S-A-E",
        )
        assert lead is not None
        if delivered:
            await tx.leads.mark_delivered(lead.id)
        return lead.id


async def populate(make_client: MakeClient, db: Database) -> None:
    """Five people besides the admin:
    1001 Аня — adult, consent, Perm, came by school_42, two tests (the latest S), saw programmes,
       two applications (one delivered, one 10 days old);
    1002 Борис — student, consent, Moscow, came by vk_ads, school test, blocked the bot, last
       seen 40 days ago, created 3 days ago, one undelivered application;
    1003 Вера — no consent, created 10 days ago;
    1004 — once gave consent and a name, has none now (names left behind in the row must not
       leak), a test result that must not count, created 40 days ago;
    1005 — an adult with consent and a name made to look like a formula.
    """
    anya = await make_client(user_id=1001, first_name="Аня")
    await anya.send("/start school_42")
    await anya.click("Даю согласие")
    await anya.click("Ищу работу")
    boris = await make_client(user_id=1002, first_name="Борис")
    await boris.send("/start vk_ads")
    await boris.click("Даю согласие")
    await boris.click("Учусь в школе")
    vera = await make_client(user_id=1003, first_name="Вера")
    await vera.send("/start")
    await vera.click("Не сейчас")

    async with db.transaction() as tx:
        await tx.users.set_place(1001, region_slug="perm-krai", lat=58, lon=56, precision="city")
        await tx.users.set_preferences(1001, '{"free_only": true}')
        await tx.users.set_place(1002, region_slug="moscow-city", lat=55, lon=37, precision="city")
        await tx.users.set_blocked(1002, blocked=True)
        await tx.users.ensure(1004)
        await tx.users.give_consent(
            1004, first_name="Глеб", last_name="Секретный", username="secret_gleb"
        )
        await tx.users.set_place(1004, region_slug="perm-krai", lat=58, lon=56, precision="city")
        await tx.users.ensure(1005)
        await tx.users.give_consent(
            1005, first_name="=HYPERLINK(1)", last_name="@evil", username=None
        )
    await add_result(db, 1004, "riasec", "R-I-C")
    async with db.autocommit() as repos:
        # A row from before consent was checked everywhere: the consent is gone, names are not.
        await raw_connection(repos).execute(
            "UPDATE users SET consent_given_at = NULL WHERE id = 1004"
        )
    await add_result(db, 1001, "riasec", "R-I-A")
    await add_result(db, 1001, "riasec", "S-A-E")  # the latest one counts
    await add_result(db, 1002, "klimov", "tech+art")
    await add_result(db, 1005, "riasec", None)  # undifferentiated
    await add_lead(db, 1001, "perm-boiler", "Аня", delivered=True)
    old = await add_lead(db, 1001, "perm-welder", "Аня", delivered=True)
    await backdate(db, "leads", old, "created_at", 10)
    await add_lead(db, 1002, "perm-boiler", "Борис", delivered=False)
    await backdate(db, "users", 1002, "created_at", 3)
    await backdate(db, "users", 1002, "last_seen_at", 40)
    await backdate(db, "users", 1003, "created_at", 10)
    await backdate(db, "users", 1004, "created_at", 40)
    await backdate(db, "users", 1005, "last_seen_at", 29)


def documents(replies: list[Request]) -> dict[str, bytes]:
    found = {}
    for request in replies:
        if isinstance(request.method, SendDocument):
            sent = request.files["document"]
            found[sent.filename] = sent.content
    return found


def sheet_rows(content: bytes) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


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


async def test_export_from_the_command_line(
    tmp_path: Path, make_client: MakeClient, db: Database
) -> None:
    await populate(make_client, db)
    out = tmp_path / "out"
    env = {**os.environ, "DATABASE_PATH": str(db.path), "BOT_TOKEN": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "export", str(out), cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, output.decode()
    names = ["people", "results", "applications"]
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{n}.{kind}" for n in names for kind in ("xlsx", "csv"))
    assert f"{out / 'people.xlsx'}: 5 rows" in output.decode()
    assert f"{out / 'applications.csv'}: 3 rows" in output.decode()
    people = sheet_rows((out / "people.xlsx").read_bytes())
    assert sorted(int(str(r["id"])) for r in people) == [1001, 1002, 1003, 1004, 1005]
    assert "Секретный".encode() not in (out / "people.csv").read_bytes()
