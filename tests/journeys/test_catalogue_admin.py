"""Catalogue files for admins: an import with its report, a file from someone else, and long
or HTML values within Telegram's limits."""

from __future__ import annotations

import pytest
from aiogram.methods import SendDocument

from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.catalogue_files import staff_csv
from tests.support.chat import MakeClient, onboard
from tests.support.settings import ADMIN_ID

# Applications and questions go to the consultants' chat, as in production.
pytestmark = pytest.mark.staff_chat

ROW = {
    "Код": "perm-boiler",
    "Название": "Оператор котельной",
    "Код центра": "copp-perm-krai",
    "Часов": "144",
    "Формат": "очно",
    "R": "0,9",
    "I": "0",
    "A": "0",
    "S": "0",
    "E": "0",
    "C": "0,4",
}


async def test_an_admin_imports_a_file_and_gets_a_report(
    make_client: MakeClient, db: Database
) -> None:
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    bad = staff_csv([ROW, ROW | {"Код": "perm-2", "Часов": "сорок"}])
    await admin.send("/catalogue")  # the bot waits for the file
    await admin.send_document("программы.csv", bad)
    report = admin.last_text
    assert report.startswith("❌ программы.csv: ничего не загружено")
    assert "строка 3" in report and "сорок" in report
    async with db.autocommit() as repos:
        assert await repos.catalogue.program("perm-boiler") is None

    await admin.send_document("программы.csv", staff_csv([ROW]))
    assert admin.last_text.startswith("✅ программы.csv: загружено программ — 1 (новых — 1")
    await admin.send("/catalogue")  # an import ends the waiting
    await admin.send_document("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    assert admin.last_text.startswith("❌ photo.png: ничего не загружено")

    replies = await admin.send("/catalogue")
    documents = [r.method for r in replies if isinstance(r.method, SendDocument)]
    assert len(documents) == 2


async def test_a_file_from_someone_else_is_not_imported(
    client: ChatSimulator, db: Database
) -> None:
    await onboard(client)
    await client.send_document("программы.csv", staff_csv([ROW]))
    assert "кнопки и команды" in client.last_text
    await client.send("/catalogue")
    assert "не знаю команду" in client.last_text.lower()
    async with db.autocommit() as repos:
        assert await repos.catalogue.program("perm-boiler") is None


async def test_long_and_html_catalogue_values_stay_within_telegram_limits(
    make_client: MakeClient,
) -> None:
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    title = ("<b>Сварка</b> & " * 20)[:200]
    row = ROW | {
        "Название": title,
        "Описание": ("Опишем <i>всё</i> & подробно. " * 30)[:600],
        "Источник": ("https://example.ru/" + "x" * 470),
        "Для кого": "взрослые|50+|родители|студенты",
        "Старт": "01.02.2027",
    }
    await admin.send("/catalogue")
    await admin.send_document("long.csv", staff_csv([row]))
    assert admin.last_text.startswith("✅")
    await admin.send_callback("pg:card:perm-boiler:0")
    card = admin.last_text
    assert len(card) <= 4096
    assert "&lt;b&gt;Сварка&lt;/b&gt; &amp;" in card and "<b>Сварка</b>" not in card
    assert "Ближайший старт: 01.02.2027" in card

    bad_rows = [ROW | {"Код": f"bad-{i}", "Часов": "много" * 20} for i in range(400)]
    await admin.send("/catalogue")
    await admin.send_document("bad.csv", staff_csv(bad_rows))
    report = admin.last_text
    assert len(report) <= 4096 and report.rstrip().endswith(".")
    assert "…и ещё" in report and "строка 2: Часов: нужно целое число" in report
