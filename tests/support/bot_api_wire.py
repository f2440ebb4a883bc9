"""The fake Bot API's wire format: the method's aiogram class and its params, read from any
encoding aiogram or a person may use (query string, JSON, url-encoded or multipart form), and
Telegram's error answers."""

from __future__ import annotations

import json
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

import aiogram.methods
from aiogram.client.default import Default
from aiogram.methods import TelegramMethod
from aiogram.types import BufferedInputFile
from aiohttp import web

Params = dict[str, Any]
# Telegram's descriptions for failures injected without one of their own.
DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def _method_classes() -> dict[str, type[TelegramMethod[Any]]]:
    """aiogram's method classes by lower-case API name (Telegram ignores the case)."""
    found: dict[str, type[TelegramMethod[Any]]] = {}
    for value in vars(aiogram.methods).values():
        if (
            isinstance(value, type)
            and issubclass(value, TelegramMethod)
            and isinstance(getattr(value, "__api_method__", None), str)
        ):
            found[value.__api_method__.lower()] = value
    return found


METHODS = _method_classes()


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request."""

    filename: str
    content: bytes


async def read_params(request: web.Request, cls: type[TelegramMethod[Any]] | None) -> Params:
    """Params of any encoding. Form values are strings, so they are decoded back into JSON
    values unless the method declares the field as text."""
    params: Params = {name: _decode(cls, name, value) for name, value in request.query.items()}
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError as error:
            raise ValueError("can't parse JSON") from error
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        params.update(body)
        return params
    files: dict[str, UploadedFile] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            files[name] = UploadedFile(value.filename, value.file.read())
        elif isinstance(value, bytes | bytearray):
            params[name] = _decode(cls, name, value.decode())
        else:
            params[name] = _decode(cls, name, value)
    # aiogram sends a file as `field=attach://<part>` plus a part of that name.
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part in files:
                params[name] = files.pop(part)
    params.update(files)
    return params


def for_validation(params: Params) -> Params:
    """Uploaded files become aiogram input files, which the method models accept."""
    return {
        name: BufferedInputFile(value.content, value.filename)
        if isinstance(value, UploadedFile)
        else value
        for name, value in params.items()
    }


def _decode(cls: type[TelegramMethod[Any]] | None, name: str, value: str) -> Any:
    if cls is not None and _is_text(cls, name):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _is_text(cls: type[TelegramMethod[Any]], name: str) -> bool:
    """Whether the field only ever holds a string (so "123" or "[1]" stay text)."""
    field = cls.model_fields.get(name)
    if field is None:
        return False
    kinds = set(_union_members(field.annotation)) - {type(None), Default}
    return kinds == {str}


def _union_members(annotation: Any) -> Iterator[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        for member in get_args(annotation):
            yield from _union_members(member)
    else:
        yield annotation


@dataclass(frozen=True, slots=True)
class Failure:
    """An error the fake answers in place of a method's result."""

    status: int
    description: str
    retry_after: int | None


def error_payload(status: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": status, "description": description}


def error_response(status: int, description: str) -> web.Response:
    return web.json_response(error_payload(status, description), status=status)


def failure_payload(failure: Failure) -> tuple[int, dict[str, Any]]:
    payload = error_payload(failure.status, failure.description)
    if failure.retry_after is not None:
        payload["parameters"] = {"retry_after": failure.retry_after}
    return failure.status, payload
