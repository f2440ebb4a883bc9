"""Admins' figures and data: /stats (text and a chart) and /export (XLSX and CSV files).
Both are written to the audit log."""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import UTC, datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.charts import BarChart, StatsChart, render_in_thread, render_stats_in_thread
from bot.domain.quiz.content import QuizCatalog
from bot.domain.spreadsheets import Table, write_xlsx
from bot.runtime.services import Services
from bot.services import centre_admins
from bot.services.centre_admins import CentreNumbers, Role
from bot.services.exports import export_all, export_centre_leads
from handlers.admin import admin_router
from handlers.links import view as links_view
from handlers.places.view import short
from storage.stats import ACTIVE_DAYS, DAYS_SHOWN, WEEK_DAYS, Ranked, Stats

logger = logging.getLogger(__name__)

MAX_SOURCE_CHARS = 64  # what a deep-link payload can hold
CHART_CENTRES = 15  # centres on the chart; the text and the file have them all


def _share(count: int, started: int) -> int:
    return round(100 * count / started) if started else 0


def _types_line(counts: dict[str | None, int], names: dict[str, str]) -> str:
    if not counts:
        return _("none yet")
    parts = []
    for key, count in counts.items():
        if key is None:
            parts.append(_("no clear type") + f": {count}")
        else:
            # The key is what the exported codes say: 'S' of 'S-A-E', 'tech' of 'tech+art'.
            name = html.escape(f"{names.get(key, key)} ({key})")
            parts.append(f"{name}: {count}")
    return " · ".join(parts)


def _ranked_lines(ranked: Ranked, names: dict[str, str], others: str) -> list[str]:
    if not ranked.top:
        return [_("no data yet")]
    lines = [
        f"{number}. {html.escape(names.get(key, key)[:MAX_SOURCE_CHARS])} — {count}"
        for number, (key, count) in enumerate(ranked.top, start=1)
    ]
    if ranked.other_groups:
        lines.append(others.format(groups=ranked.other_groups, count=ranked.others))
    return lines


def funnel_steps(stats: Stats) -> list[tuple[str, int]]:
    funnel = stats.funnel
    return [
        (_("Started"), funnel.started),
        (_("Gave consent"), funnel.consented),
        (_("Finished a test"), funnel.finished_quiz),
        (_("Looked at programmes"), funnel.looked_at_programs),
        (_("Applied"), funnel.applied),
    ]


def stats_text(stats: Stats, quizzes: QuizCatalog, locale: str) -> str:
    started = stats.funnel.started
    week = " · ".join(
        f"{day.strftime('%d.%m')} — {count}" for day, count in stats.new_per_day[-WEEK_DAYS:]
    )
    lines = [
        _("<b>Statistics</b> on {date}").format(date=stats.today.strftime("%d.%m.%Y")),
        _("People: {total} · active in {days} days: {active} · blocked the bot: {blocked}").format(
            total=stats.total, days=ACTIVE_DAYS, active=stats.active, blocked=stats.blocked
        ),
        _("New: {week} in {week_days} days, {month} in {month_days} days").format(
            week=stats.new_last_week,
            week_days=WEEK_DAYS,
            month=stats.new_last_month,
            month_days=DAYS_SHOWN,
        ),
        _("By day: {days}").format(days=week),
        "",
        _("<b>Funnel</b>"),
    ]
    for number, (label, count) in enumerate(funnel_steps(stats)):
        share = _("{share}%").format(share=_share(count, started))
        lines.append(f"{label}: {count} ({share})" if number else f"{label}: {count}")

    riasec = {t: text.name for t, text in quizzes.text(locale, "riasec").types.items()}
    klimov = {t: text.name for t, text in quizzes.text(locale, "klimov").types.items()}
    lines += [
        "",
        _("<b>Types</b> (the latest result of each person)"),
        _("Adults: {types}").format(types=_types_line(stats.riasec, riasec)),
        _("School students: {types}").format(types=_types_line(stats.klimov, klimov)),
        "",
        _("<b>Top regions</b>"),
    ]
    regions = {slug: ru if locale == "ru" else en for slug, (ru, en) in stats.region_names.items()}
    lines += _ranked_lines(stats.regions, regions, _("Other regions ({groups}): {count}"))
    lines += ["", _("<b>Where people came from</b>")]
    lines += _ranked_lines(stats.sources, {}, _("Other sources ({groups}): {count}"))
    leads = stats.leads
    lines += [
        "",
        _(
            "<b>Applications</b>: {total} in all, {week} in {days} days; "
            "delivered {delivered}, not delivered {undelivered}"
        ).format(
            total=leads.total,
            week=leads.last_week,
            days=WEEK_DAYS,
            delivered=leads.delivered,
            undelivered=leads.undelivered,
        ),
    ]
    return "\n".join(lines)


def stats_chart(stats: Stats) -> StatsChart:
    steps = funnel_steps(stats)
    return StatsChart(
        days_title=_("New people per day, {days} days").format(days=DAYS_SHOWN),
        days=[day.strftime("%d.%m") for day, _count in stats.new_per_day],
        new_per_day=[count for _day, count in stats.new_per_day],
        funnel_title=_("Funnel"),
        funnel_labels=[label for label, _count in steps],
        funnel_values=[count for _label, count in steps],
    )


def _hours(value: float | None) -> str:
    if value is None:
        return "—"
    return _("{hours} h").format(hours=f"{value:.1f}".replace(".0", ""))


