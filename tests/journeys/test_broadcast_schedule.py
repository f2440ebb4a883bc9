"""A scheduled broadcast through the dispatcher: the examples are computed from now, words
like «завтра 10:00» are read in the admin's time zone, a past time is refused clearly."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.when import parse_when
from bot.runtime.offline import ChatSimulator
from storage.db import Database
from tests.support.chat import MakeClient
from tests.support.settings import ADMIN_ID
from tests.support.sql import add_people, query

MSK = "Europe/Moscow"


async def test_an_admin_schedules_in_words_and_a_past_time_is_refused(
    make_client: MakeClient, db: Database
) -> None:
    await add_people(db, 3, consent_given_at="2026-11-01T00:00:00Z")
    admin = await make_client(user_id=ADMIN_ID, first_name="Админ")
    await admin.send("/broadcast")
    await admin.send("Ярмарка профессий в пятницу")
    await admin.click("Все подписчики (3)")
    await admin.click("Запланировать")
    prompt = admin.last_text
    assert f"({MSK})" in prompt
    examples = re.findall(r"«([^»]+)»", prompt)
    assert "завтра 10:00" in examples and "через 2 часа" in examples
    now = datetime.now(UTC)
    for example in examples:  # every example shown means a moment ahead
        parsed = parse_when(example, MSK, now)
        assert parsed.at is not None and parsed.at > now, example

    await admin.send("сегодня 00:00")
    assert "Это время уже прошло" in admin.last_text and "например" in admin.last_text
    await admin.send("когда-нибудь")
    assert "Не получилось понять день и время" in admin.last_text
    assert await query(db, "SELECT count(*) FROM broadcasts") == [(0,)]

    await admin.send("завтра 10:00")
    tomorrow = (datetime.now(ZoneInfo(MSK)) + timedelta(days=1)).strftime("%d.%m.%Y")
    assert any(f"запланирована на {tomorrow} 10:00" in t for t in recent_texts(admin))
    rows = await query(db, "SELECT status, scheduled_at, total FROM broadcasts")
    assert len(rows) == 1 and rows[0][0] == "scheduled" and rows[0][2] == 3
    at = datetime.strptime(rows[0][1], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert at.astimezone(ZoneInfo(MSK)).strftime("%d.%m.%Y %H:%M") == f"{tomorrow} 10:00"


def recent_texts(client: ChatSimulator) -> list[str]:
    return [m.text for m in list(client.messages.values())[-3:]]
