"""Program files as center staff really keep them: CSV from Russian Excel and XLSX.

`read_programs` turns a file into `Program` objects and a list of every problem found, each
with the row number Excel shows and a short Russian reason for a center admin.
`write_programs` produces files that Excel opens correctly and that read back to the same
programs. The format is described in `bot/data/PROGRAMS_FORMAT.md`.

Pure file handling: the caller passes the known center and region ids and decides what to
store.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import errno
import io
import itertools
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from bot.domain.catalogue import KLIMOV, Audience, Format, Program
from bot.domain.enrolment import OLDEST, Status
from bot.domain.spreadsheets import Table, Value, needs_escape, unescape, write_csv, write_xlsx

MAX_FILE_BYTES = 20 * 1024 * 1024  # what a Telegram bot may download
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024  # against zip bombs; 20,000 rows unpack to 40 MB
MAX_PRICE_RUB = 10_000_000
FIRST_START_YEAR, LAST_START_YEAR = 2000, 2100
WEIGHT_DECIMALS = 6

# What Excel and LibreOffice treat as the start of a formula (CSV injection).
FORMULA_CHARS = frozenset("=+-@")

# A cell as read from either format, already trimmed; "" means empty.
Cell = str | bool | int | float | date


class FileKind(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as Excel shows it: the header is 1, the first data row 2
    column: str | None  # the English column name; None when the whole row is meant
    message: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    programs: list[Program]
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[FileProblem] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the Excel row of each of `programs`

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_errors and bool(self.programs)


class _Invalid(Exception):
    """A cell value that cannot be used; the message follows the column's header."""


# --- normalisation -------------------------------------------------------------------------


def _key(text: str) -> str:
    """Header and choice matching: case, ё, spaces and punctuation do not matter."""
    text = text.lower().replace("ё", "е")
    return "".join(ch for ch in text if ch.isalnum() or ch == "+")


def _shown(value: Cell, limit: int = 40) -> str:
    text = _as_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_text(value: Cell) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def _clean_text(text: str) -> str:
    """Drop invisible control characters (copy-paste debris); keep tabs and line breaks."""
    return _INVISIBLE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# --- cell parsers: each takes a non-empty cell and returns a value or raises _Invalid ------


def _text(limit: int, *, one_line: bool = False) -> Callable[[Cell], str]:
    def parse(value: Cell) -> str:
        raw = _clean_text(_as_text(value)).strip()
        if raw[:1] in FORMULA_CHARS:
            raise _Invalid(
                f"начинается с «{raw[0]}», Excel примет это за формулу; уберите знак "
                "или поставьте перед ним апостроф '"
            )
        text = unescape(raw)
        if one_line:
            text = " ".join(text.split())
        if len(text) > limit:
            raise _Invalid(f"не длиннее {limit} символов, а здесь {len(text)}")
        return text

    return parse


_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")
_SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def _program_id(value: Cell) -> str:
    text = _as_text(value)
    if not _ID_RE.fullmatch(text):
        raise _Invalid(
            "латинские буквы, цифры, «-» и «_», начиная с буквы или цифры, не длиннее "
            f"40 символов, а здесь «{_shown(value)}»"
        )
    return text


def _slug(value: Cell) -> str:
    text = _as_text(value).lower()
    if not _SLUG_RE.fullmatch(text):
        raise _Invalid(f"нужен код из латинских букв, цифр и «-», а здесь «{_shown(value)}»")
    return text


_NUMBER_RE = re.compile(r"-?(?:\d+(?:[.,]\d*)?|[.,]\d+)")
_DIGIT_SPACES = str.maketrans("", "", " \u00a0\u202f")  # thousands separators


def _number(value: Cell) -> float | None:
    if isinstance(value, bool | date):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.translate(_DIGIT_SPACES)
    if not _NUMBER_RE.fullmatch(text):
        return None
    return float(text.replace(",", "."))


def _whole(low: int, high: int) -> Callable[[Cell], int]:
    def parse(value: Cell) -> int:
        number = _number(value)
        if number is None or not number.is_integer() or not low <= number <= high:
            raise _Invalid(
                f"нужно целое число от {low} до {_thousands(high)}, а здесь «{_shown(value)}»"
            )
        return int(number)

    return parse


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ") if number >= 10_000 else str(number)


