"""The search index in SQLite: the FAQ and the occupations are found by phrasing, the
programmes by their words, and the programme index follows the catalogue."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex
from bot.domain.intents import Intent
from bot.services.free_text import FreeText
from storage.db import Database
from storage.search import match_expression


def test_match_expression_quotes_every_term() -> None:
    assert match_expression(["сварщик", "or", "сварщик", 'x"y', ""]) == (
        '"сварщик" OR "or" OR "x""y"'
    )


async def test_understanding_uses_the_stored_faq(db: Database) -> None:
    free_text = FreeText.packaged()
    places = PlaceIndex(load_regions())
    cost = await free_text.understand(db, places, "скока стоит обучение")
    assert cost.intent is Intent.question and cost.faq is not None and cost.faq.id == "cost"
    welder = await free_text.understand(db, places, "хочу на сварщика выучиться")
    assert welder.intent is Intent.occupation and welder.occupations[0] == "welder"


async def test_the_programme_index_follows_the_catalogue(db: Database) -> None:
    free_text = FreeText.packaged()
    async with db.autocommit() as repos:
        some = (await repos.catalogue.all_programs())[0]
    assert await free_text.refresh_programs(db)
    assert not await free_text.refresh_programs(db)  # nothing changed
    renamed = replace(some, title="Укладка тротуарной плитки", description="брусчатка")
    async with db.transaction() as tx:
        await tx.catalogue.upsert_programs([renamed])
    assert await free_text.search_programs(db, "брусчатку") == [some.id]
