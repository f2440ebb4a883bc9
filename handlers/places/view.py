"""Texts and keyboards of places and centres. Every catalogue value is escaped:
imported files are user input too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import Center, Region
from bot.domain.geo import MAX_CHOICES, PlaceMatch
from bot.domain.towns import Town, transliterate
from bot.services.centers import NearbyCenter
from bot.services.profile import Place
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.callbacks import CenterAction, CenterCb, PlaceAction, PlaceCb


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# A centre this close to the centre of the person's town is "in your town".
NEAR_KM = 10.0


def km(distance: float) -> str:
    if distance < 1:
        return _("less than 1 km")
    value = round(distance) if distance < 100 else round(distance, -1)
    return _("≈ {km} km").format(km=f"{value:,.0f}".replace(",", " "))


def region_name(region: Region, locale: str) -> str:
    return region.name_en if locale == "en" else region.name_ru


def capital(region: Region, locale: str) -> str:
    return escape(region.capital_en if locale == "en" else region.capital_ru)


def place_origin(precision: str, region: Region, locale: str, town: Town | None = None) -> str:
    """Where distances are measured from, said honestly."""
    capital = region.capital_en if locale == "en" else region.capital_ru
    if precision == "point":
        return _("Distances are from the location you sent.")
    if precision == "city":
        name = town.name(locale) if town is not None else capital
        return _("Distances are from the centre of {city}.").format(city=escape(name))
    return _(
        "You picked a region, so distances to other regions are from its capital, {city}."
    ).format(city=escape(capital))


def center_city(center: Center) -> str:
    """The centre's city (the catalogue has it in Russian), in Latin letters in English."""
    city = center.city or ""
    try:
        locale = get_i18n().current_locale
    except LookupError:
        return city
    return transliterate(city) if locale == "en" else city


@dataclass(frozen=True, slots=True)
class Home:
    """Where distances are measured from: the person's region and how precise their place is
    (a shared point, a town, or a region picked from the list, which has no point)."""

    slug: str | None
    precision: str = "point"

    @classmethod
    def of(cls, place: Place | None) -> Home:
        return cls(place.region_slug, place.precision) if place else cls(None)


def center_distance(
    center: Center, distance: float, home_slug: str | None, precision: str = "point"
) -> str:
    """How far, said as precisely as the data allows: a centre known only by its region is
    "in your region" rather than a made-up number of kilometres, and so is every centre of the
    region a person picked from the list (a region has no point to measure from)."""
    if precision == "region" and center.region_slug == home_slug:
        return _("in your region")
    if center.coords_precision == "city" and center.city:
        if precision == "city" and distance < NEAR_KM:
            return _("in your town")
        return _("{distance} to the centre of {city}").format(
            distance=km(distance), city=escape(center_city(center))
        )
    if center.region_slug == home_slug:
        return _("in your region (the exact address is not known)")
    return _("{distance} to the regional capital (the exact address is not known)").format(
        distance=km(distance)
    )


def short_distance(
    center: Center, distance: float, home_slug: str | None, precision: str = "point"
) -> str:
    if center.region_slug == home_slug and (
        center.coords_precision != "city" or precision == "region"
    ):
        return _("in your region")
    if precision == "city" and center.coords_precision == "city" and distance < NEAR_KM:
        return _("in your town")
    return km(distance)


def outside_russia_text() -> str:
    return _(
        "This point looks to be outside Russia. ЦОПП centres are in Russia only, so I won't "
        "suggest one «nearby»."
    )


def outside_russia_hint() -> str:
    return _(
        "Online programmes are open wherever you are, and a consultant can answer your "
        "questions. If you are in Russia after all, type your town."
    )


def outside_russia_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🎓 Programmes"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("💬 Ask a consultant"), callback_data=MoreCb(action=MoreAction.consult))
    kb.button(text=_("📍 Type my town"), callback_data=PlaceCb(action=PlaceAction.retype))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def status_text(center: Center) -> str:
    return _("working") if center.status == "open" else _("planned, not confirmed as open yet")


def centers_text(
    nearby: Sequence[NearbyCenter],
    home: Region,
    precision: str,
    locale: str,
    town: Town | None = None,
) -> str:
    lines = [_("<b>ЦОПП centres near you</b>")]
    if not any(n.center.region_slug == home.slug for n in nearby):
        lines.append(
            _(
                "I know no centre in {region} yet. Here are the nearest ones in other regions; "
                "online programmes are open to everyone."
            ).format(region=escape(region_name(home, locale)))
        )
    for number, item in enumerate(nearby, start=1):
        status = "" if item.center.status == "open" else " · " + _("planned")
        lines.append(
            f"\n{number}. <b>{escape(item.center.name)}</b>{status}\n"
            f"   {escape(region_name(item.region, locale))} · "
            f"{center_distance(item.center, item.distance_km, home.slug, precision)}"
        )
    lines.append("\n" + place_origin(precision, home, locale, town))
    lines.append("<i>" + _("Geographic data: GeoNames.org, CC BY 4.0.") + "</i>")
    return "\n".join(lines)


