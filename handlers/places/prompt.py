"""Asking where the person is: shared by every feature that needs a place first."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.runtime.reply import Talk
from handlers.places.states import AfterPlace, PlacesData
from handlers.places.states import Place as PlaceState
from handlers.places.view import location_keyboard


async def ask_place(talk: Talk, then: AfterPlace) -> None:
    await talk.state.set_state(PlaceState.waiting)
    await talk.state.update_data({PlacesData.after_place: then})
    await talk.send(
        _(
            "Where are you? Send your location with the button below, or type your city or "
            "region — for example, «Пермь» or «Тульская область».\n"
            "I use it only to find centres and programmes near you."
        ),
        location_keyboard(),
    )
