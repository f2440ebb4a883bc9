"""Two processes on one database (a SQLite file or a PostgreSQL server): a catalogue imported
through one is what the other recommends from at its next request, and an import that fails
leaves the catalogue as it was for both."""

from __future__ import annotations

from bot.config import Settings
from bot.domain.offer_index import Recommender
from bot.services.catalogue_files import import_programs
from storage.db import Database
from tests.support.catalogue_files import staff_csv, staff_row
from tests.support.instances import two_connections


async def test_an_import_by_one_worker_reaches_the_others_index(
    settings: Settings, db: Database
) -> None:
    del db  # opened first: the schema and the reference data are there
    async with two_connections(settings.database) as (importer, other):
        recommender = Recommender()  # the other worker's index, built before the import
        async with other.autocommit() as repos:
            before = len(await recommender.refresh(repos.catalogue))
            assert before == (await repos.catalogue.count_programs())[0]

        report = await import_programs(
            importer, "programmes.csv", staff_csv([staff_row("perm-boiler-1")])
        )
        assert report.ok, report

        async with other.autocommit() as repos:
            assert len(await recommender.refresh(repos.catalogue)) == before + 1


async def test_a_failed_import_changes_nothing_for_anyone(
    settings: Settings, db: Database
) -> None:
    del db  # opened first: the schema and the reference data are there
    async with two_connections(settings.database) as (importer, other):
        async with other.autocommit() as repos:
            count_before = await repos.catalogue.count_programs()
        rows = [staff_row("perm-ok-1"), staff_row("perm-bad-2", **{"Часов": "много"})]
        report = await import_programs(importer, "programmes.csv", staff_csv(rows), replace=True)
        assert not report.ok
        async with other.autocommit() as repos:
            assert await repos.catalogue.count_programs() == count_before
            assert await repos.catalogue.program("perm-ok-1") is None