def centers_keyboard(nearby: Sequence[NearbyCenter]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for number, item in enumerate(nearby, start=1):
        kb.button(
            text=f"{number}. {short(item.center.name, 20)}",
            callback_data=CenterCb(action=CenterAction.card, center=item.center.id),
        )
    kb.button(text=_("🎓 Programmes for me"), callback_data=MoreCb(action=MoreAction.programs))
    kb.button(text=_("📍 Change place"), callback_data=MoreCb(action=MoreAction.place))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def center_card_text(
    center: Center,
    region: Region,
    distance: float | None,
    home_slug: str | None,
    locale: str,
    precision: str = "point",
) -> str:
    lines = [f"<b>{escape(center.name)}</b>"]
    if center.industry:
        lines.append(_("Industry centre: {industry}").format(industry=escape(center.industry)))
    lines.append(_("Region: {region}").format(region=escape(region_name(region, locale))))
    if center.city:
        lines.append(_("City: {city}").format(city=escape(center_city(center))))
    if center.address:
        lines.append(_("Address: {address}").format(address=escape(center.address)))
    if center.host_organization:
        lines.append(_("Based at: {host}").format(host=escape(center.host_organization)))
    if center.website:
        lines.append(_("Website: {url}").format(url=escape(center.website)))
    lines.append(_("Status: {status}").format(status=status_text(center)))
    if distance is not None:
        lines.append(center_distance(center, distance, home_slug, precision))
    if not center.address:
        lines.append(
            _("The exact address is not in my data: check it on the website or by phone.")
        )
    sources = [s.strip() for s in center.source_url.split(" ; ") if s.strip()]
    if sources:
        lines.append(_("Source: {source}").format(source=escape(short(sources[0], 300))))
    return "\n".join(lines)


def center_keyboard(center: Center) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("🎓 Programmes here"),
        callback_data=CenterCb(action=CenterAction.programs, center=center.id),
    )
    if center.coords_precision == "city":
        kb.button(
            text=_("📌 On the map"),
            callback_data=CenterCb(action=CenterAction.pin, center=center.id),
        )
    kb.button(text=_("◀️ Nearest centres"), callback_data=CenterCb(action=CenterAction.nearest))
    kb.adjust(1)
    return kb.as_markup()


# --- places ----------------------------------------------------------------------------------


# The federal districts' official English names (as on the President of Russia's site).
_DISTRICTS_EN = {
    "Центральный федеральный округ": "Central",
    "Северо-Западный федеральный округ": "Northwestern",
    "Южный федеральный округ": "Southern",
    "Северо-Кавказский федеральный округ": "North Caucasian",
    "Приволжский федеральный округ": "Volga",
    "Уральский федеральный округ": "Urals",
    "Сибирский федеральный округ": "Siberian",
    "Дальневосточный федеральный округ": "Far Eastern",
}


def district_name(district: str, locale: str, *, full: bool = False) -> str:
    """A federal district's name: short for a button («Приволжский», «Volga»), full in text."""
    if locale == "en" and district in _DISTRICTS_EN:
        name = _DISTRICTS_EN[district]
        return f"{name} Federal District" if full else name
    return district if full else district.replace(" федеральный округ", "")


def districts_keyboard(districts: Sequence[str], locale: str = "ru") -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for index, district in enumerate(districts):
        kb.button(
            text=short(district_name(district, locale), 24),
            callback_data=PlaceCb(action=PlaceAction.district, index=index),
        )
    kb.button(text=_("✏️ Type again"), callback_data=PlaceCb(action=PlaceAction.retype))
    kb.button(text=_("✖️ Cancel"), callback_data=PlaceCb(action=PlaceAction.cancel))
    kb.adjust(2)
    return kb.as_markup()


def town_label(town: Town, region: Region, locale: str, *, same_name: bool) -> str:
    """A settlement among others: the region alone when they share the name."""
    if same_name:
        return short(region_name(region, locale), 24)
    return short(f"{town.name(locale)}, {region_name(region, locale)}", 30)


def which_town_text(matches: Sequence[PlaceMatch], text: str, locale: str) -> str:
    names = {m.town.name(locale) for m in matches if m.town is not None}
    if len(names) == 1 and all(m.town is not None for m in matches):
        (name,) = names
        lines = [
            _("There are several places called {name}. Which one is yours?").format(
                name=escape(name)
            )
        ]
    else:
        lines = [_("Which place do you mean by «{text}»?").format(text=escape(short(text, 60)))]
    if len(matches) > MAX_CHOICES:
        lines.append(_("The biggest are below; if yours is not there, type the region too."))
    return "\n".join(lines)


def which_town_keyboard(matches: Sequence[PlaceMatch], locale: str) -> InlineKeyboardMarkup:
    names = {m.town.name(locale) for m in matches if m.town is not None}
    kb = InlineKeyboardBuilder()
    for match in matches[:MAX_CHOICES]:
        if match.town is None:
            kb.button(
                text=short(region_name(match.region, locale), 24),
                callback_data=PlaceCb(action=PlaceAction.region, slug=match.region.slug),
            )
            continue
        kb.button(
            text=town_label(match.town, match.region, locale, same_name=len(names) == 1),
            callback_data=PlaceCb(action=PlaceAction.town, index=match.town.id),
        )
    kb.button(text=_("✏️ Type again"), callback_data=PlaceCb(action=PlaceAction.retype))
    kb.button(text=_("✖️ Cancel"), callback_data=PlaceCb(action=PlaceAction.cancel))
    kb.adjust(1)
    return kb.as_markup()


def regions_keyboard(regions: Sequence[Region], locale: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for region in sorted(regions, key=lambda r: region_name(r, locale)):
        kb.button(
            text=short(region_name(region, locale), 24),
            callback_data=PlaceCb(action=PlaceAction.region, slug=region.slug),
        )
    kb.button(text=_("◀️ Districts"), callback_data=PlaceCb(action=PlaceAction.districts))
    kb.adjust(2)
    return kb.as_markup()


# --- programs --------------------------------------------------------------------------------


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
