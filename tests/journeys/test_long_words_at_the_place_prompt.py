"""One 300-letter word at the place prompt cost ~0.3 s of event-loop CPU, since the typo
search built every deletion of it (issue 11, item 12). A word longer than any place name by
more than the typos allowed cannot be a misspelling: it is not searched, and the person gets
«не нашёл» with the region picker as for any unknown place."""

from __future__ import annotations

import string
import time

import pytest

from bot.domain.catalogue import load_regions
from bot.domain.geo import PlaceIndex
from bot.runtime.offline import ChatSimulator

CPU_BUDGET_MS = 20.0
# Letters that do not repeat soon, as a keyboard mash does: the costly case.
MASH = "йцукенгшщзхъфывапролджэячсмитьбю"
WORDS = {
    "300 letters": (MASH * 10)[:300],
    "4,000 letters": (MASH * 130)[:4000],
    "300 latin letters": (string.ascii_lowercase * 12)[:300],
    "eight 35-letter words": " ".join([MASH[:35]] * 8),
}


async def onboard(client: ChatSimulator) -> None:
    await client.send("/start")
    await client.click("Даю согласие")
    await client.click("Ищу работу")


@pytest.mark.parametrize("name", WORDS)
async def test_a_long_word_is_answered_quickly_with_the_picker(
    client: ChatSimulator, name: str
) -> None:
    await onboard(client)
    await client.send("/place")
    await client.send("Пермь")  # warm: the first lookup of a run builds nothing more
    await client.send("/place")
    started = time.process_time()
    await client.send(WORDS[name])
    spent_ms = (time.process_time() - started) * 1000
    assert "Не нашёл город или регион" in client.last_text
    assert "Приволжский" in client.button_labels()  # the federal districts
    assert spent_ms < CPU_BUDGET_MS, f"{name}: {spent_ms:.1f} ms of CPU for the whole update"


def test_the_search_itself_stays_far_below_the_budget() -> None:
    places = PlaceIndex(load_regions())
    for name, text in WORDS.items():
        started = time.process_time()
        for _ in range(10):
            assert places.lookup(text) is None
        per_lookup_ms = (time.process_time() - started) * 100
        assert per_lookup_ms < 2.0, f"{name}: {per_lookup_ms:.2f} ms"
    # Typos in real names are still forgiven.
    assert places.lookup("Свердловская облость") is not None
    found = places.lookup("в Екатеринбурке")
    assert found is not None and found.region.slug == "sverdlovsk-oblast" and not found.exact
