"""Routers in the order they are tried; the catch-all fallback comes last."""

from aiogram import Router

from handlers import errors, fallback, menu, privacy, start


def get_routers() -> list[Router]:
    return [
        errors.router,
        start.router,
        menu.router,
        privacy.router,
        fallback.router,
    ]
