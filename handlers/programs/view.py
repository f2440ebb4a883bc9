"""Texts and keyboards of programmes. Every catalogue value is escaped:
imported files are user input too."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import RIASEC, Audience, Center, Format, Program, Region
from bot.domain.enrolment import Status
from bot.domain.interests import BasisKind, Interests
from bot.domain.quiz.content import InstrumentTexts
from bot.domain.ranking import FitLabel, FormatChoice, Preferences, Ranked, StudyLength, fit_label
from bot.services.recommendations import MAX_PAGES, PAGE_SIZE, CardRating
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.places.callbacks import CenterAction, CenterCb
from handlers.places.view import Home, center_distance, region_name, short, short_distance
from handlers.programs.callbacks import FieldCb, PrefCb, PrefStep, ProgramAction, ProgramCb
from handlers.quiz.callbacks import QuizMenuAction, QuizMenuCb
from handlers.quiz.view import tiers_phrase

TITLE_IN_LIST = 90


FIELD_NAMES = {
    "R": lambda: _("🔧 Hands-on and technology"),
    "I": lambda: _("🔬 Research and analysis"),
    "A": lambda: _("🎨 Creative work"),
    "S": lambda: _("🤝 Helping and teaching"),
    "E": lambda: _("📈 Business and leading"),
    "C": lambda: _("📋 Order and documents"),
}


def basis_line(basis: Interests, school: InstrumentTexts) -> str:
    """What the list is built on, said in one line: ties as ties, and the school quiz by its
    own types (`school`: its texts)."""
    if basis.is_field:
        return _("Field: {field}").format(field=FIELD_NAMES[basis.label]())
    if basis.kind is BasisKind.klimov:
        types = basis.tiers or (basis.leaning,)
        names = tiers_phrase(types, lambda t: school.types[t].name, " + ")
        return _("Based on your school test: {names}").format(names=names)
    if not basis.tiers:
        return _("Based on all your test answers")
    return _("Based on your test result: {code}").format(code=tiers_phrase(basis.tiers))


def flat_text() -> str:
    return _(
        "Your answers don't point to one field yet — that's normal, many people find their "
        "thing by trying. What helps:\n"
        "• a <b>профпроба</b> — a short hands-on try of a profession at a college or ЦОПП;\n"
        "• an open day at the nearest centre;\n"
        "• a talk with a consultant.\n\n"
        "Or pick a field to look at:"
    )


def no_basis_text() -> str:
    return _(
        "I don't know your interests yet. Take a short test (about 5 minutes) — or pick "
        "a field to look at:"
    )


def length_question() -> str:
    return _(
        "Three quick questions, so I show what suits you (you can change them later).\n\n"
        "<b>1/3.</b> How long can you study?"
    )


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
        Audience.students: _("college and university students"),
        Audience.adults: _("adults"),
        Audience.seniors: _("people 50+"),
        Audience.parents: _("parents on leave"),
        Audience.teachers: _("teachers"),
    }
    return ", ".join(names[a] for a in Audience if a in audience)


def ages_text(program: Program) -> str | None:
    low, high = program.min_age, program.max_age
    if low is not None and high is not None:
        return _("from {low} to {high}").format(low=low, high=high)
    if low is not None:
        return _("from {low}").format(low=low)
    if high is not None:
        return _("up to {high}").format(high=high)
    return None


def statuses_text(statuses: frozenset[Status]) -> str | None:
    if not statuses:
        return None
    names = {
        Status.school: _("school students"),
        Status.student: _("students"),
        Status.working: _("working people"),
        Status.not_working: _("people not working"),
        Status.parental_leave: _("parents on leave"),
        Status.retired: _("pensioners"),
    }
    return ", ".join(names[s] for s in Status if s in statuses)


def enrolment_text(program: Program, today: date) -> str | None:
    opens, closes = program.enroll_from, program.enroll_until
    if closes is not None and closes < today:
        return _("closed")
    if opens is not None and opens > today:
        if closes is not None:
            return _("from {opens} to {closes}").format(opens=_date(opens), closes=_date(closes))
        return _("opens {opens}").format(opens=_date(opens))
    if closes is not None:
        return _("until {closes}").format(closes=_date(closes))
    return None


def sample_note() -> str:
    return _("🔖 sample programme — check with the centre")


def in_russian(html: str) -> str:
    """Programme titles and descriptions exist only in Russian: in another interface language
    they are marked so. `html` is already escaped."""
    try:
        locale = get_i18n().current_locale
    except LookupError:  # outside an update (tests of texts): the default language
        return html
    if locale == "ru":
        return html
    return f"{html} <i>{_('(in Russian)')}</i>"


def program_line(
    number: int, item: Ranked, program: Program, center: Center | None, home: Home
) -> str:
    """Fit and distance are two separate facts: the label says how well the programme fits
    the interests, the second line where it is and how far."""
    where = escape(short(center.name, 40)) if center else _("online")
    facts = [where]
    if item.distance_km is not None and center is not None:
        facts.append(short_distance(center, item.distance_km, home.slug, home.precision))
    facts.extend(x for x in (duration_text(program), cost_text(program)) if x)
    line = (
        f"{number}. <b>{in_russian(escape(short(program.title, TITLE_IN_LIST)))}</b> — "
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
    home: Home,
) -> str:
    lines = [_("<b>Programmes for you</b> (page {page})").format(page=page + 1), basis]
    lines.append(_("Filters: {filters}").format(filters=prefs_summary(prefs)))
    for offset, (item, program, center) in enumerate(items):
        lines.append("")
        lines.append(program_line(page * PAGE_SIZE + offset + 1, item, program, center, home))
    return "\n".join(lines)


def nothing_near_text(
    items: Sequence[tuple[Ranked, Program, Center | None]],
    page: int,
    prefs: Preferences,
    basis: str,
    region: Region | None,
    reach_km: float,
    nearest: tuple[Center, float] | None,
    home: Home,
    locale: str,
) -> str:
    """Nothing in person fits within reach: said plainly, then what to do instead, in this
    order — online programmes that fit, the nearest centre, a consultant."""
    reach = f"{reach_km:.0f}"
    headline = (
        _(
            "<b>No in-person programme that fits you is near you</b> — I looked in {region} "
            "and within {km} km."
        ).format(region=escape(region_name(region, locale)), km=reach)
        if region is not None
        else _(
            "<b>No in-person programme that fits you is near you</b> — I looked within {km} km."
        ).format(km=reach)
    )
    lines = [headline, _("Here is what you can do:"), ""]
    if items:
        lines.append(_("💻 <b>Study online</b> — these fit you:"))
        for offset, (item, program, center) in enumerate(items):
            lines.append(program_line(page * PAGE_SIZE + offset + 1, item, program, center, home))
            lines.append("")
    else:
        lines.append(_("💻 <b>Study online</b> — no online programme fits your filters yet."))
    if not items:
        lines.append("")
    if nearest is not None:
        center, distance = nearest
        lines.append(
            _(
                "🏫 <b>Ask the nearest ЦОПП</b>: {center}, {distance}. They will tell you where "
                "to study near you."
            ).format(
                center=escape(center.name),
                distance=short_distance(center, distance, home.slug, home.precision),
            )
        )
    else:
        lines.append(_("🏫 <b>Ask the nearest ЦОПП</b> — I could not find one."))
    lines.append(_("💬 <b>Ask a consultant</b> — a person will help you find training near you."))
    lines.append("")
    lines.append(basis)
    lines.append(_("Filters: {filters}").format(filters=prefs_summary(prefs)))
    return "\n".join(lines)


def online_first_text(
    items: Sequence[tuple[Ranked, Program, Center | None]],
    page: int,
    prefs: Preferences,
    basis: str,
) -> str:
    """The person's place is not known yet: the online programmes now, in-person ones once
    they say where they are."""
    lines = [_("<b>Online programmes for you</b> (page {page})").format(page=page + 1), basis]
    lines.append(_("Filters: {filters}").format(filters=prefs_summary(prefs)))
    for offset, (item, program, center) in enumerate(items):
        lines.append("")
        lines.append(
            program_line(page * PAGE_SIZE + offset + 1, item, program, center, Home(None))
        )
    lines.append("")
    lines.append(_("To see in-person programmes near you, tell me where you are 👇"))
    return "\n".join(lines)


def no_programs_text(prefs: Preferences) -> str:
    return _(
        "No programmes match these filters ({filters}). Try fewer filters — for example, any "
        "length or any format."
    ).format(filters=prefs_summary(prefs))


def no_programs_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("⚙️ Filters"), callback_data=PrefCb(step=PrefStep.edit))
    kb.button(text=_("🔀 Another field"), callback_data=FieldCb(code="-"))
    kb.adjust(1)
    return kb.as_markup()


def flat_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for letter in RIASEC:
        kb.button(text=FIELD_NAMES[letter](), callback_data=FieldCb(code=letter))
    kb.button(text=_("📍 Centres near me"), callback_data=MoreCb(action=MoreAction.centers))
    kb.button(text=_("💬 Ask a person"), callback_data=MoreCb(action=MoreAction.consult))
    kb.adjust(1)
    return kb.as_markup()


def nothing_near_keyboard(
    items: Sequence[tuple[Ranked, Program, Center | None]],
    page: int,
    has_next: bool,
    nearest: Center | None,
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    _programme_buttons(kb, items, page)
    nav = _navigation(kb, page, has_next)
    if nearest is not None:
        kb.button(
            text="🏫 " + short(nearest.name, 22),
            callback_data=CenterCb(action=CenterAction.card, center=nearest.id),
        )
    kb.button(text=_("💬 Ask a consultant"), callback_data=MoreCb(action=MoreAction.consult))
    kb.button(text=_("⚙️ Filters"), callback_data=PrefCb(step=PrefStep.edit))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(*([1] * len(items)), *([nav] if nav else []), *([1] if nearest else []), 1, 2)
    return kb.as_markup()


def _programme_buttons(
    kb: InlineKeyboardBuilder, items: Sequence[tuple[Ranked, Program, Center | None]], page: int
) -> None:
    for offset, (_item, program, _center) in enumerate(items):
        kb.button(
            text=f"{page * PAGE_SIZE + offset + 1}. {short(program.title, 20)}",
            callback_data=ProgramCb(action=ProgramAction.card, program=program.id, page=page),
        )


def _navigation(kb: InlineKeyboardBuilder, page: int, has_next: bool) -> int:
    nav = 0
    if page > 0:
        kb.button(text="◀️", callback_data=ProgramCb(action=ProgramAction.page, page=page - 1))
        nav += 1
    if has_next and page + 1 < MAX_PAGES:
        kb.button(text="▶️", callback_data=ProgramCb(action=ProgramAction.page, page=page + 1))
        nav += 1
    return nav


def programs_keyboard(
    items: Sequence[tuple[Ranked, Program, Center | None]], page: int, has_next: bool
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    _programme_buttons(kb, items, page)
    nav = _navigation(kb, page, has_next)
    kb.button(text=_("⚙️ Filters"), callback_data=PrefCb(step=PrefStep.edit))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(*([1] * len(items)), *([nav] if nav else []), 2)
    return kb.as_markup()


def program_card_text(
    program: Program,
    center: Center | None,
    region: Region | None,
    rating: CardRating,
    home: Home,
    locale: str,
    today: date,
    residents_region: Region | None = None,
) -> str:
    ranked = rating.ranked
    lines = [f"<b>{in_russian(escape(program.title))}</b>"]
    if program.is_sample:
        lines.append(sample_note())
    if rating.known_interests:
        lines.append(f"<i>{fit_text(fit_label(ranked.fit))}</i>")
    if program.description:
        lines.append("\n" + in_russian(escape(program.description)) + "\n")
    if center is not None:
        where = escape(center.name)
        if region is not None:
            where += f" ({escape(region_name(region, locale))})"
        lines.append(_("Where: {where}").format(where=where))
        if ranked.distance_km is not None:
            lines.append(center_distance(center, ranked.distance_km, home.slug, home.precision))
    else:
        lines.append(_("Where: online, from any region"))
    facts = [
        (_("Duration"), duration_text(program)),
        (_("Format"), format_text(program.format)),
        (_("Cost"), cost_text(program)),
        (_("For"), audience_text(program.audience)),
        (_("Age"), ages_text(program)),
        (_("Who may enrol"), statuses_text(program.statuses)),
        (
            _("Only for residents of"),
            region_name(residents_region, locale) if residents_region else program.residents_only,
        ),
        (_("Enrolment"), enrolment_text(program, today)),
        (_("Next start"), _date(program.next_start)),
    ]
    lines.extend(f"{name}: {escape(value)}" for name, value in facts if value)
    missing = [name for name, value in facts[:3] if not value]
    if missing:
        lines.append(
            _("Not known yet: {facts} — ask the centre.").format(facts=", ".join(missing).lower())
        )
    if rating.excluded:
        lines.append(
            _(
                "⚠️ By what you told me, this programme may not take you (age, status, place or "
                "dates). Ask the centre."
            )
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


# --- the programmes of a centre ----------------------------------------------------------


def center_programs_text(center: Center, programs: Sequence[Program]) -> str:
    if not programs:
        return _(
            "I don't know the programmes of {center} yet. Ask the centre directly, or look at "
            "online programmes."
        ).format(center=escape(center.name))
    lines = [_("<b>Programmes of {center}</b>").format(center=escape(center.name))]
    for number, program in enumerate(programs, start=1):
        sample = " 🔖" if program.is_sample else ""
        lines.append(f"{number}. {in_russian(escape(short(program.title, 120)))}{sample}")
    if any(p.is_sample for p in programs):
        lines.append("\n🔖 — " + sample_note())
    return "\n".join(lines)


def center_programs_keyboard(center: Center, programs: Sequence[Program]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for number, program in enumerate(programs, start=1):
        kb.button(
            text=f"{number}. {short(program.title, 20)}",
            callback_data=ProgramCb(action=ProgramAction.card, program=program.id),
        )
    kb.button(
        text=_("◀️ About the centre"),
        callback_data=CenterCb(action=CenterAction.card, center=center.id),
    )
    kb.adjust(1)
    return kb.as_markup()
