"""The layers' rules, read from the source: where each kind of code may reach.

`bot/domain` is pure; `bot/services` knows no aiogram; `storage` knows only domain types;
workers and services never call up into handlers; only the app factory wires handlers in;
handlers hold no SQL. Breaking one of these is a design change: change the rule here on purpose.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT)\b")


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"


def modules() -> list[Module]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append(Module(name, path, ast.parse(path.read_text("utf-8"), str(path))))
    return found


MODULES = modules()
NAMES = {module.name for module in MODULES}


def imported(module: Module) -> Iterator[tuple[str, int]]:
    """Every module this one imports, with the line, resolving `from package import module`."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.name.split(".")
                if not module.is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:
                if f"{target}.{alias.name}" in NAMES:
                    yield f"{target}.{alias.name}", node.lineno


def within(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def violations(source: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{module.path.relative_to(ROOT)}:{line} imports {target}"
        for module in MODULES
        if within(module.name, *source)
        for target, line in imported(module)
        if within(target, *forbidden)
    ]


def test_the_rules_see_every_layer() -> None:
    for layer in ("bot.domain", "bot.services", "bot.runtime", "bot.workers", "bot.runners"):
        assert any(within(name, layer) for name in NAMES), layer
    assert any(within(name, "handlers.admin") for name in NAMES)


@pytest.mark.parametrize(
    ("source", "forbidden"),
    [
        (("bot.domain",), ("aiogram", "aiosqlite", "storage", "handlers", "bot.services",
                           "bot.runtime", "bot.workers", "bot.runners", "bot.app")),
        (("bot.services",), ("aiogram", "handlers", "bot.runtime",
                             "bot.runners", "bot.app")),
        (("bot.workers",), ("handlers", "bot.runners", "bot.app")),
        (("bot.runtime",), ("handlers", "bot.runners", "bot.app")),
        (("storage",), ("handlers", "bot.services", "bot.runtime", "bot.workers",
                        "bot.runners", "bot.app", "bot.config")),
        (("handlers",), ("aiosqlite", "bot.app", "bot.runners")),
    ],
)  # fmt: skip
def test_layer_does_not_reach(source: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    assert violations(source, forbidden) == []


def test_storage_takes_only_domain_types_from_bot() -> None:
    found = violations(("storage",), ("bot",))
    assert [
        line for line in found if not line.split(" imports ")[1].startswith("bot.domain")
    ] == []


def test_storage_meets_aiogram_only_in_the_fsm_storage() -> None:
    found = violations(("storage",), ("aiogram",))
    assert [line for line in found if not line.startswith("storage/fsm.py:")] == []


def test_only_the_app_factory_imports_handlers() -> None:
    importers = {
        module.name
        for module in MODULES
        if not within(module.name, "handlers")
        for target, _line in imported(module)
        if within(target, "handlers")
    }
    assert importers <= {"bot.app"}


def test_handlers_hold_no_sql_and_no_raw_connection() -> None:
    found = []
    for module in MODULES:
        if not within(module.name, "handlers"):
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if SQL.match(node.value):
                    found.append(f"{module.path.relative_to(ROOT)}:{node.lineno} SQL")
            elif isinstance(node, ast.Attribute) and node.attr in {"conn", "_conn"}:
                found.append(f"{module.path.relative_to(ROOT)}:{node.lineno} raw connection")
    assert found == []


def test_no_code_outside_storage_touches_a_raw_connection() -> None:
    found = [
        f"{module.path.relative_to(ROOT)}:{node.lineno}"
        for module in MODULES
        if not within(module.name, "storage")
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Attribute) and node.attr in {"conn", "_conn"}
    ]
    assert found == []


def test_no_import_cycles() -> None:
    """Over every import, also those inside functions (a cycle hidden in a function is still
    a cycle of layers); a cycle is printed as the path around it."""
    graph = {
        module.name: {target for target, _line in imported(module) if target in NAMES}
        for module in MODULES
    }
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []
    cycles: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for target in sorted(graph[name]):
            # A package's __init__ importing its own submodules is not a cycle of layers.
            if within(target, name):
                continue
            if state.get(target) == 1:
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)
    assert cycles == []
