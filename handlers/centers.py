"""Where the person is (shared location, a typed city or region, or a picker) and the
nearest ЦОПП centres."""

from __future__ import annotations

from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot import catalogue_view as view
from bot.callbacks import (
    CenterAction,
    CenterCb,
    MoreAction,
    MoreCb,
    PlaceAction,
    PlaceCb,
    ProgramAction,
    ProgramCb,
)
from bot.catalogue import Region
from bot.geo import PlaceIndex, PlaceKind, distance_km
from bot.recommend import nearest
from bot.states import Place as PlaceState
from handlers.common import Place, answer_callback_with, current_place, save_place
from storage.db import Database
from storage.users import UserRow

NEAREST_COUNT = 5
CENTER_PROGRAMS = 10
AFTER_PLACE = "after_place"  # what to show once the place is known: 'centers' or 'programs'


def send_location_label() -> str:
    return _("📍 Send my location")


def pick_label() -> str:
    return _("🗺 Pick from a list")


def cancel_label() -> str:
    return _("Cancel")


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=send_location_label(), request_location=True)],
            [KeyboardButton(text=pick_label()), KeyboardButton(text=cancel_label())],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
        input_field_placeholder=_("Or type your city or region"),
    )


async def ask_place(bot: Bot, chat_id: int, state: FSMContext, then: str) -> None:
    await state.set_state(PlaceState.waiting)
    await state.update_data({AFTER_PLACE: then})
    await bot.send_message(
        chat_id,
        _(
            "Where are you? Send your location with the button below, or type your city or "
            "region — for example, «Пермь» or «Тульская область».\n"
            "I use it only to find centres and programmes near you."
        ),
        reply_markup=location_keyboard(),
    )


async def _place_saved(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    place: Place,
    locale: str,
    confirmation: str,
) -> None:
    """Save the place, say what was understood, and go on to what the person asked for."""
    await save_place(db, user_row, state, place)
    after = (await state.get_data()).get(AFTER_PLACE)
    await state.set_state(None)
    await state.update_data({AFTER_PLACE: None})
    await bot.send_message(chat_id, confirmation, reply_markup=ReplyKeyboardRemove())
    if after == "programs":
        # Imported here: the programmes module asks for a place through this one.
        from handlers.programs import show_programs  # noqa: PLC0415

        await show_programs(bot, chat_id, state, db, places, user_row, locale, place=place)
    else:
        await show_centers(bot, chat_id, db, places, place, locale)


async def show_centers(
    bot: Bot,
    chat_id: int,
    db: Database,
    places: PlaceIndex,
    place: Place,
    locale: str,
    query: CallbackQuery | None = None,
) -> None:
    async with db.autocommit() as repos:
        found = await nearest(repos.catalogue, place.lat, place.lon, NEAREST_COUNT)
        centers = await repos.catalogue.centers([n.id for n in found])
    home = places.by_slug(place.region_slug)
    nearby = []
    for item in found:
        center = centers[item.id]
        region = places.by_slug(center.region_slug)
        if region is not None:
            nearby.append(view.NearbyCenter(center, region, item.distance_km))
    if home is None or not nearby:
        text, markup = _("I have no centres in my list yet."), None
    else:
        text = view.centers_text(nearby, home, place.precision, locale)
        markup = view.centers_keyboard(nearby)
    if query is not None:
        await answer_callback_with(query, text, markup)
    else:
        await bot.send_message(chat_id, text, reply_markup=markup)


# --- entry points ----------------------------------------------------------------------------


async def centers_entry(
    bot: Bot,
    chat_id: int,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
    query: CallbackQuery | None = None,
) -> None:
    place = await current_place(user_row, state)
    if place is None:
        if query is not None:
            await query.answer()
        await ask_place(bot, chat_id, state, "centers")
        return
    await show_centers(bot, chat_id, db, places, place, locale, query)


