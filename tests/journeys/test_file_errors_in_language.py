"""An admin's file refused: the reason in the admin's own language, with the fix, and the
limit that was reached named (issue 11, item 12: «not a CSV or XLSX file» used to appear in
English inside Russian replies, and a UTF-16 CSV got the generic message)."""

from __future__ import annotations

import codecs

import pytest

from bot.runtime.offline import ChatSimulator
from tests.conftest import ADMIN_ID, MakeClient
from tests.ops.workbooks import far_row

HEADER = "Код;Название;Формат;R;I;A;S;E;C\r\n"


async def admin(make_client: MakeClient, language: str) -> ChatSimulator:
    person = await make_client(user_id=ADMIN_ID, first_name="Ольга", language_code=language)
    await person.send("/catalogue")  # where a file is taken as a catalogue to import
    return person


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", ["ничего не загружено", "UTF-16", "«CSV UTF-8 (разделитель — запятая)»"]),
        ("en", ["nothing imported", "UTF-16", "«CSV UTF-8 (Comma delimited)»"]),
    ],
)
async def test_a_utf16_csv_gets_the_hint_to_save_it_as_utf8(
    make_client: MakeClient, language: str, expected: list[str]
) -> None:
    person = await admin(make_client, language)
    await person.send_document("программы.csv", codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le"))
    for fact in expected:
        assert fact in person.last_text


@pytest.mark.parametrize(
    ("language", "expected", "foreign"),
    [
        ("ru", "Это не таблица: пришлите файл CSV или книгу Excel (.xlsx).", "not a"),
        ("en", "This is not a table: send a CSV file or an Excel workbook (.xlsx).", "таблица"),
    ],
)
async def test_what_is_not_a_table_is_said_in_the_admins_language(
    make_client: MakeClient, language: str, expected: str, foreign: str
) -> None:
    person = await admin(make_client, language)
    await person.send_document("report.pdf", b"%PDF-1.7\n%%EOF\n")
    assert expected in person.last_text
    assert foreign not in person.last_text


async def test_the_limit_reached_is_named(make_client: MakeClient) -> None:
    person = await admin(make_client, "ru")
    await person.send_document("программы.xlsx", far_row())
    text = person.last_text
    assert text.startswith("❌ программы.xlsx: ничего не загружено")
    assert "На листе больше 100\u202f000 строк, считая пустые" in text
    assert "Удалите пустые строки под таблицей" in text


async def test_column_names_from_the_file_are_escaped(make_client: MakeClient) -> None:
    person = await admin(make_client, "ru")
    data = (HEADER.rstrip() + ";<b>Комментарий</b>\r\n").encode()
    await person.send_document("программы.csv", data)
    assert "Неизвестные столбцы: «&lt;b&gt;Комментарий&lt;/b&gt;»" in person.last_text
