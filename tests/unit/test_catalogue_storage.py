"""The catalogue in a real SQLite file: reference data, queries, imports, leads."""

from __future__ import annotations

from pathlib import Path

from bot.domain.catalogue import load_centers, load_regions
from bot.domain.catalogue_files import FileKind
from bot.domain.offer_index import Recommender
from bot.domain.ranking import FormatChoice, Person, Preferences, vector_from_code
from bot.services.catalogue_files import export_programs, import_programs
from bot.services.database import open_database
from bot.services.reference import PACKAGED_PROGRAMS
from storage.db import Database
from tests.support.catalogue_files import staff_csv, staff_row

PERM = (58.01046, 56.25017)


async def test_reference_data_is_loaded_once_with_sources(db: Database) -> None:
    async with db.autocommit() as repos:
        regions = await repos.catalogue.regions()
        perm = await repos.catalogue.center("copp-perm-krai")
        total, samples = await repos.catalogue.count_programs()
        real = await repos.catalogue.program("real-lipetsk-medical-registrar")
    assert len(regions) == 89
    assert perm is not None and perm.coords_precision == "region" and perm.city is None
    assert samples >= 60 and total == samples + 64  # the real programmes with sources
    assert real is not None and not real.is_sample and real.source_url
    assert real.duration_hours is None and real.format is None  # unknown stays unknown
    await (await open_database(db.url)).close()  # the same version: nothing is added
    async with db.autocommit() as repos:
        assert await repos.catalogue.count_programs() == (total, samples)


async def test_centres_and_regions_match_the_packaged_files(db: Database) -> None:
    async with db.autocommit() as repos:
        centers = await repos.catalogue.centers([c.id for c in load_centers()])
        regions = await repos.catalogue.regions()
    assert centers == {c.id: c for c in load_centers()}
    assert {r.slug: r for r in regions} == {r.slug: r for r in load_regions()}


async def test_an_s_profile_in_perm_gets_s_programmes_near_perm_first(db: Database) -> None:
    person = Person(vector=vector_from_code("SEA"), lat=PERM[0], lon=PERM[1])
    prefs = Preferences(format=FormatChoice.in_person)
    async with db.autocommit() as repos:
        ranked = await Recommender().top(repos.catalogue, person, prefs, 5)
        first = await repos.catalogue.program(ranked[0].offer.program_id)
    assert first is not None and first.center_id == "copp-perm-krai"
    assert max(first.weights) == first.weights[3]  # S is its strongest type
    assert ranked[0].distance_km is not None and ranked[0].distance_km < 1


async def test_only_free_and_only_online_hold_in_sql_too(db: Database) -> None:
    person = Person(vector=vector_from_code("CEI"), lat=PERM[0], lon=PERM[1])
    async with db.autocommit() as repos:
        recommender = Recommender()
        free = await recommender.top(repos.catalogue, person, Preferences(free_only=True), 40)
        online = await recommender.top(
            repos.catalogue, person, Preferences(format=FormatChoice.online), 40
        )
        programs = await repos.catalogue.programs([r.offer.program_id for r in free + online])
    assert free and all(programs[r.offer.program_id].is_free for r in free)
    assert online and all(programs[r.offer.program_id].center_id is None for r in online)


async def test_an_import_is_all_or_nothing(db: Database) -> None:
    async with db.autocommit() as repos:
        before = await repos.catalogue.count_programs()
        version = await repos.catalogue.programs_version()
    bad = staff_csv([staff_row("perm-boiler"), staff_row("perm-welder", **{"Часов": "сорок"})])
    report = await import_programs(db, "programs.csv", bad)
    assert not report.ok and [e.row for e in report.result.errors] == [3]
    async with db.autocommit() as repos:
        assert await repos.catalogue.count_programs() == before
        assert await repos.catalogue.program("perm-boiler") is None
        assert await repos.catalogue.programs_version() == version  # indexes stay valid

    good = staff_csv(
        [staff_row("perm-boiler"), staff_row("perm-welder", **{"Название": "Сварщик"})]
    )
    report = await import_programs(db, "programs.csv", good)
    assert report.ok and (report.added, report.updated) == (2, 0)
    async with db.autocommit() as repos:
        assert await repos.catalogue.programs_version() != version  # every index rebuilds
    again = await import_programs(db, "programs.csv", good)
    assert (again.added, again.updated) == (0, 2)  # upsert by id, no duplicates
    async with db.autocommit() as repos:
        assert await repos.catalogue.count_programs() == (before[0] + 2, before[1])


async def test_replace_keeps_only_the_file_and_survives_an_upgrade(db: Database) -> None:
    report = await import_programs(db, "p.csv", staff_csv([staff_row("only-one")]), replace=True)
    assert report.ok and report.removed > 60
    async with db.autocommit() as repos:
        assert await repos.catalogue.program_ids() == {"only-one"}
        assert await repos.catalogue.meta(PACKAGED_PROGRAMS) == "off"
        await repos.catalogue.set_meta("reference_version", "older")
    reopened = await open_database(db.url)  # as after an upgrade of the packaged files
    async with reopened.autocommit() as repos:
        assert await repos.catalogue.program_ids() == {"only-one"}
    await reopened.close()


async def test_export_then_import_round_trips_the_catalogue(db: Database, tmp_path: Path) -> None:
    async with db.autocommit() as repos:
        original = await repos.catalogue.all_programs()
    for kind in (FileKind.csv, FileKind.xlsx):
        data, count = await export_programs(db, kind)
        assert count == len(original)
        copy = await open_database(tmp_path / f"copy-{kind}.sqlite3")
        report = await import_programs(copy, f"programs.{kind}", data, replace=True)
        assert report.ok, report.result.errors[:3]
        async with copy.autocommit() as repos:
            assert await repos.catalogue.all_programs() == original
        await copy.close()


async def test_wrong_files_are_refused_without_changes(db: Database) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    report = await import_programs(db, "photo.png", png)
    assert not report.ok and report.file_errors
    report = await import_programs(db, "empty.csv", b"")
    assert not report.ok


async def test_a_second_application_for_a_programme_is_recognised(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.users.ensure(7)
        first, second = [
            await tx.leads.add(
                user_id=7,
                program_id="sample-041",
                center_id="copp-perm-krai",
                program_title="Младшая медицинская сестра",
                name="Аня",
                phone="+79123456789",
                quiz_code="S-A-E",
            )
            for _attempt in range(2)
        ]
        await tx.relay.remember(-100, 55, 7)
    assert first is not None and second is None
    async with db.transaction() as tx:
        assert [lead.id for lead in await tx.leads.of_user(7)] == [first.id]
        assert await tx.relay.target(-100, 55) == 7
        await tx.forget_user(7)
        assert await tx.leads.of_user(7) == []
        assert await tx.relay.target(-100, 55) is None
