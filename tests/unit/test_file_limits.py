"""Every limit of a catalogue file, reached as the rows stream in: the first one stops the
reading and is named; and the child process that reads uploads enforces time and memory."""

from __future__ import annotations

import codecs
import io
import time
import zipfile
from collections.abc import Sequence

import openpyxl
import pytest

from bot.domain.catalogue import load_centers, load_regions
from bot.domain.catalogue_files import (
    FileKind,
    FileLimits,
    FileProblem,
    ImportResult,
    Problem,
    read_file,
    write_programs,
)
from bot.services.catalogue_reader import read_catalogue_file
from tests.ops.workbooks import far_row, formatted_empty_rows

CENTER_REGIONS = {c.id: c.region_slug for c in load_centers()}
REGION_SLUGS = frozenset(r.slug for r in load_regions())
HEADER = "id;title;format;r;i;a;s;e;c\r\n"
ROW = "p{n};Сварщик;онлайн;1;0;0;0;0;0\r\n"


def read(name: str, data: bytes, **limits: int) -> ImportResult:
    return read_file(
        name,
        data,
        center_regions=CENTER_REGIONS,
        region_slugs=REGION_SLUGS,
        limits=FileLimits(**limits),
    )


def problems(result: ImportResult) -> list[FileProblem]:
    assert not result.programs and not result.ok
    return result.file_errors


def csv_rows(count: int, *, empty_after: int = 0) -> bytes:
    text = HEADER + "".join(ROW.format(n=n) for n in range(count)) + "\r\n" * empty_after
    return text.encode()


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_file_within_every_limit_is_read() -> None:
    result = read("programs.csv", csv_rows(3), rows=4, programmes=3, columns=9)
    assert result.ok and [p.id for p in result.programs] == ["p0", "p1", "p2"]


def test_rows_count_empty_ones_too_and_the_first_over_the_limit_stops() -> None:
    data = csv_rows(3, empty_after=10)
    assert problems(read("programs.csv", data, rows=10)) == [
        FileProblem(Problem.too_many_rows, limit=10)
    ]
    assert read("programs.csv", data, rows=14).ok


def test_programme_rows_have_their_own_limit() -> None:
    assert problems(read("programs.csv", csv_rows(4), programmes=3)) == [
        FileProblem(Problem.too_many_programmes, limit=3)
    ]


def test_columns_count_up_to_the_last_filled_cell() -> None:
    trailing = (HEADER.rstrip() + ";" * 50 + "\r\n" + ROW.format(n=1)).encode()
    assert read("programs.csv", trailing, columns=9).ok
    wide = (HEADER + ROW.format(n=1).rstrip() + ";" * 5 + "x\r\n").encode()
    assert problems(read("programs.csv", wide, columns=10)) == [
        FileProblem(Problem.too_many_columns, limit=10, row=2)
    ]


def test_a_long_cell_is_named_by_its_place_in_both_formats() -> None:
    long = "Сварщик" * 100
    data = (HEADER + ROW.format(n=1).replace("Сварщик", long)).encode()
    assert problems(read("programs.csv", data, cell_chars=500)) == [
        FileProblem(Problem.cell_too_long, limit=500, row=2, column="B")
    ]
    book = xlsx([HEADER.strip().split(";"), ["p1", long, "онлайн", 1, 0, 0, 0, 0, 0]])
    assert problems(read("programs.xlsx", book, cell_chars=500)) == [
        FileProblem(Problem.cell_too_long, limit=500, row=2, column="B")
    ]


def test_a_cell_beyond_what_the_csv_module_holds_is_a_long_cell() -> None:
    data = (HEADER + "p1;" + "я" * 200_000 + ";онлайн;1;0;0;0;0;0\r\n").encode()
    assert problems(read("programs.csv", data))[0].kind is Problem.cell_too_long


def test_the_unpacked_size_is_checked_before_anything_is_unpacked() -> None:
    data = write_programs([], FileKind.xlsx)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    assert problems(read("programs.xlsx", data, unpacked_bytes=unpacked - 1)) == [
        FileProblem(Problem.unpacked_too_big, limit=unpacked - 1)
    ]


def test_the_file_size_is_the_first_limit() -> None:
    assert problems(read("programs.csv", csv_rows(3), file_bytes=10)) == [
        FileProblem(Problem.too_big, limit=10)
    ]


def test_a_sheet_of_formatted_empty_rows_stops_at_the_row_limit_quickly() -> None:
    started = time.process_time()
    found = problems(read("programs.xlsx", formatted_empty_rows(), rows=20_000))
    assert found == [FileProblem(Problem.too_many_rows, limit=20_000)]
    far = problems(read("programs.xlsx", far_row(), rows=20_000))
    assert far == [FileProblem(Problem.too_many_rows, limit=20_000)]
    assert time.process_time() - started < 15  # the files are built in here too


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + HEADER.encode("utf-16-be"),
        (HEADER + ROW.format(n=1)).encode("utf-16-le"),  # no byte order mark
        "Код\tНазвание\r\n".encode("utf-16"),  # Excel's «Unicode text»
    ],
)
def test_utf16_gets_the_hint_to_save_as_utf8(data: bytes) -> None:
    for name in ("programs.csv", "programs.txt"):
        assert problems(read(name, data)) == [FileProblem(Problem.utf16)]


def test_what_is_not_a_table_is_told_apart_from_an_old_excel_file() -> None:
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
    assert problems(read("programs.xls", ole)) == [FileProblem(Problem.old_excel)]
    assert problems(read("letter.doc", ole)) == [FileProblem(Problem.not_a_table)]
    assert problems(read("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(64))) == [
        FileProblem(Problem.not_a_table)
    ]


def test_every_problem_has_an_english_description() -> None:
    for kind in Problem:
        text = FileProblem(kind, limit=1024 * 1024, row=2, column="B", names=("«x»",)).describe()
        assert text and "{" not in text


# --- the child process --------------------------------------------------------------------


async def read_in_child(name: str, data: bytes, **limits: int) -> ImportResult:
    return await read_catalogue_file(
        name,
        data,
        center_regions=CENTER_REGIONS,
        region_slugs=REGION_SLUGS,
        limits=FileLimits(**limits),
    )


async def test_the_child_reads_a_good_file_and_names_a_limit() -> None:
    good = await read_in_child("programs.csv", csv_rows(2))
    assert good.ok and [p.id for p in good.programs] == ["p0", "p1"]
    bad = await read_in_child("programs.csv", csv_rows(3, empty_after=5), rows=6)
    assert bad.file_errors == [FileProblem(Problem.too_many_rows, limit=6)]


async def test_the_child_is_stopped_at_the_deadline() -> None:
    data = formatted_empty_rows()  # built before the clock starts: it is slow on a busy machine
    started = time.monotonic()
    result = await read_in_child("programs.xlsx", data, seconds=1)
    assert result.file_errors == [FileProblem(Problem.too_slow, limit=1)]
    assert time.monotonic() - started < 10


# Where the limit strikes varies: in Python (MemoryError) or inside the XML parser (a parse
# error that says «out of memory»); both are the memory limit, never a damaged file.
@pytest.mark.parametrize("megabytes", [64, 84, 90, 120, 132])
async def test_the_child_stops_at_its_memory_limit(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    result = await read_in_child("programs.xlsx", formatted_empty_rows(), memory_bytes=limit)
    assert result.file_errors == [FileProblem(Problem.too_much_memory, limit=limit)]
