"""Who may enrol and when, in catalogue files and in the database: the new columns import,
export and validate; files without them still import; the packaged catalogue is clean."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from bot.domain.catalogue import Audience, load_centers, load_regions
from bot.domain.catalogue_files import FileKind, read_programs, write_programs
from bot.domain.enrolment import Status
from bot.services.database import open_database
from storage.db import Database, SqliteDatabase

CENTER_REGIONS = {c.id: c.region_slug for c in load_centers()}
REGION_SLUGS = {r.slug for r in load_regions()}
DATA = Path(__file__).resolve().parents[2] / "bot" / "data"
OLD_HEADER = "Код;Название;Код центра;R;I;A;S;E;C"
NEW_HEADER = OLD_HEADER + ";Возраст от;Возраст до;Кто может;Только жители;Набор с;Набор до"


def read(text: str) -> tuple[list[str], list[object]]:
    result = read_programs(
        text.encode("utf-8"),
        FileKind.csv,
        center_regions=CENTER_REGIONS,
        region_slugs=REGION_SLUGS,
    )
    problems = [str(p) for p in result.file_errors]
    return [e.message for e in result.errors] + problems, list(result.programs)


def test_the_new_columns_import_in_russian_and_export_back() -> None:
    errors, programs = read(
        NEW_HEADER + "\np1;Бухгалтер;copp-perm-krai;0;0;0;0;0;1;50;;работающие, неработающие;"
        "perm-krai;01.12.2026;2027-01-15\n"
    )
    assert errors == []
    (program,) = programs
    assert program.min_age == 50 and program.max_age is None  # type: ignore[attr-defined]
    assert program.statuses == {Status.working, Status.not_working}  # type: ignore[attr-defined]
    assert program.residents_only == "perm-krai"  # type: ignore[attr-defined]
    assert program.enroll_from == date(2026, 12, 1)  # type: ignore[attr-defined]
    assert program.enroll_until == date(2027, 1, 15)  # type: ignore[attr-defined]
    for kind in FileKind:
        again = read_programs(
            write_programs(programs, kind),  # type: ignore[arg-type]
            kind,
            center_regions=CENTER_REGIONS,
            region_slugs=REGION_SLUGS,
        )
        assert again.programs == programs


def test_an_older_file_without_the_new_columns_still_imports() -> None:
    errors, programs = read(OLD_HEADER + "\np1;Бухгалтер;copp-perm-krai;0;0;0;0;0;1\n")
    assert errors == []
    (program,) = programs
    assert program.min_age is None and program.statuses == frozenset()  # type: ignore[attr-defined]
    assert program.enroll_until is None  # type: ignore[attr-defined]


def test_bad_enrolment_values_are_reported_with_their_row() -> None:
    errors, programs = read(
        NEW_HEADER + "\np1;А;copp-perm-krai;1;0;0;0;0;0;18;14;;;;\n"
        "p2;Б;copp-perm-krai;1;0;0;0;0;0;;;студенты;;2027-02-01;2027-01-01\n"
        "p3;В;copp-perm-krai;1;0;0;0;0;0;;;;perm-kray;;\n"
        "p4;Г;copp-perm-krai;1;0;0;0;0;0;;;космонавты;;;\n"
        "p5;Д;copp-perm-krai;1;0;0;0;0;0;200;;;;;\n"
    )
    assert programs == []
    text = "\n".join(errors)
    assert "Возраст до: не может быть меньше, чем «Возраст от» (18)" in text
    assert "Набор до: набор не может закончиться раньше, чем начался" in text
    assert "Только жители: нет региона с кодом «perm-kray»; может быть, «perm-krai»?" in text
    assert "Кто может: можно «школьники»" in text
    assert "Возраст от: нужно целое число от 0 до 120" in text


def test_teachers_courses_are_an_audience_of_their_own() -> None:
    errors, programs = read(
        "Код;Название;Код центра;Для кого;R;I;A;S;E;C\np1;Moodle;copp-tomsk-oblast;педагоги;"
        "0;0;0;1;0;0\n"
    )
    assert errors == [] and programs[0].audience == {Audience.teachers}  # type: ignore[attr-defined]


def test_the_packaged_catalogue_is_what_citizens_can_enrol_in_today() -> None:
    today = date(2026, 11, 30)
    real = read_programs(
        (DATA / "programs_real.csv").read_bytes(),
        FileKind.csv,
        center_regions=CENTER_REGIONS,
        region_slugs=REGION_SLUGS,
    )
    samples = read_programs(
        (DATA / "programs_sample.csv").read_bytes(),
        FileKind.csv,
        center_regions=CENTER_REGIONS,
        region_slugs=REGION_SLUGS,
    )
    assert real.ok and samples.ok
    assert len(real.programs) == 64  # the 65 of the research, without the 2020 umbrella intake
    assert all(p.source_url and not p.is_sample for p in real.programs)
    assert not any("пандеми" in p.title.lower() for p in real.programs)
    assert all(p.is_sample for p in samples.programs)
    # Open sample enrolments have not ended.
    assert all(p.enroll_until is None or p.enroll_until >= today for p in samples.programs)
    luhansk = [p for p in real.programs if p.region_slug == "luhansk-pr"]
    assert luhansk and all(
        p.residents_only == "luhansk-pr" and p.enroll_until and p.enroll_until < today
        for p in luhansk
    )
    teachers = [p for p in real.programs if p.center_id == "copp-tomsk-oblast"]
    assert teachers and all(p.audience == {Audience.teachers} for p in teachers)
    assert all(p.klimov for p in real.programs)  # school students are ranked on it


async def test_the_columns_round_trip_through_the_database(db: Database) -> None:
    errors, programs = read(
        NEW_HEADER + "\np1;Бухгалтер;copp-perm-krai;0;0;0;0;0;1;18;34;студенты;perm-krai;"
        "01.12.2026;2027-01-15\n"
    )
    assert errors == []
    async with db.transaction() as tx:
        await tx.catalogue.upsert_programs(programs)  # type: ignore[arg-type]
    async with db.autocommit() as repos:
        assert await repos.catalogue.program("p1") == programs[0]
        (offer,) = [o for o in await repos.catalogue.all_offers() if o.program_id == "p1"]
        closed = await repos.catalogue.programs_of_center("copp-perm-krai", 50, date(2027, 2, 1))
    assert (offer.min_age, offer.max_age, offer.residents_only) == (18, 34, "perm-krai")
    assert offer.enroll_until == date(2027, 1, 15) and offer.region_slug == "perm-krai"
    assert "p1" not in {p.id for p in closed}  # enrolment ended: not in the centre's list


async def test_an_older_database_keeps_the_2020_intake_closed(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = await SqliteDatabase.open(path, migrate=False)
    await old.migrate(target=6)  # the version before who-may-enrol
    await old.close()
    with sqlite3.connect(path) as conn:  # the regions and the intake an older version shipped
        conn.execute(
            "INSERT INTO regions (slug, name_ru, name_en, federal_district, capital_ru, "
            "capital_en, lat, lon, timezone) VALUES ('saint-petersburg-city', 'Санкт-Петербург', "
            "'Saint Petersburg', 'СЗФО', 'Санкт-Петербург', 'Saint Petersburg', 59.9, 30.3, "
            "'Europe/Moscow')"
        )
        conn.execute(
            "INSERT INTO programs (id, title, region_slug, w_r, w_i, w_a, w_s, w_e, w_c, u_r, "
            "u_i, u_a, u_s, u_e, u_c) VALUES ('real-spb-48-professions-2020', "
            "'Профобучение 2020', 'saint-petersburg-city', .5, .5, .5, .5, .5, .5, .4, .4, .4, "
            ".4, .4, .4)"
        )
        conn.commit()
    database = await open_database(path)
    try:
        async with database.autocommit() as repos:
            kept = await repos.catalogue.program("real-spb-48-professions-2020")
        assert kept is not None and kept.enroll_until == date(2020, 12, 31)  # never listed
        assert kept.residents_only == "saint-petersburg-city"
    finally:
        await database.close()
