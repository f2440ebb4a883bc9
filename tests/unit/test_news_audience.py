"""Broadcast audiences hold only people who said yes to news; withdrawing consent forgets the
answer; a class's counts never depend on who a pupil is beyond their latest school result."""

from __future__ import annotations

from storage.broadcasts import Segment
from storage.db import Database
from tests.support.sql import insert_people


async def test_only_people_who_said_yes_are_in_any_audience(db: Database) -> None:
    agreed = "2026-11-01T00:00:00Z"
    await insert_people(db, [1], consent_given_at=agreed, news_opt_in=1, role="student")
    await insert_people(db, [2], consent_given_at=agreed, news_opt_in=0, role="student")
    await insert_people(db, [3], consent_given_at=agreed, news_opt_in=None, role="student")
    await insert_people(db, [4], consent_given_at=None, news_opt_in=1, role="student")
    async with db.autocommit() as repos:
        for segment in (Segment("all"), Segment("students"), Segment("language", "ru")):
            assert await repos.broadcasts.count_audience(segment) == 1, segment
        assert await repos.broadcasts.audience_values("language") == [("ru", 1)]


async def test_withdrawing_consent_forgets_the_news_answer(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.users.ensure(10)
        assert not await tx.users.set_news_opt_in(10, wanted=True)  # no consent: not kept
        await tx.users.give_consent(10, first_name="А", last_name=None, username=None)
        assert await tx.users.set_news_opt_in(10, wanted=True)
        row = await tx.users.get(10)
        assert row is not None and row.wants_news
        await tx.users.withdraw_consent(10)
        row = await tx.users.get(10)
        assert row is not None and row.news_opt_in is None and not row.wants_news


async def test_class_counts_use_the_latest_school_result_of_members_with_consent(
    db: Database,
) -> None:
    agreed = "2026-11-01T00:00:00Z"
    await insert_people(db, [20], consent_given_at=agreed, role="parent")
    await insert_people(db, [21, 22, 23], consent_given_at=agreed)
    await insert_people(db, [24], consent_given_at=None)
    async with db.transaction() as tx:
        row = await tx.classes.create("c_test", "9Б", 20)
        for user_id in (21, 22, 23, 24):
            await tx.classes.join(user_id, row.id)
        for user_id, code in ((21, "art"), (21, "tech+signs"), (22, None), (24, "tech")):
            await tx.results.add(
                user_id=user_id, instrument="klimov", answers=[0] * 20, scores={},
                code=code, vector={}, started_at=agreed,
            )  # fmt: skip
        counts = await tx.classes.counts(row.id)
    assert counts.members == 3  # 24 gave no consent
    assert counts.finished == 2 and counts.leading == {"tech": 1} and counts.unclear == 1
