"""Writing programme files: what Russian Excel opens, formula-looking text kept as text both
ways, and every programme reading back as it was written."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.catalogue import KLIMOV, Audience, Format, Program
from bot.domain.catalogue_files import (
    MAX_PRICE_RUB,
    WEIGHT_DECIMALS,
    FileKind,
    FileProblem,
    Problem,
    detect_kind,
    write_programs,
)
from tests.support.catalogue_files import (
    CENTERS,
    HEADERS,
    PERM,
    REGION_SLUGS,
    START,
    message,
    perm_program,
    read,
    row,
    table,
    where,
)
from tests.support.processes import PROJECT_ROOT

# --- formula injection --------------------------------------------------------------------


@pytest.mark.parametrize(
    "title", ['=HYPERLINK("http://evil.example","click")', "+7 999 123-45-67", "-2+3", "@SUM(1)"]
)
def test_formula_looking_text_is_refused_on_import(title: str) -> None:
    result = read(table([row(title=title)]))
    assert where(result) == {(2, "title")}
    assert "формул" in message(result, 2, "title")


def test_an_apostrophe_marks_text_that_only_looks_like_a_formula() -> None:
    result = read(table([row(title="'=1+1", description="'- модуль 1\n- модуль 2")]))
    assert result.ok, result
    assert result.programs[0].title == "=1+1"
    assert result.programs[0].description == "- модуль 1\n- модуль 2"


def test_xlsx_string_cells_that_look_like_formulas() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "title", "center_id", "r", "i", "a", "s", "e", "c"])
    sheet.append(["p1", None, PERM, 1, 0, 0, 0, 0, 0])
    sheet.append(["p2", None, PERM, 1, 0, 0, 0, 0, 0])
    for row_number, quoted in ((2, False), (3, True)):
        cell = sheet.cell(row=row_number, column=2)
        cell.value = "=cmd|' /C calc'!A0"
        cell.data_type = "s"
        cell.quotePrefix = quoted  # what Excel stores for text typed after an apostrophe
    buffer = io.BytesIO()
    book.save(buffer)
    result = read(buffer.getvalue(), FileKind.xlsx)
    assert where(result) == {(2, "title")}
    assert [p.title for p in result.programs] == ["=cmd|' /C calc'!A0"]


def test_export_escapes_formula_looking_text_in_csv() -> None:
    programs = [
        perm_program(id="p1", title="=1+1", description="@cmd", source_url="+7 342 000"),
        perm_program(id="p2", title="'=already quoted", description="-5 градусов"),
    ]
    data = write_programs(programs, FileKind.csv)
    cells = [
        c for r in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") for c in r
    ]
    assert {"'=1+1", "'@cmd", "'+7 342 000", "''=already quoted", "'-5 градусов"} <= set(cells)
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert read(data).programs == programs


def test_export_writes_formula_looking_text_to_xlsx_as_plain_strings() -> None:
    programs = [perm_program(title="=1+1", description="@cmd", source_url="-x")]
    data = write_programs(programs, FileKind.xlsx)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    values = {c.value: c for r in sheet.iter_rows(min_row=2) for c in r if c.value is not None}
    for text in ("=1+1", "@cmd", "-x"):
        assert values[text].data_type == "s"
        assert values[text].quotePrefix
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert read(data, FileKind.xlsx).programs == programs


# --- writing ------------------------------------------------------------------------------


def test_csv_export_is_what_russian_excel_opens() -> None:
    program = perm_program(
        duration_hours=72,
        format=Format.blended,
        is_free=False,
        price_rub=5000,
        audience=frozenset({Audience.parents, Audience.school}),
        weights=(0.5, 0.25, 0.0, 0.0, 1.0, 0.0),
        klimov="people",
        next_start=date(2026, 9, 1),
        is_sample=True,
    )
    data = write_programs([program], FileKind.csv)
    assert data.startswith(b"\xef\xbb\xbf")
    header, line, end = data.decode("utf-8-sig").split("\r\n")
    assert header.split(";") == HEADERS
    assert end == ""
    assert line.split(";") == [
        "p1", "Сварщик", PERM, "perm-krai", "", "72", "", "смешанный", "платно", "5000",
        "школьники|родители", "0,5", "0,25", "0", "0", "1", "0", "человек", "2026-09-01",
        "", "", "1", "", "", "", "", "", "",
    ]  # fmt: skip
    assert write_programs([], FileKind.csv) == ("\ufeff" + ";".join(HEADERS) + "\r\n").encode()


def test_xlsx_export_has_a_bold_frozen_header_and_native_values() -> None:
    program = perm_program(next_start=date(2026, 9, 1), duration_hours=72)
    sheet = openpyxl.load_workbook(io.BytesIO(write_programs([program], FileKind.xlsx))).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["L"].width
    values = {h: c.value for h, c in zip(HEADERS, sheet[2], strict=True)}
    assert values["duration_hours"] == 72
    assert values["r"] == 0.5
    assert values["next_start"] == START
    assert values["is_sample"] == 0


# --- round trip ---------------------------------------------------------------------------

_chars = st.characters(exclude_categories=("Cs", "Cc", "Cn", "Co"))
_one_line = st.text(_chars, min_size=1, max_size=60).map(lambda s: " ".join(s.split()))
_many_lines = st.text(st.one_of(_chars, st.just("\n")), max_size=120).map(str.strip)
_urls = st.builds(
    "https://{}/{}".format,
    st.sampled_from(
        ["copp59.ru", "цопп.рф", "xn--80aapampemcchfmo7a3c9ehj.xn--p1ai", "a.ru:8080"]
    ),
    st.from_regex(r"[A-Za-z0-9/_.?=&%-]{0,40}", fullmatch=True),
)
# Weights are kept to WEIGHT_DECIMALS places on import.
_weight = st.floats(min_value=0.0, max_value=1.0).map(lambda w: round(w, WEIGHT_DECIMALS))


@st.composite
def programs(draw: st.DrawFn) -> Program:
    center = draw(st.none() | st.sampled_from(CENTERS))
    if center is None:
        region = draw(st.none() | st.sampled_from(sorted(REGION_SLUGS)))
        form: Format | None = Format.online
    else:
        region = center.region_slug
        form = draw(st.none() | st.sampled_from(Format))
    is_free = draw(st.sampled_from([None, True, False]))
    weights = draw(st.lists(_weight, min_size=6, max_size=6))
    weights[draw(st.integers(0, 5))] = draw(_weight.filter(bool))
    return Program(
        id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", fullmatch=True)),
        title=draw(_one_line.filter(bool)),
        center_id=center.id if center else None,
        region_slug=region,
        description=draw(st.none() | _many_lines.filter(bool)),
        duration_hours=draw(st.none() | st.integers(1, 2000)),
        duration_weeks=draw(st.none() | st.integers(1, 104)),
        format=form,
        is_free=is_free,
        price_rub=draw(st.none() | st.integers(0, MAX_PRICE_RUB)) if is_free is False else None,
        audience=draw(st.frozensets(st.sampled_from(Audience))),
        weights=(weights[0], weights[1], weights[2], weights[3], weights[4], weights[5]),
        klimov=draw(st.none() | st.sampled_from(KLIMOV)),
        next_start=draw(st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31))),
        enroll_url=draw(st.none() | _urls),
        source_url=draw(
            st.none() | _urls | _one_line.filter(lambda s: s and not s.lower().startswith("http"))
        ),
        is_sample=draw(st.booleans()),
        extra=draw(st.dictionaries(st.sampled_from(["note"]), st.text(max_size=5))),
    )


_program_lists = st.lists(programs(), min_size=1, max_size=4, unique_by=lambda p: p.id)


@pytest.mark.parametrize("kind", list(FileKind))
@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(original=_program_lists)
def test_export_then_import_gives_the_same_programs(
    kind: FileKind, original: list[Program]
) -> None:
    data = write_programs(original, kind)
    assert detect_kind(f"programs.{kind}", data) is kind
    result = read(data, kind)
    assert result.errors == [] and result.file_errors == []
    assert result.programs == original


_cell_text = st.text(st.one_of(_chars, st.sampled_from("\n\r\t;,\"'=+-@|")), max_size=30)


@settings(max_examples=200, deadline=None, database=None)
@given(cells=st.lists(_cell_text, min_size=len(HEADERS), max_size=len(HEADERS)))
def test_any_cell_values_give_a_program_or_row_errors_never_a_crash(cells: list[str]) -> None:
    result = read(table([dict(zip(HEADERS, cells, strict=True))]))
    if not any(c.strip() for c in cells):
        assert result.file_errors == [FileProblem(Problem.no_programmes)]
        return
    assert result.file_errors == []
    assert all(e.row == 2 and e.message for e in result.errors)
    assert len(result.programs) == (0 if result.errors else 1)


# --- the packaged files -------------------------------------------------------------------

DATA = PROJECT_ROOT / "bot" / "data"


@pytest.mark.parametrize("name", ["programs_sample.csv", "programs_real.csv"])
def test_packaged_program_files_read_without_errors(name: str) -> None:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} is not there yet")
    result = read(path.read_bytes())
    assert result.file_errors == []
    assert result.errors == []
    assert result.ok
    assert read(write_programs(result.programs, FileKind.xlsx), FileKind.xlsx).programs == (
        result.programs
    )
