"""Broadcasts for admins: /broadcast (content → preview → audience with live counts → send now
or at a time in the admin's time zone), the progress message with pause / continue / cancel,
and /broadcasts."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import KLIMOV, RIASEC
from bot.domain.geo import PlaceIndex
from bot.workers.broadcaster import Broadcaster, Progress
from handlers.admin import admin_router
from handlers.admin.callbacks import AudienceCb, BroadcastAction, BroadcastCb, DraftAction, DraftCb
from handlers.admin.states import BroadcastDraft
from handlers.common import answer_callback_with
from storage.broadcasts import SEGMENT_KINDS, BroadcastRow, Segment
from storage.db import Database
from storage.users import UserRow

SOURCE = "bc_source"  # [chat id, message id] of the message to copy
SEGMENT = "bc_segment"
SOURCES = "bc_sources"  # deep-link sources in the picker: a button carries the number
DEFAULT_TIMEZONE = "Europe/Moscow"
BAR = 10
_TIME = re.compile(r"^(?:(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?\s+)?(\d{1,2})[:.](\d{2})$")


def segment_label(segment: Segment, places: PlaceIndex) -> str:
    value = segment.value
    if segment.kind == "region":
        region = places.by_slug(value)
        value = region.name_ru if region else value
    labels = {
        "all": _("everyone"),
        "students": _("school students"),
        "adults": _("adults and parents"),
        "applied": _("people who applied"),
        "region": _("region: {value}"),
        "type": _("type: {value}"),
        "language": _("language: {value}"),
        "source": _("link: {value}"),
    }
    return labels[segment.kind].format(value=html.escape(value))


# --- the draft ---------------------------------------------------------------------------------


async def cmd_broadcast(message: Message, state: FSMContext) -> None:
    await state.set_state(BroadcastDraft.content)
    await message.answer(
        _(
            "📣 <b>New broadcast</b>\nSend the message to broadcast: text, a photo with a "
            "caption, a document, a video — it is copied as is, with formatting and buttons.\n"
            "/menu — cancel."
        )
    )


async def on_content(message: Message, bot: Bot, state: FSMContext, db: Database) -> None:
    await state.update_data({SOURCE: [message.chat.id, message.message_id], SEGMENT: None})
    await state.set_state(BroadcastDraft.audience)
    await message.answer(_("Preview — this is what people will get:"))
    await bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    text, markup = await audience_picker(db)
    await message.answer(text, reply_markup=markup)


async def audience_picker(db: Database) -> tuple[str, InlineKeyboardMarkup]:
    async with db.autocommit() as repos:
        counts = {
            kind: await repos.broadcasts.count_audience(Segment(kind))
            for kind in ("all", "students", "adults", "applied")
        }
    kb = InlineKeyboardBuilder()
    labels = {
        "all": _("Everyone"),
        "students": _("School students"),
        "adults": _("Adults, parents"),
        "applied": _("Applied"),
    }
    for kind, label in labels.items():
        kb.button(text=f"{label} ({counts[kind]})", callback_data=AudienceCb(kind=kind))
    for kind, label in (
        ("region", _("By region ▸")),
        ("type", _("By test type ▸")),
        ("language", _("By language ▸")),
        ("source", _("By link ▸")),
    ):
        kb.button(text=label, callback_data=AudienceCb(kind=f"more-{kind}"))
    kb.button(text=_("Cancel"), callback_data=DraftCb(action=DraftAction.cancel))
    kb.adjust(2, 2, 2, 2, 1)
    text = _("Who gets it? The counts leave out people who blocked the bot.")
    return text, kb.as_markup()


async def value_picker(
    db: Database, state: FSMContext, kind: str, places: PlaceIndex
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    async with db.autocommit() as repos:
        if kind == "type":
            values = [
                (t, await repos.broadcasts.count_audience(Segment("type", t)))
                for t in RIASEC + KLIMOV
            ]
            values = [(t, n) for t, n in values if n]
        else:
            values = await repos.broadcasts.audience_values(kind)  # type: ignore[arg-type]
    if kind == "source":
        await state.update_data({SOURCES: [v for v, _n in values]})
    for index, (value, count) in enumerate(values):
        shown = value
        if kind == "region":
            region = places.by_slug(value)
            shown = region.name_ru if region else value
        kb.button(
            text=f"{shown[:20]} ({count})",
            callback_data=AudienceCb(kind=kind, value=str(index) if kind == "source" else value),
        )
    kb.button(text=_("◀️ Back"), callback_data=DraftCb(action=DraftAction.audience))
    kb.adjust(2)
    return kb.as_markup()


async def on_audience(
    query: CallbackQuery,
    callback_data: AudienceCb,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
) -> None:
    data = await state.get_data()
    if not data.get(SOURCE):
        await answer_callback_with(query, _("This draft is gone. Start again: /broadcast"))
        return
    kind, value = callback_data.kind, callback_data.value
    if kind.startswith("more-"):
        wanted = kind.removeprefix("more-")
        if wanted in ("region", "type", "language", "source"):
            await answer_callback_with(
                query, _("Choose:"), await value_picker(db, state, wanted, places)
            )
            return
    if kind == "source":
        sources = data.get(SOURCES) or []
        value = sources[int(value)] if value.isdigit() and int(value) < len(sources) else ""
    if kind not in SEGMENT_KINDS or (
        kind in ("region", "type", "language", "source") and not value
    ):
        text, markup = await audience_picker(db)
        await answer_callback_with(query, text, markup)
        return
    segment = Segment.from_json(json.dumps({"kind": kind, "value": value}))
    async with db.autocommit() as repos:
        count = await repos.broadcasts.count_audience(segment)
    await state.update_data({SEGMENT: segment.to_json()})
    kb = InlineKeyboardBuilder()
    if count:
        kb.button(text=_("🚀 Send now"), callback_data=DraftCb(action=DraftAction.send))
        kb.button(text=_("🕒 Schedule"), callback_data=DraftCb(action=DraftAction.schedule))
    kb.button(text=_("◀️ Other audience"), callback_data=DraftCb(action=DraftAction.audience))
    kb.button(text=_("Cancel"), callback_data=DraftCb(action=DraftAction.cancel))
    kb.adjust(1)
    text = _("Audience: {label} — {count} recipients.").format(
        label=segment_label(segment, places), count=count
    )
    if not count:
        text += "\n" + _("Nobody is in this audience. Choose another one.")
    await answer_callback_with(query, text, kb.as_markup())


async def on_draft(
    query: CallbackQuery,
    callback_data: DraftCb,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
    broadcaster: Broadcaster,
) -> None:
    data = await state.get_data()
    action = callback_data.action
    if action is DraftAction.cancel:
        await state.set_state(None)
        await state.update_data({SOURCE: None, SEGMENT: None})
        await answer_callback_with(query, _("Broadcast cancelled; nothing was sent."))
        return
    if not data.get(SOURCE):
        await answer_callback_with(query, _("This draft is gone. Start again: /broadcast"))
        return
    if action is DraftAction.audience or not data.get(SEGMENT):
        text, markup = await audience_picker(db)
        await answer_callback_with(query, text, markup)
        return
    if action is DraftAction.schedule:
        await state.set_state(BroadcastDraft.schedule)
        await answer_callback_with(
            query,
            _(
                "When shall I send it? Write the date and time in your time zone ({zone}), "
                "for example «27.11 10:00», or just «18:30» for the nearest such time."
            ).format(zone=admin_timezone(user_row, places)),
        )
        return
    await answer_callback_with(query, _("Starting…"))
    row = await create_broadcast(bot, query.from_user.id, state, db, scheduled_at=None)
    broadcaster.start(bot, row.id)


def admin_timezone(user_row: UserRow, places: PlaceIndex) -> str:
    region = places.by_slug(user_row.region_slug) if user_row.region_slug else None
    return region.timezone if region else DEFAULT_TIMEZONE


def parse_local_time(text: str, zone: str, now: datetime) -> datetime | None:
    """«27.11 10:00», «27.11.2026 10:00» or «10:00» in `zone` → UTC; None if not a future
    time (a bare time already past today means tomorrow)."""
    match = _TIME.match(text.strip())
    if match is None:
        return None
    day, month, year, hour, minute = match.groups()
    tz = ZoneInfo(zone)
    local_now = now.astimezone(tz)
    try:
        when = local_now.replace(
            year=int(year) if year else local_now.year,
            month=int(month) if month else local_now.month,
            day=int(day) if day else local_now.day,
            hour=int(hour),
            minute=int(minute),
            second=0,
            microsecond=0,
        )
    except ValueError:
        return None
    if when <= local_now:
        if day is None:
            when += timedelta(days=1)
        elif year is None:
            when = when.replace(year=when.year + 1)
        else:
            return None
    return when.astimezone(UTC)


async def on_schedule_text(
    message: Message,
    bot: Bot,
    state: FSMContext,
    db: Database,
    places: PlaceIndex,
    user_row: UserRow,
) -> None:
    zone = admin_timezone(user_row, places)
    when = parse_local_time(message.text or "", zone, datetime.now(UTC))
    if when is None:
        await message.answer(
            _("I can't read this as a future time. Example: «27.11 10:00» or «18:30».")
        )
        return
    assert message.from_user is not None
    row = await create_broadcast(
        bot, message.from_user.id, state, db, scheduled_at=when.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    local = when.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
    await message.answer(
        _("🕒 Broadcast #{id} is scheduled for {time} ({zone}).").format(
            id=row.id, time=local, zone=zone
        )
    )


async def create_broadcast(
    bot: Bot, admin_id: int, state: FSMContext, db: Database, *, scheduled_at: str | None
) -> BroadcastRow:
    data = await state.get_data()
    chat_id, message_id = data[SOURCE]
    segment = Segment.from_json(data[SEGMENT])
    async with db.transaction() as tx:
        row = await tx.broadcasts.create(
            admin_id=admin_id,
            source_chat_id=chat_id,
            source_message_id=message_id,
            segment=segment,
            scheduled_at=scheduled_at,
        )
        await tx.audit.record(
            admin_id,
            "broadcast.scheduled" if scheduled_at else "broadcast.started",
            f"#{row.id} {segment.to_json()} {row.total} recipients {scheduled_at or ''}".strip(),
        )
    await state.set_state(None)
    await state.update_data({SOURCE: None, SEGMENT: None, SOURCES: None})
    progress = await bot.send_message(
        admin_id,
        _("📣 Broadcast #{id}: {total} recipients.").format(id=row.id, total=row.total),
        reply_markup=controls(row.id, "scheduled" if scheduled_at else "running"),
    )
    async with db.autocommit() as repos:
        await repos.broadcasts.set_progress_message(row.id, admin_id, progress.message_id)
        fresh = await repos.broadcasts.get(row.id)
    assert fresh is not None
    return fresh


# --- progress and control ----------------------------------------------------------------------


def controls(broadcast_id: int, status: str) -> InlineKeyboardMarkup | None:
    kb = InlineKeyboardBuilder()
    if status == "running":
        kb.button(
            text=_("⏸ Pause"),
            callback_data=BroadcastCb(action=BroadcastAction.pause, id=broadcast_id),
        )
    elif status == "paused":
        kb.button(
            text=_("▶️ Continue"),
            callback_data=BroadcastCb(action=BroadcastAction.resume, id=broadcast_id),
        )
    if status in ("running", "paused", "scheduled"):
        kb.button(
            text=_("✖️ Cancel"),
            callback_data=BroadcastCb(action=BroadcastAction.cancel, id=broadcast_id),
        )
    kb.adjust(2)
    return kb.as_markup() if status in ("running", "paused", "scheduled") else None


def status_name(status: str) -> str:
    return {
        "scheduled": _("scheduled"),
        "running": _("sending"),
        "paused": _("paused"),
        "cancelled": _("cancelled"),
        "done": _("done"),
    }.get(status, status)


def progress_view(
    row: BroadcastRow, progress: Progress, final: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    c = progress.counts
    total = max(row.total, 1)
    share = c.done / total
    filled = round(share * BAR)
    status = row.status if final else "running"
    lines = [
        _("📣 <b>Broadcast #{id}</b> — {status}").format(id=row.id, status=status_name(status)),
        "▰" * filled + "▱" * (BAR - filled) + f" {share:.0%}",
        _("Delivered: {sent} · blocked: {blocked} · failed: {failed} · left: {left}").format(
            sent=c.sent, blocked=c.blocked, failed=c.failed, left=c.left
        ),
    ]
    if not final and progress.rate > 0:
        lines.append(
            _("Rate: {rate:.1f}/s · about {eta} s left").format(
                rate=progress.rate, eta=round(c.left / progress.rate)
            )
        )
    if final and status == "done":
        lines.append(_("✅ Finished."))
    return "\n".join(lines), controls(row.id, status)


async def on_control(
    query: CallbackQuery,
    callback_data: BroadcastCb,
    bot: Bot,
    db: Database,
    broadcaster: Broadcaster,
) -> None:
    broadcast_id, action = callback_data.id, callback_data.action
    async with db.transaction() as tx:
        row = await tx.broadcasts.get(broadcast_id)
        if row is None:
            changed = False
        elif action is BroadcastAction.pause:
            changed = await tx.broadcasts.set_status(
                broadcast_id, "paused", only_from=("running",)
            )
        elif action is BroadcastAction.resume:
            changed = await tx.broadcasts.set_status(
                broadcast_id, "running", only_from=("paused",)
            )
        else:
            changed = await tx.broadcasts.set_status(
                broadcast_id, "cancelled", only_from=("running", "paused", "scheduled")
            )
        if changed:
            await tx.audit.record(
                query.from_user.id, f"broadcast.{action.value}", f"#{broadcast_id}"
            )
        current = await tx.broadcasts.get(broadcast_id)
        counts = await tx.broadcasts.counts(broadcast_id)
    if current is None:
        await query.answer(_("There is no such broadcast."), show_alert=True)
        return
    if not changed:
        await query.answer(
            _("Broadcast #{id} is {status} already.").format(
                id=broadcast_id, status=status_name(current.status)
            )
        )
        return
    await query.answer(status_name(current.status))
    if action is BroadcastAction.resume:
        await broadcaster.wait(broadcast_id)  # the paused run finishes its last sends first
        broadcaster.start(bot, broadcast_id)
        return
    broadcaster.halt(broadcast_id)
    if not broadcaster.is_sending(broadcast_id):
        text, markup = progress_view(current, Progress(counts), True)
        await answer_callback_with(query, text, markup)


async def cmd_broadcasts(message: Message, db: Database) -> None:
    async with db.autocommit() as repos:
        rows = await repos.broadcasts.recent(10)
        counts = [await repos.broadcasts.counts(row.id) for row in rows]
    if not rows:
        await message.answer(_("No broadcasts yet. /broadcast — a new one."))
        return
    lines = [_("<b>Recent broadcasts</b>")]
    for row, c in zip(rows, counts, strict=True):
        lines.append(
            _(
                "#{id} · {date} · {status} · {sent} of {total} "
                "(blocked {blocked}, failed {failed})"
            ).format(
                id=row.id,
                date=row.created_at[:16].replace("T", " "),
                status=status_name(row.status),
                sent=c.sent,
                total=row.total,
                blocked=c.blocked,
                failed=c.failed,
            )
        )
    await message.answer("\n".join(lines))


def create_router() -> Router:
    router = admin_router(__name__)
    router.message.register(cmd_broadcast, Command("broadcast"))
    router.message.register(cmd_broadcasts, Command("broadcasts"))
    router.message.register(on_content, BroadcastDraft.content, ~F.text.startswith("/"))
    router.message.register(
        on_schedule_text, BroadcastDraft.schedule, F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(on_audience, AudienceCb.filter())
    router.callback_query.register(on_draft, DraftCb.filter())
    router.callback_query.register(on_control, BroadcastCb.filter())
    return router
