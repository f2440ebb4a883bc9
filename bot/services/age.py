"""The person's age band, asked once with one tap. Kept in the conversation data (which /forget
clears) under the same key the profile uses for it."""

from __future__ import annotations

from bot.domain.enrolment import AgeBand
from bot.services.profile import ConversationData
from storage.db import Database
from storage.users import UserRow

AGE_BAND_KEY = "age_band"


async def current_age_band(
    user_row: UserRow | None, conversation: ConversationData
) -> AgeBand | None:
    raw = (await conversation.get_data()).get(AGE_BAND_KEY)
    try:
        return AgeBand(raw) if raw is not None else None
    except ValueError:
        return None


async def save_age_band(
    db: Database, user_row: UserRow, conversation: ConversationData, band: AgeBand
) -> None:
    await conversation.update_data({AGE_BAND_KEY: band.value})