async def cmd_centers(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    await centers_entry(bot, message.chat.id, state, db, places, user_row, locale)


async def on_centers(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    await centers_entry(bot, query.from_user.id, state, db, places, user_row, locale, query)


async def cmd_place(message: Message, bot: Bot, state: FSMContext) -> None:
    await ask_place(bot, message.chat.id, state, "centers")


async def on_change_place(query: CallbackQuery, bot: Bot, state: FSMContext) -> None:
    await query.answer()
    after = (await state.get_data()).get(AFTER_PLACE) or "centers"
    await ask_place(bot, query.from_user.id, state, after)


# --- the place from a location, a text or the picker -----------------------------------------


async def on_location(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    assert message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    region = nearest_region(places, lat, lon)
    confirmation = _("Got it: you are near {city} ({region}).").format(
        city=escape(region.capital_en if locale == "en" else region.capital_ru),
        region=escape(view.region_name(region, locale)),
    )
    place = Place(region.slug, lat, lon, "point")
    await _place_saved(
        bot, message.chat.id, state, db, places, user_row, place, locale, confirmation
    )


def nearest_region(places: PlaceIndex, lat: float, lon: float) -> Region:
    """The region whose capital is nearest: a fair guess that the text never states as fact."""
    regions = [r for d in places.districts() for r in places.regions_in(d)]
    return min(regions, key=lambda r: distance_km(lat, lon, r.lat, r.lon))


async def on_place_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    assert message.text is not None
    text = message.text.strip()
    if text == cancel_label() or text.startswith("/"):
        await state.set_state(None)
        await message.answer(_("OK, no place for now."), reply_markup=ReplyKeyboardRemove())
        from handlers.menu import send_menu  # noqa: PLC0415  (the menu imports feature modules)

        await send_menu(bot, message.chat.id, state)
        return
    if text == pick_label():
        await message.answer(
            _("Choose your federal district:"),
            reply_markup=view.districts_keyboard(places.districts()),
        )
        return
    match = places.lookup(text)
    if match is None:
        await message.answer(
            _(
                "I couldn't find a city or region called «{text}». Check the spelling, or pick "
                "your region from the list:"
            ).format(text=escape(view.short(text, 60))),
            reply_markup=view.districts_keyboard(places.districts()),
        )
        return
    region = match.region
    name = escape(view.region_name(region, locale))
    if match.kind is PlaceKind.city:
        capital = escape(region.capital_en if locale == "en" else region.capital_ru)
        confirmation = _("Got it: {city}, {region}.").format(city=capital, region=name)
        precision = "city"
    else:
        confirmation = _("Got it: {region}.").format(region=name)
        precision = "region"
    if not match.exact:
        confirmation += " " + _("(That is how I understood «{text}».)").format(
            text=escape(view.short(text, 60))
        )
    place = Place(region.slug, region.lat, region.lon, precision)
    await _place_saved(
        bot, message.chat.id, state, db, places, user_row, place, locale, confirmation
    )


async def on_districts(query: CallbackQuery, places: PlaceIndex) -> None:
    await answer_callback_with(
        query, _("Choose your federal district:"), view.districts_keyboard(places.districts())
    )


async def on_district(
    query: CallbackQuery, callback_data: PlaceCb, places: PlaceIndex, locale: str
) -> None:
    districts = places.districts()
    if not 0 <= callback_data.index < len(districts):
        await answer_callback_with(
            query, _("Choose your federal district:"), view.districts_keyboard(districts)
        )
        return
    district = districts[callback_data.index]
    await answer_callback_with(
        query,
        _("Choose your region ({district}):").format(district=escape(district)),
        view.regions_keyboard(places.regions_in(district), locale),
    )


async def on_region(
    query: CallbackQuery,
    callback_data: PlaceCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    region = places.by_slug(callback_data.slug)
    if region is None:
        await answer_callback_with(
            query, _("Choose your federal district:"), view.districts_keyboard(places.districts())
        )
        return
    await answer_callback_with(
        query, _("Region: {region}").format(region=escape(view.region_name(region, locale)))
    )
    place = Place(region.slug, region.lat, region.lon, "region")
    confirmation = _("Got it: {region}.").format(region=escape(view.region_name(region, locale)))
    await _place_saved(
        bot, query.from_user.id, state, db, places, user_row, place, locale, confirmation
    )


# --- a centre ----------------------------------------------------------------------------------


async def on_center_card(
    query: CallbackQuery,
    callback_data: CenterCb,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    async with db.autocommit() as repos:
        center = await repos.catalogue.center(callback_data.center)
    region = places.by_slug(center.region_slug) if center else None
    if center is None or region is None:
        await query.answer(_("I can't find this centre any more."), show_alert=True)
        return
    place = await current_place(user_row, state)
    distance = (
        distance_km(place.lat, place.lon, center.lat, center.lon) if place is not None else None
    )
    await answer_callback_with(
        query,
        view.center_card_text(
            center, region, distance, place.region_slug if place else None, locale
        ),
        view.center_keyboard(center),
    )


async def on_center_pin(query: CallbackQuery, callback_data: CenterCb, db: Database) -> None:
    async with db.autocommit() as repos:
        center = await repos.catalogue.center(callback_data.center)
    if center is None or center.coords_precision != "city" or query.bot is None:
        # A regional pin is only the capital: showing it would mislead.
        await query.answer(_("I don't know where exactly this centre is."), show_alert=True)
        return
    await query.answer()
    await query.bot.send_venue(
        query.from_user.id,
        latitude=center.lat,
        longitude=center.lon,
        title=view.short(center.name, 100),
        address=view.short(
            center.address
            or _("Centre of {city} (exact address: ask the centre)").format(
                city=center.city or ""
            ),
            100,
        ),
    )


async def on_center_programs(query: CallbackQuery, callback_data: CenterCb, db: Database) -> None:
    async with db.autocommit() as repos:
        center = await repos.catalogue.center(callback_data.center)
        programs = (
            await repos.catalogue.programs_of_center(center.id, CENTER_PROGRAMS) if center else []
        )
    if center is None:
        await query.answer(_("I can't find this centre any more."), show_alert=True)
        return
    kb = InlineKeyboardBuilder()
    if programs:
        lines = [_("<b>Programmes of {center}</b>").format(center=escape(center.name))]
        for number, program in enumerate(programs, start=1):
            sample = " 🔖" if program.is_sample else ""
            lines.append(f"{number}. {escape(view.short(program.title, 120))}{sample}")
            kb.button(
                text=f"{number}. {view.short(program.title, 20)}",
                callback_data=ProgramCb(action=ProgramAction.card, program=program.id),
            )
        if any(p.is_sample for p in programs):
            lines.append("\n🔖 — " + view.sample_note())
        text = "\n".join(lines)
    else:
        text = _(
            "I don't know the programmes of {center} yet. Ask the centre directly, or look at "
            "online programmes."
        ).format(center=escape(center.name))
    kb.button(
        text=_("◀️ About the centre"),
        callback_data=CenterCb(action=CenterAction.card, center=center.id),
    )
    kb.adjust(1)
    await answer_callback_with(query, text, kb.as_markup())


async def on_nearest(
    query: CallbackQuery,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    locale: str,
) -> None:
    await centers_entry(bot, query.from_user.id, state, db, places, user_row, locale, query)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(cmd_centers, Command("centers"))
    router.message.register(cmd_place, Command("place"))
    router.message.register(on_location, F.location)
    router.message.register(on_place_text, PlaceState.waiting, F.text)
    router.callback_query.register(on_centers, MoreCb.filter(F.action == MoreAction.centers))
    router.callback_query.register(on_change_place, MoreCb.filter(F.action == MoreAction.place))
    router.callback_query.register(on_districts, PlaceCb.filter(F.action == PlaceAction.districts))
    router.callback_query.register(on_district, PlaceCb.filter(F.action == PlaceAction.district))
    router.callback_query.register(on_region, PlaceCb.filter(F.action == PlaceAction.region))
    router.callback_query.register(on_center_card, CenterCb.filter(F.action == CenterAction.card))
    router.callback_query.register(on_center_pin, CenterCb.filter(F.action == CenterAction.pin))
    router.callback_query.register(
        on_center_programs, CenterCb.filter(F.action == CenterAction.programs)
    )
    router.callback_query.register(on_nearest, CenterCb.filter(F.action == CenterAction.nearest))
    return router
