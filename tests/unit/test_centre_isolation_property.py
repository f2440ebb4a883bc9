"""A property over random admin actions: no centre admin ever reads or changes another
centre's rows — applications (status taps, in private or in their own staff chat), the
numbers, the export, and catalogue imports (any mix of own, foreign and online rows, with or
without «replace») — while network admins add, move and remove centre admins in between."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.domain.catalogue_files import ImportResult
from bot.services import catalogue_files, centre_admins, exports
from bot.services.centre_admins import Reason, Stage
from bot.services.database import open_database
from storage.db import Database
from tests.support.catalogue_files import perm_program
from tests.support.settings import make_settings

CENTRES = ("copp-perm-krai", "copp-sverdlovsk-oblast", "copp-tula-oblast")
CHATS = {centre: -1001000000100 - n for n, centre in enumerate(CENTRES)}
NETWORK = 9001
ADMINS = (5001, 5002, 5003, 5004)
PEOPLE = range(3001, 3007)

actors = st.sampled_from(ADMINS)
centres = st.sampled_from(CENTRES)
actions = st.one_of(
    st.tuples(st.just("add"), actors, centres),
    st.tuples(st.just("remove"), actors),
    st.tuples(
        st.just("stage"),
        actors,
        st.integers(1, len(PEOPLE) * 2),
        st.sampled_from(list(Stage)),
        st.sampled_from(list(Reason)),
        st.booleans(),  # tapped in the actor's own centre chat (else in private)
    ),
    st.tuples(st.just("read"), actors, st.integers(1, len(PEOPLE) * 2)),
    st.tuples(st.just("numbers"), actors),
    st.tuples(st.just("export"), actors),
    st.tuples(
        st.just("import"),
        actors,
        st.lists(
            st.tuples(
                st.sampled_from(["own", "p1", "p2", "p3"]), st.sampled_from([*CENTRES, None])
            ),
            min_size=1,
            max_size=4,
        ),
        st.booleans(),
    ),
)


@pytest.fixture(scope="module")
def template() -> Path:
    """A database with three centres (each with a staff chat and an admin) and applications
    to each and online ones."""
    folder = Path(tempfile.mkdtemp(prefix="centre-property-"))

    async def build() -> None:
        db = await open_database(folder / "bot.sqlite3")
        async with db.transaction() as tx:
            for centre, chat in CHATS.items():
                await tx.centres.bind_chat(centre, chat, NETWORK)
            for admin, centre in zip(ADMINS, CENTRES, strict=False):  # the last one: nobody's
                await tx.centres.add_admin(admin, centre, NETWORK)
            await tx.catalogue.upsert_programs(
                [perm_program(id=f"p{n}", center_id=c) for n, c in enumerate(CENTRES, 1)]
            )
            for n, user_id in enumerate(PEOPLE):
                await tx.users.ensure(user_id)
                for k in range(2):
                    to: str | None = CENTRES[(n + k) % len(CENTRES)] if (n + k) % 4 else None
                    await tx.leads.add(
                        user_id=user_id,
                        program_id=f"x{n}-{k}",
                        center_id=to,
                        program_title="Программа",
                        name="Имя",
                        phone="+79120000000",
                        quiz_code=None,
                    )
        await db.close()

    asyncio.run(build())
    return folder / "bot.sqlite3"


async def snapshot(db: Database) -> dict[str, Any]:
    async with db.autocommit() as repos:
        leads = {}
        for user_id in PEOPLE:
            for lead in await repos.leads.of_user(user_id):
                leads[lead.id] = lead
        programmes = {p.id: p for p in await repos.catalogue.all_programs()}
    return {"leads": leads, "programmes": programmes}


def changed_centres(before: dict[str, Any], after: dict[str, Any]) -> set[str | None]:
    """The centres whose rows differ (a programme that appeared or moved counts for both)."""
    found: set[str | None] = set()
    for kind in ("leads", "programmes"):
        old, new = before[kind], after[kind]
        for key in old.keys() | new.keys():
            if old.get(key) != new.get(key):
                found.update(x.center_id for x in (old.get(key), new.get(key)) if x is not None)
    return found


async def run(path: Path, steps: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch) -> None:
    db = await open_database(path)
    config: Settings = make_settings(path.parent, admin_ids=frozenset({NETWORK}))
    try:
        for step in steps:
            await one(db, config, step, monkeypatch)
    finally:
        await db.close()


async def one(
    db: Database, config: Settings, step: tuple[Any, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, actor = step[0], step[1]
    if kind == "add":
        await centre_admins.add_admin(db, NETWORK, actor, step[2])
        return
    if kind == "remove":
        own = await centre_admins.role_of(db, config, actor)
        if own is not None and own.center_id is not None:
            await centre_admins.remove_admin(db, NETWORK, actor, own.center_id)
        return
    role = await centre_admins.role_of(db, config, actor)
    before = await snapshot(db)
    if kind == "stage":
        _kind, _actor, lead_id, stage, reason, in_chat = step
        chat = CHATS[role.center_id] if role and role.center_id and in_chat else actor
        await centre_admins.set_stage(
            db, config, lead_id=lead_id, stage=stage, reason=reason, actor=actor, chat_id=chat
        )
    elif role is None:
        return  # not an admin: the admin routers never reach these services
    elif kind == "read":
        lead = await centre_admins.lead_for(db, role, step[2])
        assert lead is None or lead.center_id == role.center_id
    elif kind == "numbers":
        rows = await centre_admins.centre_numbers(db, role.center_id)
        assert all(r.center_id == role.center_id for r in rows)
    elif kind == "export":
        assert role.center_id is not None
        files = await exports.export_centre_leads(db, role.center_id)
        async with db.autocommit() as repos:
            active = await repos.leads.recent_of_center(role.center_id, 1000)
        assert files[0].rows >= len(active)  # withdrawn ones too
        everyone = await snapshot(db)
        foreign = {i for i, lead in everyone["leads"].items() if lead.center_id != role.center_id}
        text = files[1].content.decode("utf-8-sig")
        ids = {line.split(";")[0] for line in text.splitlines()[1:]}
        assert not ids & {str(i) for i in foreign}
    elif kind == "import":
        _kind, _actor, rows, replace_all = step
        programmes = [
            perm_program(id=f"{pid}-{actor}" if pid == "own" else pid, center_id=centre)
            for pid, centre in rows
        ]
        result = ImportResult(programs=programmes, rows=list(range(2, 2 + len(programmes))))

        async def read(*_args: object, **_kwargs: object) -> ImportResult:
            return replace(result)

        monkeypatch.setattr(catalogue_files, "read_catalogue_file", read)
        await catalogue_files.import_programs(
            db, "file.csv", b"x", replace=replace_all, centre=role.center_id
        )
    after = await snapshot(db)
    if role is None:
        assert changed_centres(before, after) <= {None} or not changed_centres(before, after)
        assert before["leads"] == after["leads"]
    else:
        assert changed_centres(before, after) <= {role.center_id}, step


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(actions, min_size=1, max_size=12))
def test_no_centre_admin_reads_or_changes_another_centres_rows(
    template: Path, steps: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="centre-property-run-"))
    try:
        shutil.copy(template, folder / "bot.sqlite3")
        asyncio.run(run(folder / "bot.sqlite3", steps, monkeypatch))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
