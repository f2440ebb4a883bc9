"""The FAQ for admins: /faq, download, a refused upload named by row and column, a good upload
that replaces the list and is answered from at once; nobody else can use it."""

from __future__ import annotations

from aiogram.methods import SendDocument

from bot.domain.faq import read_faq_csv
from bot.runtime.offline import ChatSimulator, OfflineSession
from bot.services.faq import read_faq_file
from storage.db import Database
from tests.support.chat import MakeClient, onboard, sent_texts
from tests.support.settings import ADMIN_ID

HEADER = "id;question_ru;question_en;answer_ru;answer_en;patterns_ru;patterns_en;next;source_url"
GOOD = (
    "parking;Где парковаться?;Where to park?;Парковка во дворе колледжа.;"
    "In the college yard.;где парковка|где оставить машину;where to park;centers;"
    "https://xn--n1acaz.xn--p1ai/"
)


def csv_file(*rows: str) -> bytes:
    return ("\r\n".join((HEADER, *rows)) + "\r\n").encode("utf-8-sig")


async def test_download_upload_and_answer(
    make_client: MakeClient, session: OfflineSession, db: Database
) -> None:
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/faq")
    assert "Вопросы и ответы</b>: в списке 17 шт." in admin.last_text
    await admin.click("Скачать")
    files = [r.method for r in session.requests if isinstance(r.method, SendDocument)]
    assert {getattr(f.document, "filename", "") for f in files} == {"faq.xlsx", "faq.csv"}
    exported = files[-1].document.data  # type: ignore[union-attr]
    assert len(read_faq_file("faq.csv", exported).entries) == 17

    await admin.click("Загрузить")
    bad = GOOD.replace("https://xn--n1acaz.xn--p1ai/", "сайт цопп")
    await admin.send_document("faq.csv", csv_file(bad, "parking;;;;;;;;"))
    report = admin.last_text
    assert report.startswith("❌ faq.csv: ничего не изменено")
    assert "строка 2 (source_url): нужен адрес сайта" in report
    assert "строка 3 (id): код «parking» встречается дважды" in report
    assert "строка 3 (question_ru): ячейка пустая" in report
    async with db.autocommit() as repos:
        assert await repos.faq.count() == 17

    await admin.send_document("faq.csv", csv_file(GOOD))
    assert admin.last_text == "✅ faq.csv: вопросов в списке теперь 1 (было 17)."
    async with db.autocommit() as repos:
        assert [e.id for e in await repos.faq.all()] == ["parking"]
        assert "faq.import" in [row.action for row in await repos.audit.recent()]

    person = await make_client(user_id=555, first_name="Оля")
    await onboard(person)
    (answer,) = sent_texts(await person.send("где парковка?"))
    assert "Парковка во дворе колледжа." in answer


async def test_someone_else_cannot_use_faq(client: ChatSimulator) -> None:
    await onboard(client)
    await client.send("/faq")
    assert "Вопросы и ответы</b>" not in client.last_text
    await client.send_callback("fq:up")
    assert "Вопросы и ответы" not in client.last_text


def test_the_packaged_faq_reads_back_from_its_own_export() -> None:
    from bot.domain.faq import faq_table, load_faq  # noqa: PLC0415
    from bot.domain.spreadsheets import write_csv, write_xlsx  # noqa: PLC0415

    entries = load_faq()
    assert read_faq_file("faq.csv", write_csv(faq_table(entries))).entries == entries
    assert read_faq_file("faq.xlsx", write_xlsx(faq_table(entries))).entries == entries
    assert read_faq_csv(csv_file(GOOD).decode("utf-8-sig")).ok
