"""Where the person is (shared location, a typed city or region, or a picker) and the
nearest ЦОПП centres."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from bot.domain.geo import PlaceKind, PlaceMatch, distance_km
from bot.runtime.reply import Talk
from bot.services.centers import center, center_programs, nearest_centers
from bot.services.profile import Place, current_place, save_place
from handlers.occupations.router import show_pending_programmes
from handlers.onboarding.callbacks import MoreAction, MoreCb
from handlers.onboarding.menu import send_menu
from handlers.places import view
from handlers.places.callbacks import CenterAction, CenterCb, PlaceAction, PlaceCb
from handlers.places.prompt import ask_place
from handlers.places.states import AfterPlace, PlacesData
from handlers.places.states import Place as PlaceState
from handlers.places.view import cancel_label, capital, pick_label
from handlers.programs.listing import show_programs
from handlers.programs.view import center_programs_keyboard, center_programs_text

NEAREST_COUNT = 5
CENTER_PROGRAMS = 10


async def _place_saved(talk: Talk, place: Place, confirmation: str) -> None:
    """Save the place, say what was understood, and go on to what the person asked for."""
    await save_place(talk.services.db, talk.user_row, talk.state, place)
    after = (await talk.state.get_data()).get(PlacesData.after_place)
    await talk.state.set_state(None)
    await talk.state.update_data({PlacesData.after_place: None})
    await talk.send(confirmation, ReplyKeyboardRemove())
    if after == AfterPlace.programs:
        await show_programs(talk, place=place)
    elif after == AfterPlace.occupation:
        await show_pending_programmes(talk, place)
    else:
        await show_centers(talk, place)


async def show_centers(talk: Talk, place: Place) -> None:
    places = talk.services.places
    nearby = await nearest_centers(talk.services.db, places, place.lat, place.lon, NEAREST_COUNT)
    home = places.by_slug(place.region_slug)
    if home is None or not nearby:
        await talk.show(_("I have no centres in my list yet."))
        return
    town = places.town(place.town_id) if place.town_id is not None else None
    await talk.show(
        view.centers_text(nearby, home, place.precision, talk.locale, town),
        view.centers_keyboard(nearby),
    )


async def on_centers(_event: Message | CallbackQuery, talk: Talk) -> None:
    place = await current_place(talk.user_row, talk.state)
    if place is None:
        await ask_place(talk, AfterPlace.centers)
    else:
        await show_centers(talk, place)


async def on_change_place(_event: Message | CallbackQuery, talk: Talk) -> None:
    after = (await talk.state.get_data()).get(PlacesData.after_place)
    await ask_place(talk, AfterPlace(after) if after in set(AfterPlace) else AfterPlace.centers)


# --- the place from a location, a text or the picker -----------------------------------------


async def on_location(message: Message, talk: Talk) -> None:
    assert message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    places = talk.services.places
    where = places.whereabouts(lat, lon)
    if where.outside_russia:
        await talk.state.set_state(None)
        await talk.send(view.outside_russia_text(), ReplyKeyboardRemove())
        await talk.followed_up().show(view.outside_russia_hint(), view.outside_russia_keyboard())
        return
    if where.town is not None:
        town = where.town
        region = places.by_slug(town.region_slug) or places.nearest_region(lat, lon)
        confirmation = _("Got it: you are near {city} ({region}).").format(
            city=escape(town.name(talk.locale)),
            region=escape(view.region_name(region, talk.locale)),
        )
    else:
        region = places.nearest_region(lat, lon)
        confirmation = _("Got it: you are near {city} ({region}).").format(
            city=capital(region, talk.locale),
            region=escape(view.region_name(region, talk.locale)),
        )
    await _place_saved(talk, Place(region.slug, lat, lon, "point"), confirmation)


def _place_of(match: PlaceMatch) -> Place:
    region = match.region
    if match.town is not None:
        return Place(region.slug, match.town.lat, match.town.lon, "city", match.town.id)
    if match.kind is PlaceKind.city:
        return Place(region.slug, region.lat, region.lon, "city")
    return Place(region.slug, region.lat, region.lon, "region")


def _understood(match: PlaceMatch, text: str, locale: str) -> str:
    region = match.region
    name = escape(view.region_name(region, locale))
    if match.town is not None:
        confirmation = _("Got it: {city}, {region}.").format(
            city=escape(match.town.name(locale)), region=name
        )
    elif match.kind is PlaceKind.city:
        confirmation = _("Got it: {city}, {region}.").format(
            city=capital(region, locale), region=name
        )
    else:
        confirmation = _("Got it: {region}.").format(region=name)
    if not match.exact:
        confirmation += " " + _("(That is how I understood «{text}».)").format(
            text=escape(view.short(text, 60))
        )
    return confirmation


async def _ask_which(talk: Talk, matches: list[PlaceMatch], text: str) -> None:
    await talk.send(
        view.which_town_text(matches, text, talk.locale),
        view.which_town_keyboard(matches, talk.locale),
    )


async def offer_place_from_text(talk: Talk, text: str) -> bool:
    """Free text at the menu that names a place («я из Перми», «живу в Кунгуре»): remember it
    (as consent allows), say what was understood and show the nearest centres, with the
    programmes one tap away; several places of that name are asked about. False, and nothing
    sent, when the text names no place."""
    found = talk.services.places.mentioned(text)
    if not found:
        return False
    if len(found) > 1:
        await talk.state.update_data({PlacesData.after_place: AfterPlace.centers})
        await _ask_which(talk, found, text)
        return True
    await talk.state.update_data({PlacesData.after_place: AfterPlace.centers})
    await _place_saved(talk, _place_of(found[0]), _understood(found[0], text, talk.locale))
    return True


async def on_place_text(message: Message, talk: Talk) -> None:
    assert message.text is not None
    places = talk.services.places
    text = message.text.strip()
    if text == cancel_label():
        await _cancel(talk)
        return
    if text == pick_label():
        await talk.show(
            _("Choose your federal district:"),
            view.districts_keyboard(places.districts(), talk.locale),
        )
        return
    found = places.find(text)
    if not found:
        await talk.show(
            _(
                "I couldn't find a city or region called «{text}». Check the spelling, or pick "
                "your region from the list:"
            ).format(text=escape(view.short(text, 60))),
            view.districts_keyboard(places.districts(), talk.locale),
        )
        return
    if len(found) > 1:
        await _ask_which(talk, found, text)
        return
    await _place_saved(talk, _place_of(found[0]), _understood(found[0], text, talk.locale))


async def _cancel(talk: Talk) -> None:
    await talk.state.set_state(None)
    await talk.state.update_data({PlacesData.after_place: None})
    await talk.send(_("OK, no place for now."), ReplyKeyboardRemove())
    await send_menu(talk.bot, talk.chat_id, talk.state)


async def on_cancel(_query: CallbackQuery, talk: Talk) -> None:
    await talk.show(_("OK, no place for now."))
    await send_menu(talk.bot, talk.chat_id, talk.state)
    await talk.state.set_state(None)
    await talk.state.update_data({PlacesData.after_place: None})


async def on_retype(_query: CallbackQuery, talk: Talk) -> None:
    after = (await talk.state.get_data()).get(PlacesData.after_place)
    await talk.show(_("Type your city, town or region."))
    then = AfterPlace(after) if after in set(AfterPlace) else AfterPlace.centers
    await ask_place(talk.followed_up(), then)


async def on_town(_query: CallbackQuery, callback_data: PlaceCb, talk: Talk) -> None:
    places = talk.services.places
    town = places.town(callback_data.index)
    region = places.by_slug(town.region_slug) if town else None
    if town is None or region is None:
        await on_districts(_query, talk)
        return
    name = escape(view.region_name(region, talk.locale))
    confirmation = _("Got it: {city}, {region}.").format(
        city=escape(town.name(talk.locale)), region=name
    )
    await talk.show(confirmation)
    place = Place(region.slug, town.lat, town.lon, "city", town.id)
    await _place_saved(talk.followed_up(), place, confirmation)


async def on_districts(_query: CallbackQuery, talk: Talk) -> None:
    await talk.show(
        _("Choose your federal district:"),
        view.districts_keyboard(talk.services.places.districts(), talk.locale),
    )


async def on_district(_query: CallbackQuery, callback_data: PlaceCb, talk: Talk) -> None:
    places = talk.services.places
    districts = places.districts()
    if not 0 <= callback_data.index < len(districts):
        await on_districts(_query, talk)
        return
    district = districts[callback_data.index]
    await talk.show(
        _("Choose your region ({district}):").format(
            district=escape(view.district_name(district, talk.locale, full=True))
        ),
        view.regions_keyboard(places.regions_in(district), talk.locale),
    )


async def on_region(_query: CallbackQuery, callback_data: PlaceCb, talk: Talk) -> None:
    region = talk.services.places.by_slug(callback_data.slug)
    if region is None:
        await on_districts(_query, talk)
        return
    name = escape(view.region_name(region, talk.locale))
    await talk.show(_("Region: {region}").format(region=name))
    confirmation = _("Got it: {region}.").format(region=name)
    place = Place(region.slug, region.lat, region.lon, "region")
    await _place_saved(talk.followed_up(), place, confirmation)


# --- a centre ----------------------------------------------------------------------------------


async def on_center_card(_query: CallbackQuery, callback_data: CenterCb, talk: Talk) -> None:
    found = await center(talk.services.db, callback_data.center)
    region = talk.services.places.by_slug(found.region_slug) if found else None
    if found is None or region is None:
        await talk.alert(_("I can't find this centre any more."))
        return
    place = await current_place(talk.user_row, talk.state)
    distance = home = None
    precision = "point"
    if place is not None:
        distance = distance_km(place.lat, place.lon, found.lat, found.lon)
        home = place.region_slug
        precision = place.precision
    await talk.show(
        view.center_card_text(found, region, distance, home, talk.locale, precision),
        view.center_keyboard(found),
    )


async def on_center_pin(query: CallbackQuery, callback_data: CenterCb, talk: Talk) -> None:
    found = await center(talk.services.db, callback_data.center)
    if found is None or found.coords_precision != "city":
        # A regional pin is only the capital: showing it would mislead.
        await talk.alert(_("I don't know where exactly this centre is."))
        return
    await query.answer()
    address = found.address or _("Centre of {city} (exact address: ask the centre)").format(
        city=found.city or ""
    )
    await talk.bot.send_venue(
        talk.chat_id,
        latitude=found.lat,
        longitude=found.lon,
        title=view.short(found.name, 100),
        address=view.short(address, 100),
    )


async def on_center_programs(_query: CallbackQuery, callback_data: CenterCb, talk: Talk) -> None:
    found, programs = await center_programs(
        talk.services.db, callback_data.center, CENTER_PROGRAMS
    )
    if found is None:
        await talk.alert(_("I can't find this centre any more."))
        return
    await talk.show(
        center_programs_text(found, programs), center_programs_keyboard(found, programs)
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_centers, Command("centers"))
    router.message.register(on_change_place, Command("place"))
    router.message.register(on_location, F.location)
    # Commands pass by: /programs or /help while asked for a place do what they say.
    router.message.register(on_place_text, PlaceState.waiting, F.text, ~F.text.startswith("/"))
    router.callback_query.register(on_centers, MoreCb.filter(F.action == MoreAction.centers))
    router.callback_query.register(on_centers, CenterCb.filter(F.action == CenterAction.nearest))
    router.callback_query.register(on_change_place, MoreCb.filter(F.action == MoreAction.place))
    router.callback_query.register(on_districts, PlaceCb.filter(F.action == PlaceAction.districts))
    router.callback_query.register(on_district, PlaceCb.filter(F.action == PlaceAction.district))
    router.callback_query.register(on_region, PlaceCb.filter(F.action == PlaceAction.region))
    router.callback_query.register(on_town, PlaceCb.filter(F.action == PlaceAction.town))
    router.callback_query.register(on_retype, PlaceCb.filter(F.action == PlaceAction.retype))
    router.callback_query.register(on_cancel, PlaceCb.filter(F.action == PlaceAction.cancel))
    router.callback_query.register(on_center_card, CenterCb.filter(F.action == CenterAction.card))
    router.callback_query.register(on_center_pin, CenterCb.filter(F.action == CenterAction.pin))
    router.callback_query.register(
        on_center_programs, CenterCb.filter(F.action == CenterAction.programs)
    )
    return router
