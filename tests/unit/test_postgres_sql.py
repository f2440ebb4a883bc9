"""The SQLite forms PostgreSQL's connection rewrites, and the statements that depend on them
run on both databases (`db` is PostgreSQL under `TEST_DATABASE=postgresql`)."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.postgres import NOW_ISO, to_postgres
from tests.support.sql import query


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        ("SELECT a FROM t WHERE a = ? AND b = ?", "SELECT a FROM t WHERE a = $1 AND b = $2"),
        ("SELECT '?', \"x?\" FROM t WHERE a = ?", "SELECT '?', \"x?\" FROM t WHERE a = $1"),
        ("UPDATE t SET c = 1 WHERE c IS ?", "UPDATE t SET c = 1 WHERE c IS NOT DISTINCT FROM $1"),
        ("SELECT 1 WHERE c is not ?", "SELECT 1 WHERE c IS DISTINCT FROM $1"),
        ("SELECT 1 WHERE c IS NULL", "SELECT 1 WHERE c IS NULL"),
        (
            "INSERT OR IGNORE INTO t (a) VALUES (?)",
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING",
        ),
        (
            "INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a",
            "INSERT INTO t (a) VALUES ($1) ON CONFLICT DO NOTHING RETURNING a",
        ),
        (
            "UPDATE t SET at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
            f"UPDATE t SET at = {NOW_ISO}",
        ),
    ],
)
def test_sqlite_forms_are_rewritten_for_postgres(sqlite: str, postgres: str) -> None:
    assert to_postgres(sqlite) == postgres


async def test_an_outbox_claim_is_a_compare_and_set_on_both(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.users.ensure(5)
        lead = await repos.leads.add(
            user_id=5,
            program_id="sample-001",
            center_id=None,
            program_title="Сварщик",
            name="Аня",
            phone="+7 900 000-00-00",
            quiz_code=None,
        )
        assert lead is not None
        job = await repos.outbox.add(
            lead_id=lead.id, user_id=5, kind="lead", due_at=0.0, claimed_by=None
        )
    async with db.autocommit() as repos:
        assert await repos.outbox.claim(job, holder="a", expected=None, until=10.0)
        # The claim moved on: a second taker with the stale expectation loses.
        assert not await repos.outbox.claim(job, holder="b", expected=None, until=10.0)
        assert await repos.outbox.claim(job, holder="b", expected="a", until=20.0)
        taken = await repos.outbox.get(job)
        assert taken is not None and taken.claimed_by == "b"


async def test_the_time_stamp_has_the_same_shape_on_both(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.users.ensure(6)
        row = await repos.users.get(6)
    assert row is not None
    created = row.created_at
    assert len(created) == 20 and created[10] == "T" and created.endswith("Z"), created


async def test_a_quiz_attempt_saved_twice_is_one_result(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.users.ensure(8)
    saved = dict(
        user_id=8,
        instrument="riasec",
        answers=[2] * 30,
        scores={"R": 20},
        code="R",
        vector={"R": 1.0},
        started_at="2026-11-30T21:00:00Z",
    )
    async with db.autocommit() as repos:
        first = await repos.results.add(**saved, attempt="Ab3_x9")  # type: ignore[arg-type]
        again = await repos.results.add(**saved, attempt="Ab3_x9")  # type: ignore[arg-type]
        other = await repos.results.add(**saved, attempt="Zz0-q1")  # type: ignore[arg-type]
        older = await repos.results.add(**saved)  # type: ignore[arg-type]  # no attempt
    assert again == first and len({first, other, older}) == 3
    rows = await query(db, "SELECT count(*) FROM quiz_results WHERE user_id = 8")
    assert rows == [(3,)]
