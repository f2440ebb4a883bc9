"""compose.yaml: the default service as it was, and the `scale` profile (PostgreSQL, Redis, two
webhook workers, nginx) wired with settings the bot reads. Checked without Docker: the file's
services, profiles and environment are compared with `Settings` and deploy/nginx.conf."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.runners.webhook import DEFAULT_PATH
from bot.runtime.health import HEALTH_PATH

ROOT = Path(__file__).resolve().parents[2]
SCALE = {"postgres", "redis", "migrate", "worker-1", "worker-2", "nginx"}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text("utf-8"))
    return loaded


def settings_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_the_default_service_runs_alone_and_polls(compose: dict[str, Any]) -> None:
    services = compose["services"]
    default = [name for name, service in services.items() if "profiles" not in service]
    assert default == ["bot"]
    bot = services["bot"]
    assert "command" not in bot  # the image's: polling
    assert bot["environment"] == {"DATABASE_PATH": "/data/bot.sqlite3"}
    assert "bot-data:/data" in bot["volumes"]


def test_the_scale_profile_has_its_services(compose: dict[str, Any]) -> None:
    services = compose["services"]
    scale = {name for name, s in services.items() if "scale" in s.get("profiles", ())}
    assert scale == SCALE
    assert services["postgres"]["image"] == "postgres:15"
    assert "--locale=C.UTF-8" in services["postgres"]["environment"]["POSTGRES_INITDB_ARGS"]
    assert services["migrate"]["command"] == ["python", "-m", "bot", "migrate"]
    for name in ("worker-1", "worker-2"):
        worker = services[name]
        assert worker["image"] == services["bot"]["image"]
        assert worker["command"] == ["python", "-m", "bot", "webhook"]
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])


def test_the_workers_settings_are_the_bots(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("migrate", "worker-1", "worker-2"):
        environment = services[name]["environment"]
        assert set(environment) <= settings_names(), name
        url = environment["DATABASE_URL"]
        assert re.fullmatch(r"postgresql://copp:\$\{POSTGRES_PASSWORD:-\}@postgres:5432/copp", url)
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert int(services["worker-1"]["environment"]["WEBHOOK_PORT"]) == 8080


def test_nginx_sends_the_webhook_to_both_workers(compose: dict[str, Any]) -> None:
    nginx = compose["services"]["nginx"]
    mount = next(v for v in nginx["volumes"] if "nginx.conf" in v)
    source = mount.split(":")[0]
    conf = (ROOT / source).read_text("utf-8")
    port = compose["services"]["worker-1"]["environment"]["WEBHOOK_PORT"]
    assert f"server worker-1:{port}" in conf and f"server worker-2:{port}" in conf
    assert f"location = {DEFAULT_PATH} {{" in conf
    assert f"location = {HEALTH_PATH} {{" in conf
    assert "X-Telegram-Bot-Api-Secret-Token" in conf
    assert conf.count("{") == conf.count("}")
