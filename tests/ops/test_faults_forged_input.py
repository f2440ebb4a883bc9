"""Forged and hostile input by the thousand, through the real dispatcher: every update is
answered within Telegram's limits, no handler fails, and nothing reaches an admin handler."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from aiogram import Dispatcher
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.runtime.offline import ChatSimulator, callback_answers
from storage.db import Database
from tests.support.chat import MakeClient
from tests.support.forgery import (
    FACTORIES,
    JUNK,
    AdminWatch,
    Forger,
    Tally,
    assert_no_admin_effects,
    calm_sentences,
    command_names,
    forge,
    fuzz_people,
    hits_known_bug,
    known_values,
    watch_admin_handlers,
)
from tests.support.logs import errors_logged

FUZZ_SEED = 20_251_126
LOOP_PAYLOADS = 8_500
HYPOTHESIS_PAYLOADS = 1_500  # with the loop: 10,000 forged updates


async def test_thousands_of_forged_updates_are_answered_and_reach_no_admin_handler(
    make_client: MakeClient, dispatcher: Dispatcher, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    watch = watch_admin_handlers(dispatcher)
    people = await fuzz_people(make_client)
    rng = random.Random(FUZZ_SEED)
    forger = Forger(rng, await known_values(db, people), command_names())
    tally = Tally()
    for number in range(LOOP_PAYLOADS):
        if number % 250 == 0:
            forger.pools = await known_values(db, people)
        person = rng.choice(people)
        if rng.random() < 0.6:
            shown = list(person.messages)
            message_id = rng.choice(shown) if shown and rng.random() < 0.8 else None
            await forge(person, tally, "callback", forger.callback(), message_id)
        else:
            await forge(person, tally, "text", forger.text())
    assert tally.payloads == LOOP_PAYLOADS
    assert errors_logged(caplog) == []
    assert tally.calm_sentences == 0
    await assert_no_admin_effects(db, watch, tally)


def forged_callbacks() -> st.SearchStrategy[str]:
    prefixes = st.sampled_from(sorted({f.__prefix__ for f in FACTORIES}))
    tails = st.text(st.characters(codec="utf-8"), max_size=70)
    parts = st.one_of(
        st.sampled_from(JUNK), st.integers(-(2**70), 2**70).map(str), tails.map(str.strip)
    )
    return st.one_of(
        st.builds(lambda prefix, tail: f"{prefix}:{tail}", prefixes, tails),
        st.builds(lambda p, fields: ":".join([p, *fields]), prefixes, st.lists(parts, max_size=5)),
        tails,
    ).filter(lambda payload: not hits_known_bug(payload))


@dataclass
class Shared:
    """One dispatcher and three people for all examples: a fresh set per example would cost
    more than the examples."""

    people: list[ChatSimulator] = field(default_factory=list)
    watch: AdminWatch = field(default_factory=AdminWatch)
    tally: Tally = field(default_factory=Tally)


@pytest.fixture
def shared() -> Shared:
    return Shared()


@hypothesis_settings(
    max_examples=HYPOTHESIS_PAYLOADS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kind=st.sampled_from(["callback", "text"]),
    callback=forged_callbacks(),
    text=st.text(st.characters(codec="utf-8"), min_size=1, max_size=300),
    who=st.integers(0, 2),
)
async def test_hypothesis_forged_updates_are_answered_and_reach_no_admin_handler(
    make_client: MakeClient,
    dispatcher: Dispatcher,
    db: Database,
    caplog: pytest.LogCaptureFixture,
    shared: Shared,
    kind: str,
    callback: str,
    text: str,
    who: int,
) -> None:
    if not shared.people:
        shared.watch = watch_admin_handlers(dispatcher)
        shared.people = await fuzz_people(make_client)
    person = shared.people[who]
    message_id = next(reversed(person.messages), None)
    await forge(person, shared.tally, kind, callback if kind == "callback" else text, message_id)
    assert errors_logged(caplog) == []
    assert shared.tally.calm_sentences == 0
    await assert_no_admin_effects(db, shared.watch, shared.tally)


async def test_cancelling_an_application_for_a_long_forged_id_is_a_stale_button(
    client: ChatSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    await client.send("/start")
    replies = await client.send_callback("ap:no:" + "x" * 58)  # 64 bytes, as Telegram allows
    assert len(callback_answers(replies)) == 1
    assert errors_logged(caplog) == []
    assert calm_sentences(replies) == []
