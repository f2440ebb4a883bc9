"""Reading programme files as centre staff keep them: Russian Excel CSV and XLSX, checked row
by row, and refusing what is not a table."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date

import openpyxl
import pytest
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter as excels_letter

from bot.domain.catalogue import Audience, Format, Program
from bot.domain.catalogue_files import (
    FileKind,
    FileProblem,
    Problem,
    detect_kind,
    get_column_letter,
    write_programs,
)
from tests.support.catalogue_files import (
    HEADERS,
    PDF,
    PERM,
    PNG,
    RUSSIAN,
    START,
    message,
    perm_program,
    read,
    row,
    table,
    where,
    xlsx,
)

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
    assert unknown.file_errors == [FileProblem(Problem.unknown_columns, names=("«comment»",))]
    missing = read(table([row()]).replace(b";title;", b";;"))
    assert missing.file_errors == [
        FileProblem(Problem.missing_columns, names=("«Название» (title)",))
    ]
    twice = read("id;title;Название;r;i;a;s;e;c\r\n".encode())
    assert twice.file_errors == [FileProblem(Problem.repeated_columns, names=("«Название»",))]
    assert read(b"").file_errors == [FileProblem(Problem.empty)]
    assert read(b"\r\n;;\r\n").file_errors == [FileProblem(Problem.empty)]
    header_only = read(table([]))
    assert header_only.file_errors and not header_only.ok
    too_many = read(table([row(id=f"p{n}") for n in range(3)]), max_rows=2)
    assert too_many.file_errors == [FileProblem(Problem.too_many_programmes, limit=2)]
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


def test_column_letters_are_excels_own() -> None:
    samples = (1, 26, 27, 52, 702, 703, 16384)
    assert [get_column_letter(n) for n in samples] == ["A", "Z", "AA", "AZ", "ZZ", "AAA", "XFD"]
    assert all(get_column_letter(n) == excels_letter(n) for n in range(1, 18279))