def centre_table(rows: list[CentreNumbers]) -> Table:
    headers = (
        _("Centre"),
        _("Applications"),
        _("Delivered"),
        _("Contacted"),
        _("Enrolled"),
        _("Declined"),
        _("Median hours to first contact"),
    )
    return Table(
        _("Centres"),
        headers,
        [
            (
                r.name,
                r.leads,
                r.delivered,
                r.contacted,
                r.enrolled,
                r.declined,
                round(r.median_hours, 1) if r.median_hours is not None else None,
            )
            for r in rows
        ],
    )


def centre_lines(rows: list[CentreNumbers]) -> list[str]:
    return [
        _(
            "<b>{name}</b>: applications {leads} · delivered {delivered} · contacted "
            "{contacted} · enrolled {enrolled} · declined {declined} · median time to first "
            "contact {median}"
        ).format(
            name=html.escape(r.name),
            leads=r.leads,
            delivered=r.delivered,
            contacted=r.contacted,
            enrolled=r.enrolled,
            declined=r.declined,
            median=_hours(r.median_hours),
        )
        for r in rows
    ]


async def centre_stats(message: Message, services: Services, role: Role) -> None:
    """A centre admin's /stats: their centre's applications only."""
    assert role.center_id is not None
    db = services.db
    rows = await centre_admins.centre_numbers(db, role.center_id)
    centre = await centre_admins.centre(db, role.center_id)
    name = centre.name if centre is not None else role.center_id
    async with db.autocommit() as repos:
        await repos.audit.record(role.user_id, "stats", f"centre {role.center_id}")
    if not rows:
        await message.answer(
            _("<b>{name}</b>: no applications yet.").format(name=html.escape(name))
        )
        return
    await message.answer("\n".join(centre_lines(rows)))


async def cmd_centre_stats(message: Message, services: Services, role: Role) -> None:
    """Network admins: every centre side by side — a table, a chart and an XLSX file."""
    if not role.network:
        await centre_stats(message, services, role)
        return
    db = services.db
    rows = await centre_admins.centre_numbers(db)
    async with db.autocommit() as repos:
        await repos.audit.record(role.user_id, "stats.centres", f"{len(rows)} centres")
    if not rows:
        await message.answer(_("No centre has applications yet."))
        return
    lines = [_("<b>Centres side by side</b> (most applications first)")]
    budget = 3800
    for number, line in enumerate(centre_lines(rows)):
        if sum(len(x) + 1 for x in lines) + len(line) > budget:
            lines.append(_("…and {count} more in the file.").format(count=len(rows) - number))
            break
        lines.append(line)
    await message.answer("\n".join(lines))
    top = rows[:CHART_CENTRES]
    chart = BarChart(
        title=_("Applications by centre"),
        labels=[short(r.name, 40) for r in top],
        values=[r.leads for r in top],
        maximum=max(r.leads for r in top) or 1,
    )
    try:
        png = await render_in_thread(chart)
    except Exception:  # the text has every figure; the chart only shows them
        logger.exception("Centres chart could not be drawn")
    else:
        await message.answer_photo(BufferedInputFile(png, filename="centres.png"))
    data = await asyncio.to_thread(write_xlsx, centre_table(rows))
    await message.answer_document(BufferedInputFile(data, filename="centres.xlsx"))


async def cmd_stats(message: Message, services: Services, locale: str, role: Role) -> None:
    assert message.from_user is not None
    if not role.network:
        await centre_stats(message, services, role)
        return
    db, quizzes = services.db, services.quizzes
    async with db.transaction() as tx:
        stats = await tx.stats.collect(datetime.now(UTC))
        await tx.audit.record(message.from_user.id, "stats", f"{stats.total} people")
    text = stats_text(stats, quizzes, locale)
    by_link = await links_view.stats_block(db)
    if by_link and len(text) + len(by_link) + 2 <= links_view.MESSAGE_LIMIT:
        text += "\n\n" + by_link
    elif by_link:
        await message.answer(text)
        text = by_link
    await message.answer(text)
    try:
        png = await render_stats_in_thread(stats_chart(stats))
    except Exception:  # the text above has every figure; the chart only shows them
        logger.exception("Stats chart could not be drawn")
        return
    await message.answer_photo(BufferedInputFile(png, filename="stats.png"))


async def centre_export(message: Message, services: Services, role: Role) -> None:
    """A centre admin's /export: their centre's applications only."""
    assert role.center_id is not None
    files = await export_centre_leads(services.db, role.center_id)
    async with services.db.autocommit() as repos:
        await repos.audit.record(
            role.user_id, "export", f"centre {role.center_id}: {files[0].rows} applications"
        )
    await message.answer(
        _("<b>Export</b>: your centre's applications — {count}.").format(count=files[0].rows)
    )
    for file in files:
        await message.answer_document(BufferedInputFile(file.content, filename=file.filename))


async def cmd_export(message: Message, services: Services, role: Role) -> None:
    assert message.from_user is not None
    if not role.network:
        await centre_export(message, services, role)
        return
    db = services.db
    files = await export_all(db)
    counts = {f.filename.split(".")[0]: f.rows for f in files}
    async with db.autocommit() as repos:
        await repos.audit.record(
            message.from_user.id, "export", ", ".join(f"{k} {n}" for k, n in counts.items())
        )
    await message.answer(
        _(
            "<b>Export</b>: people — {people}, test results — {results}, "
            "applications — {applications}. People without consent are listed with their id, "
            "language and first visit only."
        ).format(
            people=counts["people"],
            results=counts["results"],
            applications=counts["applications"],
        )
    )
    for file in files:
        await message.answer_document(BufferedInputFile(file.content, filename=file.filename))


def create_router() -> Router:
    router = admin_router(__name__, centre_admins=True)
    router.message.register(cmd_stats, Command("stats"))
    router.message.register(cmd_centre_stats, Command("centrestats"))
    router.message.register(cmd_export, Command("export"))
    return router
