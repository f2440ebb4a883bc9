"""Hostile spreadsheets, written straight into a zip: what Excel saves after formatting whole
rows, a tiny file that declares millions of rows, and a zip bomb of empty rows. Generated in
the tests, so no large binary lives in the repository."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="programs" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
HEADERS = ("id", "title", "r", "i", "a", "s", "e", "c")
EXCEL_ROWS = 1_048_576  # the last row of an Excel sheet


def workbook(sheet_parts: Iterable[str]) -> bytes:
    """An XLSX whose first sheet's XML is the given parts, deflated at the highest level."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for part in sheet_parts:
                sheet.write(part.encode())
    return buffer.getvalue()


def cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def header_row() -> str:
    cells = (cell(f"{letter}1", h) for letter, h in zip("ABCDEFGH", HEADERS, strict=True))
    return '<row r="1">' + "".join(cells) + "</row>"


def formatted_empty_rows(rows: int = EXCEL_ROWS) -> bytes:
    """A header, then formatted empty rows down to the end of the sheet, as Excel saves a
    sheet whose whole rows were given a format (2.6 MB; the bot froze 17.6 s on one)."""

    def parts() -> Iterator[str]:
        yield _SHEET_START + f'<dimension ref="A1:W{rows}"/><sheetData>' + header_row()
        batch: list[str] = []
        for number in range(2, rows + 1):
            batch.append(f'<row r="{number}" spans="1:23" s="1" customFormat="1" ht="15"/>')
            if len(batch) == 10_000:
                yield "".join(batch)
                batch = []
        yield "".join(batch) + "</sheetData></worksheet>"

    return workbook(parts())


def empty_rows_bomb(rows: int = 34_000_000) -> bytes:
    """0.3 MB that unpacks into 34 million `<row/>`: 200 MB of XML (it took 271 s and 8.5 GB
    before the limits)."""

    def parts() -> Iterator[str]:
        yield _SHEET_START + "<sheetData>" + header_row()
        block = "<row/>" * 100_000
        for _ in range(rows // 100_000):
            yield block
        yield "</sheetData></worksheet>"

    return workbook(parts())


def far_row(row: int = 34_000_000) -> bytes:
    """A 2 KB file with one cell in row 34,000,000: a reader fills every row before it."""
    return workbook(
        [
            _SHEET_START + "<sheetData>" + header_row(),
            f'<row r="{row}">{cell(f"A{row}", "x")}</row></sheetData></worksheet>',
        ]
    )
