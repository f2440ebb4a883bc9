"""Program files as center staff keep them: Russian Excel CSV and XLSX, checked row by row."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font

from bot.domain.catalogue import KLIMOV, Audience, Format, Program, load_centers, load_regions
from bot.domain.catalogue_files import (
    MAX_PRICE_RUB,
    WEIGHT_DECIMALS,
    FileKind,
    ImportResult,
    detect_kind,
    read_programs,
    write_programs,
)

CENTERS = load_centers()
CENTER_REGIONS = {c.id: c.region_slug for c in CENTERS}
REGION_SLUGS = {r.slug for r in load_regions()}
PERM = "copp-perm-krai"
assert CENTER_REGIONS[PERM] == "perm-krai"

HEADERS = [
    "id", "title", "center_id", "region_slug", "description", "duration_hours",
    "duration_weeks", "format", "cost", "price_rub", "audience", "r", "i", "a", "s", "e", "c",
    "klimov", "next_start", "enroll_url", "source_url", "is_sample", "min_age", "max_age",
    "statuses", "residents_only", "enroll_from", "enroll_until",
]  # fmt: skip
RUSSIAN_HEADERS = [
    "Код", "Название", "Код центра", "Регион", "Описание", "Часов", "Недель", "Формат",
    "Стоимость", "Цена, руб", "Для кого", "R", "I", "A", "S", "E", "C", "Тип Климова", "Старт",
    "Ссылка на запись", "Источник", "Пример", "Возраст от", "Возраст до", "Кто может",
    "Только жители", "Набор с", "Набор до",
]  # fmt: skip
RUSSIAN = dict(zip(HEADERS, RUSSIAN_HEADERS, strict=True))
START = datetime(2026, 9, 1)  # noqa: DTZ001 - Excel dates carry no time zone
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"


def read(data: bytes, kind: FileKind = FileKind.csv, max_rows: int = 20000) -> ImportResult:
    return read_programs(
        data, kind, center_regions=CENTER_REGIONS, region_slugs=REGION_SLUGS, max_rows=max_rows
    )


def row(**values: str) -> dict[str, str]:
    """A valid row of a Perm center program, with the given cells replaced."""
    base = dict.fromkeys(HEADERS, "")
    base.update(id="p1", title="Сварщик", center_id=PERM, r="0,5", i="0", a="0")
    base.update(s="0", e="0", c="0")
    base.update(values)
    return base


def table(
    rows: list[dict[str, str]],
    *,
    russian: bool = False,
    delimiter: str = ";",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([RUSSIAN[h] if russian else h for h in HEADERS])
    writer.writerows([r[h] for h in HEADERS] for r in rows)
    return buffer.getvalue().encode(encoding)


def where(result: ImportResult) -> set[tuple[int, str | None]]:
    return {(e.row, e.column) for e in result.errors}


def message(result: ImportResult, row_number: int, column: str | None) -> str:
    (found,) = [e for e in result.errors if (e.row, e.column) == (row_number, column)]
    return found.message


PERM_PROGRAM = Program(
    id="p1",
    title="Сварщик",
    center_id=PERM,
    region_slug="perm-krai",
    weights=(0.5, 0.0, 0.0, 0.0, 0.0, 0.0),
)


def perm_program(**changes: Any) -> Program:
    """What `row()` reads as, with the given fields replaced."""
    return replace(PERM_PROGRAM, **changes)


# --- real-life CSV variants --------------------------------------------------------------


def test_windows_1251_with_semicolons_and_russian_headers() -> None:
    lines = [
        "Код;  НАЗВАНИЕ ;Код центра;Регион;Описание;Часов;Недель;Формат;Стоимость;Цена, руб;"
        "Для кого;R;I;A;S;E;C;Тип Климова;Старт;Ссылка на запись;Источник;Пример",
        "weld-1;Сварщик ручной сварки;copp-perm-krai;perm-krai;Учёба в мастерской;72;"
        "6;Очно;платно;12 000;школьники, 50+;0,9;0,2;0;0;0;0,3;Человек – техника;01.09.2026;"
        "https://copp59.ru/zapis;Сайт ЦОПП;нет",
    ]
    data = "\r\n".join(lines).encode("cp1251") + b"\r\n"

    result = read(data)

    assert result.ok, result
    assert result.programs == [
        Program(
            id="weld-1",
            title="Сварщик ручной сварки",
            center_id=PERM,
            region_slug="perm-krai",
            description="Учёба в мастерской",
            duration_hours=72,
            duration_weeks=6,
            format=Format.in_person,
            is_free=False,
            price_rub=12000,
            audience=frozenset({Audience.school, Audience.seniors}),
            weights=(0.9, 0.2, 0.0, 0.0, 0.0, 0.3),
            klimov="tech",
            next_start=date(2026, 9, 1),
            enroll_url="https://copp59.ru/zapis",
            source_url="Сайт ЦОПП",
            is_sample=False,
        )
    ]


def test_utf8_with_bom_and_headers_in_any_case() -> None:
    text = (
        "\ufeffкод;название;КОД ЦЕНТРА;r;i;a;s;e;c;тип климова;формат\r\n"
        "p1;Оператор БПЛА;copp-perm-krai;0,8;0,4;0;0;0;0,2;тЕхника;смешанный\r\n"
    )
    result = read(text.encode("utf-8"))
    assert result.ok, result
    (program,) = result.programs
    assert program.region_slug == "perm-krai"  # taken from the center
    assert program.format is Format.blended
    assert program.klimov == "tech"


def test_plain_utf8_with_commas_and_english_headers() -> None:
    data = table(
        [row(id="p1", title="Кондитер, пекарь", audience="students|adults", cost="free")],
        delimiter=",",
    )
    assert b'"' in data  # the comma in the title is quoted
    result = read(data)
    assert result.ok, result
    (program,) = result.programs
    assert program.title == "Кондитер, пекарь"
    assert program.audience == {Audience.students, Audience.adults}
    assert program.is_free is True


def test_quoted_fields_with_line_breaks_and_quotes_keep_excel_row_numbers() -> None:
    data = table(
        [
            row(id="p1", description='Первая строка\r\nвторая, «ёлка» и "кавычки"'),
            row(id="p2", duration_hours="сорок"),
        ]
    )
    result = read(data)
    assert result.programs[0].description == 'Первая строка\nвторая, «ёлка» и "кавычки"'
    # One record spans two lines, yet Excel shows it as row 2, so the next one is row 3.
    assert where(result) == {(3, "duration_hours")}


def test_excel_delimiter_hint_line_is_not_a_row() -> None:
    data = b"sep=;\r\n" + table([row(id="p1"), row(id="bad id")])
    result = read(data)
    assert [p.id for p in result.programs] == ["p1"]
    assert where(result) == {(3, "id")}


def test_undecodable_and_binary_csv_is_a_file_error() -> None:
    for data in (b"\x98\xff\xfe\x00abc", PNG, "Код;Название".encode("utf-16")):
        result = read(data)
        assert result.file_errors and not result.programs and not result.ok


# --- XLSX ---------------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_numbers_dates_and_gaps() -> None:
    header = [RUSSIAN[h] for h in ("id", "title", "center_id", "duration_hours", "price_rub")]
    header += ["Стоимость", "R", "I", "A", "S", "E", "C", "Старт", "Пример", "Для кого"]
    good: list[object] = ["p1", "Сварщик", PERM, 72.0, 12000.0, "платно"]
    good += [0.9, 0.0, 0, 0, 0, 0.25, START, True, "взрослые"]
    bad: list[object] = ["p2", "Токарь", PERM, 1.5, None, None, 0.5, 0, 0, 0, 0, 0, 3.0]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(good)
    sheet.append([])  # an empty row still counts in Excel's numbering
    sheet.append(bad)
    sheet.append([" p3 ", 17, PERM, None, None, None, 1, 0, 0, 0, 0, 0])  # a numeric title
    sheet.cell(row=40, column=1).font = Font(bold=True)  # a formatted but empty trailing row
    buffer = io.BytesIO()
    book.save(buffer)

    result = read(buffer.getvalue(), FileKind.xlsx)

    assert where(result) == {(4, "duration_hours"), (4, "next_start")}
    assert "а здесь «1.5»" in message(result, 4, "duration_hours")
    first, third = result.programs
    assert first == perm_program(
        duration_hours=72,
        is_free=False,
        price_rub=12000,
        weights=(0.9, 0.0, 0.0, 0.0, 0.0, 0.25),
        next_start=date(2026, 9, 1),
        is_sample=True,
        audience=frozenset({Audience.adults}),
    )
    assert (third.id, third.title) == ("p3", "17")


def test_xlsx_export_reads_back_and_a_non_xlsx_is_refused() -> None:
    program = perm_program(next_start=date(2026, 9, 1), duration_hours=72)
    assert read(write_programs([program], FileKind.xlsx), FileKind.xlsx).programs == [program]
    for data in (b"", PDF, b"PK\x03\x04broken", table([row()])):
        result = read(data, FileKind.xlsx)
        assert result.file_errors and not result.ok


# --- row validation ----------------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_row_number_and_reason() -> None:
    rows = [
        row(id="ok-1"),  # 2
        row(id="p3", duration_hours="сорок"),  # 3
        row(id="p4", center_id="copp-perm-kray"),  # 4
        row(id="p5", region_slug="tula-oblast"),  # 5
        row(id="p6", center_id="", format="очно"),  # 6
        row(id="p7", cost="бесплатно", price_rub="500"),  # 7
        row(id="p8", r="0"),  # 8
        row(id="p9", next_start="31.02.2026", enroll_url="www.copp59.ru"),  # 9
        row(id="прог 10", title=""),  # 10
        row(id="p11", audience="школьники|пенсионеры", i="1,5"),  # 11
        row(id="p12", source_url="http//copp59.ru"),  # 12
        row(id="ok-13", center_id="", format="online", cost="paid", price_rub="1 500"),  # 13
        row(id="p14", title="Я" * 201, duration_weeks="0"),  # 14
        row(id="p15", region_slug="mars"),  # 15
    ]
    result = read(table(rows, russian=True))

    assert [p.id for p in result.programs] == ["ok-1", "ok-13"]
    assert result.programs[1].price_rub == 1500
    assert not result.file_errors and not result.ok
    assert where(result) == {
        (3, "duration_hours"),
        (4, "center_id"),
        (5, "region_slug"),
        (6, "format"),
        (7, "price_rub"),
        (8, None),
        (9, "next_start"),
        (9, "enroll_url"),
        (10, "id"),
        (10, "title"),
        (11, "audience"),
        (11, "i"),
        (12, "source_url"),
        (14, "title"),
        (14, "duration_weeks"),
        (15, "region_slug"),
    }
    assert message(result, 3, "duration_hours") == (
        "Часов: нужно целое число от 1 до 2000, а здесь «сорок»"
    )
    assert "«copp-perm-krai»" in message(result, 4, "center_id")  # a suggestion
    assert "perm-krai" in message(result, 5, "region_slug")
    assert "онлайн" in message(result, 6, "format")
    assert "платн" in message(result, 7, "price_rub")
    assert "больше 0" in message(result, 8, None)
    assert "31.02.2026" in message(result, 9, "next_start")
    assert "https://" in message(result, 9, "enroll_url")
    assert "латинские" in message(result, 10, "id")
    assert message(result, 10, "title") == "Название: обязательное поле не заполнено"
    assert "пенсионеры" in message(result, 11, "audience")
    assert "от 0 до 1" in message(result, 11, "i")
    assert "http//copp59.ru" in message(result, 12, "source_url")
    assert "200" in message(result, 14, "title")
    assert "от 1 до 104" in message(result, 14, "duration_weeks")
    assert "mars" in message(result, 15, "region_slug")


def test_messages_name_the_column_as_written_in_the_file() -> None:
    result = read(table([row(duration_hours="x")]))
    assert message(result, 2, "duration_hours").startswith("duration_hours: ")


def test_duplicate_ids_report_the_second_row_with_the_first_row_number() -> None:
    result = read(table([row(id="p1"), row(id="p2"), row(id="p1", title="Другая")]))
    assert [p.id for p in result.programs] == ["p1", "p2"]
    assert where(result) == {(4, "id")}
    assert "строке 2" in message(result, 4, "id")


def test_trimmed_cells_and_empty_rows_are_skipped_silently() -> None:
    data = table([row(id="  p1 ", title="  Сварщик  "), dict.fromkeys(HEADERS, "  ")])
    data += b";;;;\r\n\r\n"
    result = read(data)
    assert result.ok, result
    assert result.programs == [perm_program()]


def test_data_under_no_header_is_an_error() -> None:
    data = "id;title;center_id;r;i;a;s;e;c;\r\np1;Сварщик;copp-perm-krai;1;0;0;0;0;0;;lost\r\n"
    result = read(data.encode())
    assert where(result) == {(2, None)}
    assert message(result, 2, None) == "в столбце K нет заголовка, а в ячейке «lost»"


def test_whole_file_problems() -> None:
    unknown = read(table([row()]).replace(b"klimov", b"comment"))
    assert unknown.file_errors == [
        "неизвестные столбцы: «comment»; названия столбцов — в описании формата"
    ]
    missing = read(table([row()]).replace(b";title;", b";;"))
    assert len(missing.file_errors) == 1
    assert "«Название» (title)" in missing.file_errors[0]
    twice = read("id;title;Название;r;i;a;s;e;c\r\n".encode())
    assert "повторяется" in twice.file_errors[0]
    assert read(b"").file_errors == ["файл пустой"]
    assert read(b"\r\n;;\r\n").file_errors == ["файл пустой"]
    header_only = read(table([]))
    assert header_only.file_errors and not header_only.ok
    too_many = read(table([row(id=f"p{n}") for n in range(3)]), max_rows=2)
    assert "больше 2 строк" in too_many.file_errors[0]
    assert read(table([row(id=f"p{n}") for n in range(2)]), max_rows=2).ok


# --- file type detection ------------------------------------------------------------------


def test_detect_kind_by_content_then_extension() -> None:
    xlsx_bytes = xlsx([["id"]])
    assert detect_kind("programs.xlsx", xlsx_bytes) is FileKind.xlsx
    assert detect_kind("programs.csv", xlsx_bytes) is FileKind.xlsx  # content wins
    assert detect_kind("программы.csv", table([row()], encoding="cp1251")) is FileKind.csv
    assert detect_kind("programs.txt", table([row()])) is FileKind.csv
    assert detect_kind("programs", table([row()])) is FileKind.csv


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("image.png", PNG),
        ("programs.csv", PNG),
        ("report.pdf", PDF),
        ("programs.csv", PDF),
        ("noise.csv", bytes(range(256)) * 4),
        ("noise.csv", random.Random(7).randbytes(512)),
        ("empty.csv", b""),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64)),
        ("programs.xlsx", b"id;title\r\n"),  # text under an Excel name
        ("programs.docx", b""),
    ],
)
def test_detect_kind_refuses_what_is_not_a_table(filename: str, data: bytes) -> None:
    assert detect_kind(filename, data) is None


def test_a_zip_without_a_workbook_is_not_xlsx() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert detect_kind("letter.docx", buffer.getvalue()) is None
    assert read(buffer.getvalue(), FileKind.xlsx).file_errors


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
        assert result.file_errors == ["в файле нет ни одной строки с программой"]
        return
    assert result.file_errors == []
    assert all(e.row == 2 and e.message for e in result.errors)
    assert len(result.programs) == (0 if result.errors else 1)


# --- the packaged files -------------------------------------------------------------------

DATA = Path(__file__).resolve().parent.parent / "bot" / "data"


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