def _weight(value: Cell) -> float:
    number = _number(value)
    if number is None or not 0 <= number <= 1:
        raise _Invalid(f"нужно число от 0 до 1 (например 0,5), а здесь «{_shown(value)}»")
    # Kept to 6 decimals: more than any classification needs, and exact through XLSX,
    # which stores 16 significant digits.
    return round(number, WEIGHT_DECIMALS) + 0.0  # + 0.0: no negative zero


_MISSING = object()  # a cell that failed to parse, or a choice not in the table


def _choice(names: Mapping[str, Any], allowed: str) -> Callable[[Cell], Any]:
    """One of a fixed set of words, in any case; each table maps to its own value type."""
    table = {_key(name): result for name, result in names.items()}

    def parse(value: Cell) -> Any:
        found = table.get(_key(_as_text(value)), _MISSING)
        if found is _MISSING:
            raise _Invalid(f"можно {allowed}, а здесь «{_shown(value)}»")
        return found

    return parse


_FORMAT_RU = {Format.in_person: "очно", Format.online: "онлайн", Format.blended: "смешанный"}
_AUDIENCE_RU = {
    Audience.school: "школьники",
    Audience.students: "студенты",
    Audience.adults: "взрослые",
    Audience.seniors: "50+",
    Audience.parents: "родители",
    Audience.teachers: "педагоги",
}
_STATUS_RU = {
    Status.school: "школьники",
    Status.student: "студенты",
    Status.working: "работающие",
    Status.not_working: "неработающие",
    Status.parental_leave: "в отпуске по уходу",
    Status.retired: "пенсионеры",
}
_KLIMOV_RU = dict(zip(KLIMOV, ("природа", "техника", "человек", "знак", "образ"), strict=True))
_KLIMOV_LONG = {
    "nature": "человек-природа",
    "tech": "человек-техника",
    "people": "человек-человек",
    "signs": "человек-знаковая система",
    "art": "человек-художественный образ",
}


def _both_ways(russian: Mapping[Any, str]) -> dict[str, Any]:
    return {**{str(k): k for k in russian}, **{v: k for k, v in russian.items()}}


_parse_format = _choice(_both_ways(_FORMAT_RU), "«очно», «онлайн» или «смешанный»")
_parse_cost = _choice(
    {"бесплатно": True, "free": True, "платно": False, "paid": False},
    "«бесплатно» или «платно»",
)
_parse_klimov = _choice(
    {**_both_ways(_KLIMOV_RU), **{v: k for k, v in _KLIMOV_LONG.items()}},
    "«природа», «техника», «человек», «знак» или «образ»",
)
_parse_audience_item = _choice(
    _both_ways(_AUDIENCE_RU),
    "«школьники», «студенты», «взрослые», «50+», «родители», «педагоги»",
)
_parse_status_item = _choice(
    _both_ways(_STATUS_RU),
    "«школьники», «студенты», «работающие», «неработающие», «в отпуске по уходу», «пенсионеры»",
)
_parse_flag = _choice(
    dict.fromkeys(("1", "да", "yes", "true"), True)
    | dict.fromkeys(("0", "нет", "no", "false"), False),
    "«1» или «0» («да» или «нет»)",
)


def _items(value: Cell) -> list[str]:
    return [p.strip() for p in re.split(r"[,|;]", _as_text(value)) if p.strip()]


def _audience(value: Cell) -> frozenset[Audience]:
    return frozenset(_parse_audience_item(p) for p in _items(value))


def _statuses(value: Cell) -> frozenset[Status]:
    return frozenset(_parse_status_item(p) for p in _items(value))


def _is_sample(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    return bool(_parse_flag(value))


_DATE_FORMATS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})"),
)


def _start_date(value: Cell) -> date:
    found: date | None = None
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    elif isinstance(value, str):
        found = _date_from_text(value)
    if found is None or not FIRST_START_YEAR <= found.year <= LAST_START_YEAR:
        raise _Invalid(f"нужна дата вида 01.09.2026 или 2026-09-01, а здесь «{_shown(value)}»")
    return found


