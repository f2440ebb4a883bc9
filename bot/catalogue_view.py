"""Texts and keyboards of centers, programs and places. Every catalogue value is escaped:
imported files are user input too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.callbacks import (
    CenterAction,
    CenterCb,
    FieldCb,
    MenuAction,
    MenuCb,
    MoreAction,
    MoreCb,
    PlaceAction,
    PlaceCb,
    PrefCb,
    PrefStep,
    ProgramAction,
    ProgramCb,
    QuizMenuAction,
    QuizMenuCb,
)
from bot.catalogue import RIASEC, Audience, Center, Format, Program, Region
from bot.recommend import FitLabel, FormatChoice, Preferences, Ranked, StudyLength, fit_label

PAGE_SIZE = 5
MAX_PAGES = 10
TITLE_IN_LIST = 90


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def km(distance: float) -> str:
    if distance < 1:
        return _("less than 1 km")
    value = round(distance) if distance < 100 else round(distance, -1)
    return _("≈ {km} km").format(km=f"{value:,.0f}".replace(",", " "))


def region_name(region: Region, locale: str) -> str:
    return region.name_en if locale == "en" else region.name_ru


def place_origin(precision: str, region: Region, locale: str) -> str:
    """Where distances are measured from, said honestly."""
    capital = region.capital_en if locale == "en" else region.capital_ru
    if precision == "point":
        return _("Distances are from the location you sent.")
    if precision == "city":
        return _("Distances are from the centre of {city}.").format(city=escape(capital))
    return _("Distances are from {city}, the capital of the region.").format(city=escape(capital))


def center_distance(center: Center, distance: float, home_slug: str | None) -> str:
    """How far, said as precisely as the data allows: a centre known only by its region is
    "in your region" rather than a made-up number of kilometres."""
    if center.coords_precision == "city" and center.city:
        return _("{distance} to the centre of {city}").format(
            distance=km(distance), city=escape(center.city)
        )
    if center.region_slug == home_slug:
        return _("in your region (the exact address is not known)")
    return _("{distance} to the regional capital (the exact address is not known)").format(
        distance=km(distance)
    )


def short_distance(center: Center, distance: float, home_slug: str | None) -> str:
    if center.coords_precision != "city" and center.region_slug == home_slug:
        return _("in your region")
    return km(distance)


def status_text(center: Center) -> str:
    return _("working") if center.status == "open" else _("planned, not confirmed as open yet")


@dataclass(frozen=True, slots=True)
class NearbyCenter:
    center: Center
    region: Region
    distance_km: float


def centers_text(nearby: Sequence[NearbyCenter], home: Region, precision: str, locale: str) -> str:
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
            f"{center_distance(item.center, item.distance_km, home.slug)}"
        )
    lines.append("\n" + place_origin(precision, home, locale))
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
    center: Center, region: Region, distance: float | None, home_slug: str | None, locale: str
) -> str:
    lines = [f"<b>{escape(center.name)}</b>"]
    if center.industry:
        lines.append(_("Industry centre: {industry}").format(industry=escape(center.industry)))
    lines.append(_("Region: {region}").format(region=escape(region_name(region, locale))))
    if center.city:
        lines.append(_("City: {city}").format(city=escape(center.city)))
    if center.address:
        lines.append(_("Address: {address}").format(address=escape(center.address)))
    if center.host_organization:
        lines.append(_("Based at: {host}").format(host=escape(center.host_organization)))
    if center.website:
        lines.append(_("Website: {url}").format(url=escape(center.website)))
    lines.append(_("Status: {status}").format(status=status_text(center)))
    if distance is not None:
        lines.append(center_distance(center, distance, home_slug))
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


def districts_keyboard(districts: Sequence[str]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for index, district in enumerate(districts):
        kb.button(
            text=short(district.replace(" федеральный округ", ""), 24),
            callback_data=PlaceCb(action=PlaceAction.district, index=index),
        )
    kb.adjust(2)
    return kb.as_markup()


def regions_keyboard(regions: Sequence[Region], locale: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for region in regions:
        kb.button(
            text=short(region_name(region, locale), 24),
            callback_data=PlaceCb(action=PlaceAction.region, slug=region.slug),
        )
    kb.button(text=_("◀️ Districts"), callback_data=PlaceCb(action=PlaceAction.districts))
    kb.adjust(2)
    return kb.as_markup()


# --- programs --------------------------------------------------------------------------------

FIELD_NAMES = {
    "R": lambda: _("🔧 Hands-on and technology"),
    "I": lambda: _("🔬 Research and analysis"),
    "A": lambda: _("🎨 Creative work"),
    "S": lambda: _("🤝 Helping and teaching"),
    "E": lambda: _("📈 Business and leading"),
    "C": lambda: _("📋 Order and documents"),
}


def fit_text(label: FitLabel) -> str:
    return {
        FitLabel.excellent: _("Fits very well"),
        FitLabel.good: _("Fits well"),
        FitLabel.maybe: _("Worth a look"),
    }[label]


def duration_text(program: Program) -> str | None:
    # Abbreviations ("72 ч", "6 нед.") read well with any number, no plural forms needed.
    parts = []
    if program.duration_hours:
        parts.append(_("{n} h").format(n=program.duration_hours))
    if program.duration_weeks:
        parts.append(_("{n} wk").format(n=program.duration_weeks))
    return ", ".join(parts) or None


def format_text(value: Format | None) -> str | None:
    if value is None:
        return None
    return {
        Format.in_person: _("in person"),
        Format.online: _("online"),
        Format.blended: _("blended"),
    }[value]


def cost_text(program: Program) -> str | None:
    if program.is_free is True:
        return _("free")
    if program.is_free is False:
        if program.price_rub:
            return _("paid, {price} ₽").format(price=f"{program.price_rub:,}".replace(",", " "))
        return _("paid")
    return None


def audience_text(audience: frozenset[Audience]) -> str | None:
    if not audience:
        return None
    names = {
        Audience.school: _("school students"),
        Audience.students: _("students and young people"),
        Audience.adults: _("adults"),
        Audience.seniors: _("people 50+"),
        Audience.parents: _("parents on leave"),
    }
    return ", ".join(names[a] for a in Audience if a in audience)


def sample_note() -> str:
    return _("🔖 sample programme — check with the centre")


def program_line(
    number: int, item: Ranked, program: Program, center: Center | None, home_slug: str | None
) -> str:
    where = escape(short(center.name, 40)) if center else _("online")
    facts = [where]
    if item.distance_km is not None and center is not None:
        facts.append(short_distance(center, item.distance_km, home_slug))
    facts.extend(x for x in (duration_text(program), cost_text(program)) if x)
    line = (
        f"{number}. <b>{escape(short(program.title, TITLE_IN_LIST))}</b> — "
        f"<i>{fit_text(fit_label(item.fit))}</i>\n   " + " · ".join(facts)
    )
    if program.is_sample:
        line += "\n   " + sample_note()
    return line


def prefs_summary(prefs: Preferences) -> str:
    length = {
        StudyLength.month: _("up to a month"),
        StudyLength.quarter: _("up to 3 months"),
        StudyLength.year: _("up to a year"),
        StudyLength.any: _("any length"),
    }[prefs.length]
    fmt = {
        FormatChoice.in_person: _("in person"),
        FormatChoice.online: _("online"),
        FormatChoice.any: _("in person or online"),
    }[prefs.format]
    parts = [length, fmt]
    if prefs.free_only:
        parts.append(_("free only"))
    return " · ".join(parts)


def programs_page_text(
    items: Sequence[tuple[Ranked, Program, Center | None]],
    page: int,
    prefs: Preferences,
    basis: str,
    home_slug: str | None,
) -> str:
    lines = [_("<b>Programmes for you</b> (page {page})").format(page=page + 1), basis]
    lines.append(_("Filters: {filters}").format(filters=prefs_summary(prefs)))
    for offset, (item, program, center) in enumerate(items):
        lines.append("")
        lines.append(program_line(page * PAGE_SIZE + offset + 1, item, program, center, home_slug))
    return "\n".join(lines)


def no_programs_text(prefs: Preferences) -> str:
    return _(
        "No programmes match these filters ({filters}). Try fewer filters — for example, any "
        "length or any format."
    ).format(filters=prefs_summary(prefs))


def programs_keyboard(
    items: Sequence[tuple[Ranked, Program, Center | None]], page: int, has_next: bool
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for offset, (_item, program, _center) in enumerate(items):
        kb.button(
            text=f"{page * PAGE_SIZE + offset + 1}. {short(program.title, 20)}",
            callback_data=ProgramCb(action=ProgramAction.card, program=program.id, page=page),
        )
    nav = 0
    if page > 0:
        kb.button(text="◀️", callback_data=ProgramCb(action=ProgramAction.page, page=page - 1))
        nav += 1
    if has_next and page + 1 < MAX_PAGES:
        kb.button(text="▶️", callback_data=ProgramCb(action=ProgramAction.page, page=page + 1))
        nav += 1
    kb.button(text=_("⚙️ Filters"), callback_data=PrefCb(step=PrefStep.edit))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(*([1] * len(items)), *([nav] if nav else []), 2)
    return kb.as_markup()


def program_card_text(
    program: Program,
    center: Center | None,
    region: Region | None,
    ranked: Ranked | None,
    home_slug: str | None,
    locale: str,
) -> str:
    lines = [f"<b>{escape(program.title)}</b>"]
    if program.is_sample:
        lines.append(sample_note())
    if ranked is not None:
        lines.append(f"<i>{fit_text(fit_label(ranked.fit))}</i>")
    if program.description:
        lines.append("\n" + escape(program.description) + "\n")
    if center is not None:
        where = escape(center.name)
        if region is not None:
            where += f" ({escape(region_name(region, locale))})"
        lines.append(_("Where: {where}").format(where=where))
        if ranked is not None and ranked.distance_km is not None:
            lines.append(center_distance(center, ranked.distance_km, home_slug))
    else:
        lines.append(_("Where: online, from any region"))
    facts = [
        (_("Duration"), duration_text(program)),
        (_("Format"), format_text(program.format)),
        (_("Cost"), cost_text(program)),
        (_("For"), audience_text(program.audience)),
        (_("Next start"), _date(program.next_start)),
    ]
    lines.extend(f"{name}: {escape(value)}" for name, value in facts if value)
    missing = [name for name, value in facts[:3] if not value]
    if missing:
        lines.append(
            _("Not known yet: {facts} — ask the centre.").format(facts=", ".join(missing).lower())
        )
    if program.enroll_url:
        lines.append(_("Enrolment: {url}").format(url=escape(program.enroll_url)))
    if program.source_url:
        lines.append(_("Source: {source}").format(source=escape(short(program.source_url, 300))))
    return "\n".join(lines)


def _date(value: date | None) -> str | None:
    return value.strftime("%d.%m.%Y") if value else None


def program_keyboard(program: Program, page: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("✍️ Apply"), callback_data=ProgramCb(action=ProgramAction.apply, program=program.id)
    )
    if program.center_id:
        kb.button(
            text=_("🏫 About the centre"),
            callback_data=CenterCb(action=CenterAction.card, center=program.center_id),
        )
    kb.button(
        text=_("◀️ Back to the list"), callback_data=ProgramCb(action=ProgramAction.page, page=page)
    )
    kb.adjust(1)
    return kb.as_markup()


def fields_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for letter in RIASEC:
        kb.button(text=FIELD_NAMES[letter](), callback_data=FieldCb(code=letter))
    kb.button(text=_("🧭 Take a test"), callback_data=QuizMenuCb(action=QuizMenuAction.choose))
    kb.adjust(1)
    return kb.as_markup()


def length_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for value, label in (
        (StudyLength.month, _("Up to 1 month")),
        (StudyLength.quarter, _("1–3 months")),
        (StudyLength.year, _("3–12 months")),
        (StudyLength.any, _("Longer is fine")),
    ):
        kb.button(text=label, callback_data=PrefCb(step=PrefStep.length, value=value))
    kb.adjust(2)
    return kb.as_markup()


def format_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for value, label in (
        (FormatChoice.in_person, _("In person")),
        (FormatChoice.online, _("Online")),
        (FormatChoice.any, _("Either")),
    ):
        kb.button(text=label, callback_data=PrefCb(step=PrefStep.fmt, value=value))
    kb.adjust(3)
    return kb.as_markup()


def free_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Only free"), callback_data=PrefCb(step=PrefStep.free, value="1"))
    kb.button(text=_("Paid is fine too"), callback_data=PrefCb(step=PrefStep.free, value="0"))
    kb.adjust(2)
    return kb.as_markup()
