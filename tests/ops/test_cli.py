"""The command line: `python -m bot migrate`, `export` and `catalogue`, and `python -m bot` with
nothing to run on."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.__main__ import main
from storage.db import Database, load_migrations
from tests.support.catalogue_files import staff_csv, staff_row
from tests.support.chat import MakeClient
from tests.support.population import populate, sheet_rows
from tests.support.processes import bot_env, run_bot


def test_migrate_command_creates_the_database(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(clean_env / "deep" / "bot.sqlite3"))
    assert main(["migrate"]) == 0
    assert f"schema version {len(load_migrations())}" in capsys.readouterr().out
    assert (clean_env / "deep" / "bot.sqlite3").is_file()


def test_unusable_database_is_one_sentence(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = clean_env / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 50)
    monkeypatch.setenv("DATABASE_PATH", str(broken))
    assert main(["migrate"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("The database at DATABASE_PATH cannot be used")
    assert error.count("\n") == 1


def test_running_without_token_exits_with_the_hint(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 2
    error = capsys.readouterr().err.strip()
    assert "BOT_TOKEN" in error and "@BotFather" in error and "\n" not in error


async def test_export_from_the_command_line(
    tmp_path: Path, make_client: MakeClient, db: Database
) -> None:
    await populate(make_client, db)
    out = tmp_path / "out"
    env = bot_env(tmp_path, DATABASE_PATH=str(db.path), BOT_TOKEN="")
    finished = await run_bot(tmp_path, env, "export", str(out), merge_output=True)
    output = finished.stdout
    assert finished.code == 0, output
    names = ["people", "results", "applications"]
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(f"{n}.{kind}" for n in names for kind in ("xlsx", "csv"))
    assert f"{out / 'people.xlsx'}: 5 rows" in output
    assert f"{out / 'applications.csv'}: 3 rows" in output
    people = sheet_rows((out / "people.xlsx").read_bytes())
    assert sorted(int(str(r["id"])) for r in people) == [1001, 1002, 1003, 1004, 1005]
    assert "Секретный".encode() not in (out / "people.csv").read_bytes()


async def test_catalogue_command_line_import_and_export(tmp_path: Path) -> None:
    env = bot_env(tmp_path, DATABASE_PATH=str(tmp_path / "cli.sqlite3"), BOT_TOKEN="")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(staff_csv([staff_row("x-1", **{"Код центра": "copp-nowhere"})]))
    good = tmp_path / "good.csv"
    good.write_bytes(staff_csv([staff_row("x-1"), staff_row("x-2")]))
    out = tmp_path / "out.xlsx"

    async def run(*args: str) -> tuple[int, str]:
        finished = await run_bot(tmp_path, env, "catalogue", *args, merge_output=True)
        return finished.code, finished.stdout

    code, output = await run("import", str(bad))
    assert code == 1 and "nothing imported" in output and "row 2" in output
    code, output = await run("import", str(good), "--replace")
    assert code == 0 and "imported 2 programmes (2 new, 0 updated" in output
    code, output = await run("export", str(out))
    assert code == 0 and "Exported 2 programmes" in output and out.read_bytes()[:2] == b"PK"