def _date_from_text(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        match = pattern.fullmatch(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


_HOST_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_HOST_RE = re.compile(rf"(?:{_HOST_LABEL}\.)+{_HOST_LABEL}|localhost")


def _is_url(text: str) -> bool:
    if any(ch.isspace() for ch in text):
        return False
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and bool(_HOST_RE.fullmatch(host))


def _enroll_url(value: Cell) -> str:
    text = _as_text(value)
    if len(text) > 500 or not _is_url(text):
        raise _Invalid(f"нужна ссылка вида https://сайт/страница, а здесь «{_shown(value)}»")
    return text


_parse_source_text = _text(500)


def _source(value: Cell) -> str:
    """Free text, but every link in it must be a real link."""
    text = _parse_source_text(value)
    if text.lower().startswith("http"):
        for word in re.split(r"[\s;]+", text):
            link = word.rstrip(",.;)")
            if link.lower().startswith("http") and not _is_url(link):
                raise _Invalid(f"ссылка «{_shown(link)}» не похожа на адрес сайта")
    return text


# --- the column table ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    russian: str
    parse: Callable[[Cell], Any]
    render: Callable[[Program], Value]  # what the column writes
    required: bool = False
    width: int = 12  # characters, for XLSX


def _weight_column(index: int, letter: str) -> _Column:
    return _Column(
        letter.lower(), letter, _weight, lambda p: p.weights[index], required=True, width=6
    )


def _cost_out(p: Program) -> str | None:
    return None if p.is_free is None else ("бесплатно" if p.is_free else "платно")


def _audience_out(p: Program) -> str:
    return "|".join(ru for audience, ru in _AUDIENCE_RU.items() if audience in p.audience)


def _statuses_out(p: Program) -> str:
    return "|".join(ru for status, ru in _STATUS_RU.items() if status in p.statuses)


_COLUMNS: tuple[_Column, ...] = (
    _Column("id", "Код", _program_id, lambda p: p.id, required=True, width=24),
    _Column(
        "title",
        "Название",
        _text(200, one_line=True),
        lambda p: p.title,
        required=True,
        width=50,
    ),
    _Column("center_id", "Код центра", _slug, lambda p: p.center_id, width=28),
    _Column("region_slug", "Регион", _slug, lambda p: p.region_slug, width=22),
    _Column("description", "Описание", _text(600), lambda p: p.description, width=50),
    _Column("duration_hours", "Часов", _whole(1, 2000), lambda p: p.duration_hours),
    _Column("duration_weeks", "Недель", _whole(1, 104), lambda p: p.duration_weeks),
    _Column(
        "format",
        "Формат",
        _parse_format,
        lambda p: _FORMAT_RU[p.format] if p.format else None,
    ),
    _Column("cost", "Стоимость", _parse_cost, _cost_out),
    _Column("price_rub", "Цена, руб", _whole(0, MAX_PRICE_RUB), lambda p: p.price_rub),
    _Column("audience", "Для кого", _audience, _audience_out, width=24),
    *(_weight_column(i, letter) for i, letter in enumerate("RIASEC")),
    _Column(
        "klimov",
        "Тип Климова",
        _parse_klimov,
        lambda p: _KLIMOV_RU.get(p.klimov, p.klimov) if p.klimov else None,
    ),
    _Column("next_start", "Старт", _start_date, lambda p: p.next_start),
    _Column("enroll_url", "Ссылка на запись", _enroll_url, lambda p: p.enroll_url, width=40),
    _Column("source_url", "Источник", _source, lambda p: p.source_url, width=40),
    _Column("is_sample", "Пример", _is_sample, lambda p: int(p.is_sample), width=8),
    # Who may enrol and when (added later: older files without them still import).
    _Column("min_age", "Возраст от", _whole(0, OLDEST), lambda p: p.min_age),
    _Column("max_age", "Возраст до", _whole(0, OLDEST), lambda p: p.max_age),
    _Column("statuses", "Кто может", _statuses, _statuses_out, width=24),
    _Column("residents_only", "Только жители", _slug, lambda p: p.residents_only, width=22),
    _Column("enroll_from", "Набор с", _start_date, lambda p: p.enroll_from),
    _Column("enroll_until", "Набор до", _start_date, lambda p: p.enroll_until),
)

_BY_HEADER = {
    _key(header): column for column in _COLUMNS for header in (column.name, column.russian)
}


# --- what can be wrong with a whole file, and the limits a file must keep -------------------


class Problem(StrEnum):
    """Why a whole file was refused; the admin's reply says it in their language."""

    too_big = "too_big"  # limit: bytes
    not_a_table = "not_a_table"
    old_excel = "old_excel"  # .xls, Excel 97-2003
    utf16 = "utf16"  # Excel's «Unicode text»
    not_xlsx = "not_xlsx"  # a zip that openpyxl cannot read as a workbook
    csv_broken = "csv_broken"  # row
    empty = "empty"
    no_programmes = "no_programmes"  # a header and nothing under it
    unknown_columns = "unknown_columns"  # names
    repeated_columns = "repeated_columns"  # names
    missing_columns = "missing_columns"  # names
    too_many_programmes = "too_many_programmes"  # limit: rows with a programme
    too_many_rows = "too_many_rows"  # limit: rows of the sheet, empty ones included
    too_many_columns = "too_many_columns"  # limit, row
    cell_too_long = "cell_too_long"  # limit: characters, row, column
    unpacked_too_big = "unpacked_too_big"  # limit: bytes of the unpacked XLSX
    too_slow = "too_slow"  # limit: seconds
    too_much_memory = "too_much_memory"  # limit: bytes
    unreadable = "unreadable"  # the reader stopped without an answer


@dataclass(frozen=True, slots=True)
class FileProblem:
    kind: Problem
    limit: int = 0  # the limit that was reached, in the unit of the kind
    row: int = 0  # the row as Excel numbers it, where it was noticed
    column: str = ""  # the column letter
    names: tuple[str, ...] = ()  # column headers as written in the file

    def describe(self) -> str:
        """In English, for the command line and logs; the bot's replies translate the kind."""
        names = ", ".join(self.names)
        text = {
            Problem.too_big: f"the file is larger than {_megabytes(self.limit)} MB",
            Problem.not_a_table: "not a CSV or XLSX table",
            Problem.old_excel: "an old Excel file (.xls); save it as an Excel workbook (.xlsx)",
            Problem.utf16: "a UTF-16 text file; save it as «CSV UTF-8» or as .xlsx",
            Problem.not_xlsx: "the file does not open as an Excel workbook (.xlsx)",
            Problem.csv_broken: f"the CSV cannot be read near row {self.row}",
            Problem.empty: "the file is empty",
            Problem.no_programmes: "no row with a programme in the file",
            Problem.unknown_columns: f"unknown columns: {names}",
            Problem.repeated_columns: f"repeated columns: {names}",
            Problem.missing_columns: f"required columns missing: {names}",
            Problem.too_many_programmes: f"more than {self.limit} programme rows",
            Problem.too_many_rows: f"more than {self.limit} rows, empty ones included",
            Problem.too_many_columns: f"row {self.row} has more than {self.limit} columns",
            Problem.cell_too_long: (
                f"cell {self.column}{self.row} is longer than {self.limit} characters"
            ),
            Problem.unpacked_too_big: (
                f"the workbook unpacks to more than {_megabytes(self.limit)} MB"
            ),
            Problem.too_slow: f"not read within {self.limit} s",
            Problem.too_much_memory: f"reading it needs more than {_megabytes(self.limit)} MB",
            Problem.unreadable: "the file could not be read",
        }[self.kind]
        return text


def _megabytes(size: int) -> int:
    return size // (1024 * 1024)


@dataclass(frozen=True, slots=True)
class FileLimits:
    """How much of a file is read before it is refused; each limit is checked as the rows
    stream in, so a hostile file stops at the first one it reaches. `seconds` and
    `memory_bytes` are enforced by whoever runs the reading (a child process)."""

    file_bytes: int = MAX_FILE_BYTES
    programmes: int = 20_000  # rows with something in them, under the header
    rows: int = 100_000  # rows of the sheet or records of the CSV, empty ones included
    columns: int = 100  # up to the last filled cell of a row
    cell_chars: int = 5_000  # the longest column allows 600
    unpacked_bytes: int = MAX_XLSX_UNPACKED_BYTES
    seconds: int = 60  # 20,000 rows take about 5 s; a slow or busy server gets room
    memory_bytes: int = 1024 * 1024 * 1024


class _FileProblem(Exception):
    def __init__(self, problem: FileProblem) -> None:
        super().__init__(problem.kind.value)
        self.problem = problem


# --- detection -----------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls and .doc of Office 97-2003
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", _OLE_MAGIC, b"\x00")
_TEXT_EXTENSIONS = ("csv", "txt", "")


def detect_kind(filename: str, data: bytes) -> FileKind | None:
    """XLSX by content (a zip with `xl/` inside), CSV by extension and text content. UTF-16
    text counts as CSV, so that reading it can say how to save it instead."""
    if data.startswith(b"PK\x03\x04"):
        return FileKind.xlsx if _zip_has_xl(data) else None
    extension = _extension(filename)
    if _is_utf16(data) and extension in _TEXT_EXTENSIONS:
        return FileKind.csv
    if not data or data.startswith(_BINARY_MAGIC):
        return None
    if extension not in _TEXT_EXTENSIONS:
        return None
    return FileKind.csv if isinstance(_decode(data), str) else None


def _extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def _is_utf16(data: bytes) -> bool:
    """With a byte order mark, or without one: text whose every other byte is mostly zero."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = data[: 4096 - 4096 % 2]
    half = len(sample) // 2
    if half < 4:
        return False
    if sample[1::2].count(0) >= half * 0.7:
        encoding = "utf-16-le"
    elif sample[0::2].count(0) >= half * 0.7:
        encoding = "utf-16-be"
    else:
        return False
    try:
        text = sample[: half * 2].decode(encoding)
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(text)


def _zip_has_xl(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(name.startswith("xl/") for name in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else Windows-1251; None when it is not text at all."""
    text: str | None = None
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or _CONTROL.search(text):
        return None
    return text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- reading -------------------------------------------------------------------------------

Row = tuple[int, list[Cell]]  # the Excel row number and the cells


def read_file(
    filename: str,
    data: bytes,
    *,
    center_regions: Mapping[str, str],
    region_slugs: Collection[str],
    limits: FileLimits = FileLimits(),
) -> ImportResult:
    """A file as an admin sends it: its kind told from its content, then read."""
    if len(data) > limits.file_bytes:
        return _file_error(FileProblem(Problem.too_big, limit=limits.file_bytes))
    if not data:
        return _file_error(FileProblem(Problem.empty))
    kind = detect_kind(filename, data)
    if kind is None:
        old = data.startswith(_OLE_MAGIC) and _extension(filename) in ("xls", "xlsx")
        return _file_error(FileProblem(Problem.old_excel if old else Problem.not_a_table))
    return read_programs(
        data, kind, center_regions=center_regions, region_slugs=region_slugs, limits=limits
    )


def read_programs(
    data: bytes,
    kind: FileKind,
    *,
    center_regions: Mapping[str, str],
    region_slugs: Collection[str],
    limits: FileLimits = FileLimits(),
) -> ImportResult:
    """Every row checked; `programs` holds only the rows without errors. The rows stream in
    and every limit is checked as they come: the first limit reached stops the reading."""
    if len(data) > limits.file_bytes:
        return _file_error(FileProblem(Problem.too_big, limit=limits.file_bytes))
    try:
        rows = _csv_rows(data, limits) if kind is FileKind.csv else _xlsx_rows(data, limits)
        with contextlib.closing(rows):  # an XLSX closes its workbook at once
            return _Reader(center_regions, region_slugs).read(
                _within(rows, limits), limits.programmes
            )
    except _FileProblem as problem:
        return _file_error(problem.problem)


def get_column_letter(number: int) -> str:
    """Excel's name of the column with this 1-based number: 1 → A, 27 → AA (openpyxl's own
    would load all of openpyxl, 8 MB, when the packaged catalogue is read at a first start)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _file_error(problem: FileProblem) -> ImportResult:
    return ImportResult(programs=[], errors=[], file_errors=[problem])


def _within(rows: Iterable[Row], limits: FileLimits) -> Iterator[Row]:
    """The rows, until one of them breaks a limit."""
    for number, cells in rows:
        if number > limits.rows:
            raise _FileProblem(FileProblem(Problem.too_many_rows, limit=limits.rows))
        width = _filled_width(cells)
        if width > limits.columns:
            raise _FileProblem(
                FileProblem(Problem.too_many_columns, limit=limits.columns, row=number)
            )
        for index in range(width):
            cell = cells[index]
            if isinstance(cell, str) and len(cell) > limits.cell_chars:
                raise _FileProblem(
                    FileProblem(
                        Problem.cell_too_long,
                        limit=limits.cell_chars,
                        row=number,
                        column=get_column_letter(index + 1),
                    )
                )
        yield number, cells[:width]


def _filled_width(cells: list[Cell]) -> int:
    """Cells up to the last one that holds something."""
    width = len(cells)
    while width and cells[width - 1] == "":
        width -= 1
    return width


def _csv_rows(data: bytes, limits: FileLimits) -> Generator[Row]:
    if _is_utf16(data):
        raise _FileProblem(FileProblem(Problem.utf16))
    text = _decode(data)
    if text is None:
        raise _FileProblem(FileProblem(Problem.not_a_table))
    first_line, _, rest = text.partition("\n")
    # Excel's own delimiter hint; Excel does not show it as a row.
    match = re.fullmatch(r"sep=(.)\r?", first_line)
    if match:
        text, delimiter = rest, match[1]
    else:
        delimiter = _guess_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            yield number, [value.strip() for value in record]
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise _FileProblem(
                FileProblem(Problem.cell_too_long, limit=limits.cell_chars, row=number + 1)
            ) from None
        raise _FileProblem(FileProblem(Problem.csv_broken, row=number + 1)) from None


def _guess_delimiter(text: str) -> str:
    """The delimiter under which more header cells are known column names."""
    lines = (line for line in text.splitlines() if line.strip(" \t;,"))
    header = next(lines, "")

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter))
        return sum(_key(cell) in _BY_HEADER for cell in cells), header.count(delimiter)

    return max((";", ","), key=score)


def _xlsx_rows(data: bytes, limits: FileLimits) -> Generator[Row]:
    """The first sheet's rows as they are parsed, numbered as Excel numbers them: rows the
    file leaves out come as empty rows, so they count towards the limit like the others."""
    import openpyxl  # noqa: PLC0415 (a third of a second of start-up: when first used)

    _check_zip_size(data, limits.unpacked_bytes)
    try:
        with _quiet():
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some writers store a wrong sheet size
            rows = sheet.iter_rows()
            for number in itertools.count(1):
                if number > limits.rows:  # before the row's cells are parsed
                    raise _FileProblem(FileProblem(Problem.too_many_rows, limit=limits.rows))
                with _quiet():
                    cells = next(rows, None)
                if cells is None:
                    return
                yield number, [_xlsx_cell(cell) for cell in cells]
        finally:
            book.close()
    except (_FileProblem, MemoryError):
        raise
    except Exception as error:  # openpyxl raises many kinds of errors on a damaged file
        if _out_of_memory(error):
            raise MemoryError from error
        raise _FileProblem(FileProblem(Problem.not_xlsx)) from None


# The XML parser and zlib report a failed allocation as their own errors, not MemoryError.
_EXPAT_NO_MEMORY = expat.errors.codes[expat.errors.XML_ERROR_NO_MEMORY]
_ZLIB_NO_MEMORY = "Error -4 "  # Z_MEM_ERROR, as zlib.error words it


def _out_of_memory(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        if isinstance(error, ParseError) and error.code == _EXPAT_NO_MEMORY:
            return True
        if isinstance(error, zlib.error) and str(error).startswith(_ZLIB_NO_MEMORY):
            return True
        if isinstance(error, OSError) and error.errno == errno.ENOMEM:
            return True
        error = error.__cause__ or error.__context__
    return False


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Excel files carry extensions openpyxl does not read; values are unaffected. Kept to
    each step, since the rows are read in turns with the caller's code."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _check_zip_size(data: bytes, limit: int) -> None:
    """The sizes the archive declares, before anything is unpacked: a zip bomb unpacks a
    few hundred kilobytes into gigabytes. Python's zipfile never unpacks more of a member
    than its declared size, so the declared sizes bound what can be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _FileProblem(FileProblem(Problem.not_xlsx)) from None
    if unpacked > limit:
        raise _FileProblem(FileProblem(Problem.unpacked_too_big, limit=limit))


def _xlsx_cell(cell: Any) -> Cell:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        text = value.strip()
        style = getattr(cell, "style_array", None)
        # Excel's "'" prefix lives in the style, not in the value.
        if style is not None and style.quotePrefix and needs_escape(text):
            return "'" + text
        return text
    if isinstance(value, bool | int | float | date):
        return value
    return str(value).strip()


def _is_empty(cells: list[Cell]) -> bool:
    return all(cell == "" for cell in cells)


_Fail = Callable[[str | None, str], None]  # records an error for a column of the row


@dataclass(slots=True)
class _Reader:
    center_regions: Mapping[str, str]
    region_slugs: Collection[str]
    columns: dict[int, _Column] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # column name -> header as written
    seen_ids: dict[str, int] = field(default_factory=dict)

    def read(self, rows: Iterable[Row], max_rows: int) -> ImportResult:
        filled = (row for row in rows if not _is_empty(row[1]))
        header = next(filled, None)
        if header is None:
            return _file_error(FileProblem(Problem.empty))
        problems = self._map_header(header[1])
        if problems:
            return ImportResult(programs=[], errors=[], file_errors=problems)
        programs: list[Program] = []
        numbers: list[int] = []
        errors: list[RowError] = []
        for count, (number, cells) in enumerate(filled, start=1):
            if count > max_rows:
                return _file_error(FileProblem(Problem.too_many_programmes, limit=max_rows))
            program, row_errors = self._row(number, cells)
            errors.extend(row_errors)
            if program is not None and not row_errors:
                programs.append(program)
                numbers.append(number)
        if not programs and not errors:
            return _file_error(FileProblem(Problem.no_programmes))
        return ImportResult(programs=programs, errors=errors, file_errors=[], rows=numbers)

    def _map_header(self, cells: list[Cell]) -> list[FileProblem]:
        unknown: list[str] = []
        twice: list[str] = []
        for index, cell in enumerate(cells):
            written = _as_text(cell).strip()
            column = _BY_HEADER.get(_key(written))
            if not written:
                continue
            if column is None:
                unknown.append(f"«{written}»")
            elif column.name in self.headers:
                twice.append(f"«{written}»")
            else:
                self.columns[index] = column
                self.headers[column.name] = written
        missing = [
            f"«{c.russian}» ({c.name})"
            for c in _COLUMNS
            if c.required and c.name not in self.headers
        ]
        problems = []
        if unknown:
            problems.append(FileProblem(Problem.unknown_columns, names=tuple(unknown)))
        if twice:
            problems.append(FileProblem(Problem.repeated_columns, names=tuple(twice)))
        if missing:
            problems.append(FileProblem(Problem.missing_columns, names=tuple(missing)))
        return problems

    def _label(self, name: str) -> str:
        return self.headers.get(name) or next(c.russian for c in _COLUMNS if c.name == name)

    def _row(self, number: int, cells: list[Cell]) -> tuple[Program | None, list[RowError]]:

        errors: list[RowError] = []

        def fail(column: str | None, reason: str) -> None:
            prefix = f"{self._label(column)}: " if column else ""
            errors.append(RowError(number, column, prefix + reason))

        values: dict[str, Any] = {}
        for index, cell in enumerate(cells):
            column = self.columns.get(index)
            if column is None:
                if cell != "":
                    letter = get_column_letter(index + 1)
                    fail(None, f"в столбце {letter} нет заголовка, а в ячейке «{_shown(cell)}»")
            elif cell != "":
                try:
                    values[column.name] = column.parse(cell)
                except _Invalid as invalid:
                    fail(column.name, str(invalid))
                    values[column.name] = _MISSING
        for column in _COLUMNS:
            if column.required and column.name not in values:
                fail(column.name, "обязательное поле не заполнено")
        self._check_duplicate(number, values.get("id"), fail)
        place = self._place(values, fail)
        self._check_rules(values, fail)
        if errors or place is None:
            return None, errors
        return _program(values, *place), errors

    def _check_duplicate(self, number: int, program_id: Any, fail: _Fail) -> None:
        if not isinstance(program_id, str):
            return
        first = self.seen_ids.setdefault(program_id, number)
        if first != number:
            fail("id", f"«{program_id}» уже есть в строке {first}")

    def _place(self, values: dict[str, Any], fail: _Fail) -> tuple[str | None, str | None] | None:
        """The center and region ids as known, or None when they are wrong."""
        center, region = values.get("center_id"), values.get("region_slug")
        if center is _MISSING or region is _MISSING:
            return None
        center_region = None
        if center is not None:
            center_region = self.center_regions.get(center)
            if center_region is None:
                hint = _hint(center, self.center_regions)
                fail("center_id", f"нет центра с кодом «{center}»{hint}")
                return None
        if region is not None and region not in self.region_slugs:
            hint = _hint(region, self.region_slugs)
            fail("region_slug", f"нет региона с кодом «{region}»{hint}")
            return None
        if center_region is not None and region not in (None, center_region):
            fail(
                "region_slug",
                f"центр «{center}» находится в регионе «{center_region}», а здесь «{region}»; "
                "оставьте ячейку пустой или исправьте",
            )
            return None
        return center, region or center_region

    def _check_rules(self, values: dict[str, Any], fail: _Fail) -> None:
        form = values.get("format")
        if "center_id" not in values and form is not _MISSING and form is not Format.online:
            fail("format", "у программы без центра формат может быть только «онлайн»")
        price, cost = values.get("price_rub"), values.get("cost")
        if price not in (None, _MISSING) and cost not in (False, _MISSING):
            fail("price_rub", "цена указывается только у платных программ («Стоимость»: платно)")
        weights = [values.get(letter) for letter in "riasec"]
        if all(isinstance(w, float) for w in weights) and not any(weights):
            fail(None, "веса R, I, A, S, E, C: хотя бы один должен быть больше 0")
        youngest, oldest = values.get("min_age"), values.get("max_age")
        if isinstance(youngest, int) and isinstance(oldest, int) and youngest > oldest:
            fail("max_age", f"не может быть меньше, чем «Возраст от» ({youngest})")
        opens, closes = values.get("enroll_from"), values.get("enroll_until")
        if isinstance(opens, date) and isinstance(closes, date) and opens > closes:
            fail("enroll_until", "набор не может закончиться раньше, чем начался")
        residents = values.get("residents_only")
        if isinstance(residents, str) and residents not in self.region_slugs:
            hint = _hint(residents, self.region_slugs)
            fail("residents_only", f"нет региона с кодом «{residents}»{hint}")


def _hint(wrong: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(wrong, list(known), n=1)
    return f"; может быть, «{close[0]}»?" if close else ""


def _program(values: dict[str, Any], center: str | None, region: str | None) -> Program:
    return Program(
        id=values["id"],
        title=values["title"],
        center_id=center,
        region_slug=region,
        description=values.get("description"),
        duration_hours=values.get("duration_hours"),
        duration_weeks=values.get("duration_weeks"),
        format=values.get("format"),
        is_free=values.get("cost"),
        price_rub=values.get("price_rub"),
        audience=values.get("audience", frozenset()),
        weights=(values["r"], values["i"], values["a"], values["s"], values["e"], values["c"]),
        klimov=values.get("klimov"),
        next_start=values.get("next_start"),
        enroll_url=values.get("enroll_url"),
        source_url=values.get("source_url"),
        is_sample=values.get("is_sample", False),
        min_age=values.get("min_age"),
        max_age=values.get("max_age"),
        statuses=values.get("statuses", frozenset()),
        residents_only=values.get("residents_only"),
        enroll_from=values.get("enroll_from"),
        enroll_until=values.get("enroll_until"),
    )


# --- writing -------------------------------------------------------------------------------


def write_programs(programs: Iterable[Program], kind: FileKind) -> bytes:
    """English headers in the documented order, values in their Russian forms."""
    table = Table(
        name="programs",
        headers=tuple(column.name for column in _COLUMNS),
        rows=[[column.render(p) for column in _COLUMNS] for p in programs],
        widths=tuple(column.width for column in _COLUMNS),
    )
    return write_csv(table) if kind is FileKind.csv else write_xlsx(table)
