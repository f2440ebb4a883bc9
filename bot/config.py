"""Settings from environment variables (and an optional `.env` file)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Locale = Literal["ru", "en"]
SUPPORTED_LOCALES: tuple[Locale, ...] = ("ru", "en")


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one sentence meant for a person."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    database_path: Path = Path("data/bot.sqlite3")
    # `sqlite:///data/bot.sqlite3` or `postgresql://user:password@host:5432/name`; when
    # unset, the SQLite file at `database_path`.
    database_url: str | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    default_locale: Locale = "ru"
    consultant_chat_id: int | None = None
    broadcast_rate: float = Field(default=25.0, gt=0, le=30)
    redis_url: str | None = None
    # How long one person's lock in Redis lasts at most: the update that took it normally
    # releases it at once, but a worker killed while handling one leaves it until then.
    redis_lock_seconds: float = Field(default=60.0, ge=1, le=600)
    lease_seconds: float = Field(default=30.0, ge=1, le=3600)
    reach_km: float = Field(default=150.0, gt=0, le=10000)
    # An application still «новая» this many working days after it reached a centre is
    # flagged once to the centre's admins.
    lead_flag_days: int = Field(default=2, ge=1, le=60)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # a webhook server listens on every interface
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Health: checked every `health_interval` seconds (the database answers, and its file is
    # the one opened); a file touched on every healthy check, and `GET /healthz` in polling
    # mode (webhook mode serves it on the webhook's port).
    health_interval: float = Field(default=5.0, ge=0.1, le=300)
    health_file: Path | None = None
    health_host: str = "127.0.0.1"
    health_port: int | None = Field(default=None, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        """Accept `1,2,3`, a JSON list `[1, 2, 3]`, or an empty value."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return frozenset()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError("must start with sqlite:/// (a file) or postgresql:// (a server)")
        return value

    @property
    def database(self) -> str:
        """The URL of the database the bot uses."""
        return self.database_url or f"sqlite:///{self.database_path}"

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("bot_token", "webhook_secret", "redis_url", "webhook_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("consultant_chat_id", mode="before")
    @classmethod
    def _empty_chat_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("consultant_chat_id")
    @classmethod
    def _staff_chat_is_not_an_admin(cls, value: int | None, info: ValidationInfo) -> int | None:
        """A person's own chat as the staff chat would swallow everything they write to the
        bot; an admin's id there is the usual slip (a known person's is checked at start)."""
        if value is not None and value > 0 and value in info.data.get("admin_ids", ()):
            raise ValueError(
                "it is the id of an admin (ADMIN_IDS), a private chat, while the consultants "
                "need a staff group — add the bot to the group and use the group's id, which "
                "starts with -100"
            )
        return value

    @field_validator("health_file", "health_port", mode="before")
    @classmethod
    def _empty_health_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def require_token(self) -> str:
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise SettingsError(
                "BOT_TOKEN is not set: get a token from @BotFather and put it in the "
                "environment or in .env, or try the bot without one: python -m bot chat"
            )
        return self.bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read settings; on a bad value raise SettingsError naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raw = first.get("input")
        secret = any(
            w in name for w in ("TOKEN", "SECRET", "REDIS_URL", "DATABASE_URL")
        )  # passwords
        shown = "" if secret else f" (got {raw!r})"
        reason = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name} is invalid{shown}: {reason}.") from None
