"""Tables as files that Russian Excel opens correctly: CSV (UTF-8 with BOM, `;`, decimal comma)
and XLSX (bold header row, frozen below it). Rows in, bytes out.

Text that a spreadsheet would run as a formula (CSV injection) gets Excel's own apostrophe
prefix: written into the CSV, and as the cell's quote-prefix style in XLSX, so reading the file
back gives the text exactly. Characters XML cannot hold are dropped from XLSX cells.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

Value = str | int | float | date | None

# What Excel and LibreOffice treat as the start of a formula, and what they strip before it.
_FORMULA_START = frozenset("=+-@\t\r")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_FITTED_WIDTH = 50


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # the XLSX sheet's title
    headers: tuple[str, ...]
    rows: Sequence[Sequence[Value]]
    # Column widths in characters for XLSX; None fits each column to its longest text.
    widths: tuple[int, ...] | None = None


def needs_escape(text: str) -> bool:
    # Apostrophes already there are looked through, so that reading the file back is exact.
    return text.lstrip("'")[:1] in _FORMULA_START


def escape(text: str) -> str:
    """The apostrophe Excel itself uses to mark text that must not become a formula."""
    return "'" + text if needs_escape(text) else text


def unescape(text: str) -> str:
    return text[1:] if text.startswith("'") and needs_escape(text[1:]) else text


def _csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Decimal comma for Russian Excel; never an exponent, always the exact float.
        return format(Decimal(repr(value)), "f").replace(".", ",")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return escape(value)
    return str(value)


def write_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_csv_value(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(table: Table) -> bytes:
    # openpyxl is a third of a second of the bot's start-up: imported when first used.
    import openpyxl  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = table.name
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(table.rows, start=2):
        for index, value in enumerate(row, start=1):
            _put(sheet.cell(row=number, column=index), value)
    widths = table.widths or _fitted_widths(table)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fitted_widths(table: Table) -> list[int]:
    widths = [len(header) for header in table.headers]
    for row in table.rows:
        for index, value in enumerate(row):
            if isinstance(value, str):
                widths[index] = max(widths[index], len(value))
    return [min(width + 2, _MAX_FITTED_WIDTH) for width in widths]


def _put(cell: Any, value: Value) -> None:
    if isinstance(value, str):
        cell.value = _XML_ILLEGAL.sub("", value)
        cell.data_type = "s"  # a string, even when it looks like a formula
        if needs_escape(value):
            cell.quotePrefix = True  # how Excel marks text typed after an apostrophe
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        cell.value = value
