"""A small population built from real rows, for admins' statistics and exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl

from storage.db import Database
from tests.support.chat import MakeClient, onboard
from tests.support.sql import execute

ISO = "%Y-%m-%dT%H:%M:%SZ"


def ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime(ISO)


async def backdate(db: Database, table: str, row_id: int, column: str, days: int) -> None:
    await execute(db, f"UPDATE {table} SET {column} = ? WHERE id = ?", ago(days), row_id)


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
    await onboard(anya, payload="school_42")
    boris = await make_client(user_id=1002, first_name="Борис")
    await onboard(boris, role="Учусь в школе", payload="vk_ads")
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
    # A row from before consent was checked everywhere: the consent is gone, names are not.
    await execute(db, "UPDATE users SET consent_given_at = NULL WHERE id = 1004")
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


def sheet_rows(content: bytes) -> list[dict[str, object]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.active.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
