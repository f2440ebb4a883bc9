"""Programme files as centre staff keep them, and the catalogue they must read as."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime
from typing import Any

import openpyxl

from bot.domain.catalogue import Program, load_centers, load_regions
from bot.domain.catalogue_files import FileKind, FileLimits, ImportResult, read_programs

CENTERS = load_centers()
CENTER_REGIONS = {c.id: c.region_slug for c in CENTERS}
REGION_SLUGS = {r.slug for r in load_regions()}
PERM = "copp-perm-krai"  # the id of the Perm Krai centre
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
        data,
        kind,
        center_regions=CENTER_REGIONS,
        region_slugs=REGION_SLUGS,
        limits=FileLimits(programmes=max_rows),
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


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def staff_csv(rows: list[dict[str, str]]) -> bytes:
    """A programme file as centre staff save it from Russian Excel: semicolons, cp1251."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("cp1251")


def staff_row(pid: str, **changes: str) -> dict[str, str]:
    """A valid row with Russian headers: a free Perm programme, the given cells replaced."""
    row = {
        "Код": pid,
        "Название": "Оператор котельной",
        "Код центра": "copp-perm-krai",
        "Часов": "144",
        "Формат": "очно",
        "Стоимость": "бесплатно",
        "R": "0,9",
        "I": "0,2",
        "A": "0",
        "S": "0",
        "E": "0",
        "C": "0,4",
    }
    return row | changes
