"""Broadcasts for admins: /broadcast (content → preview → audience with live counts → send now
or at a time in the admin's time zone), the progress message with pause / continue / cancel,
and /broadcasts."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.reminders import DEFAULT_TIMEZONE, parse_iso
from bot.domain.when import Problem
from bot.domain.when import examples as time_examples
from bot.runtime.reply import Talk
from bot.services import broadcasts, links
from bot.services.broadcasts import Control, admin_timezone, read_time
from bot.workers.broadcaster import Progress
from handlers.admin import admin_router
from handlers.admin.callbacks import AudienceCb, BroadcastAction, BroadcastCb, DraftAction, DraftCb
from handlers.admin.states import BroadcastDraft, DraftData
from storage.broadcasts import SEGMENT_KINDS, BroadcastRow, Counts, Segment, SegmentKind

BAR = 10
# Audiences chosen by a value first, from a picker.
_PICKED_KINDS: tuple[SegmentKind, ...] = ("region", "type", "language", "source")


def value_word(kind: SegmentKind, value: str, talk: Talk, link_names: dict[str, str]) -> str:
    """An audience value in words: a region's name, a type's name, a language, a link's name."""
    if kind == "region":
        region = talk.services.places.by_slug(value)
        if region is not None:
            return region.name_en if talk.locale == "en" else region.name_ru
    elif kind == "type":
        quizzes = talk.services.quizzes
        for instrument in quizzes.instruments:
            types = quizzes.text(talk.locale, instrument).types
            if value in types:
                return types[value].name
    elif kind == "language":
        return {"ru": _("Russian"), "en": _("English")}.get(value, value)
    elif kind == "source":
        return link_names.get(value, value)
    return value


async def segment_label(segment: Segment, talk: Talk) -> str:
    link_names = await links.names(talk.services.db) if segment.kind == "source" else {}
    value = value_word(segment.kind, segment.value, talk, link_names)
    labels = {
        "all": _("everyone who wants news"),
        "students": _("school students"),
        "adults": _("adults and parents"),
        "applied": _("people who applied"),
        "region": _("region: {value}"),
        "type": _("type: {value}"),
        "language": _("language: {value}"),
        "source": _("link: {value}"),
        "centre": _("centre's people: {value}"),
    }
    return labels[segment.kind].format(value=html.escape(value))


# --- the draft ---------------------------------------------------------------------------------


async def cmd_broadcast(_message: Message, talk: Talk) -> None:
    await talk.state.set_state(BroadcastDraft.content)
    await talk.show(
        _(
            "📣 <b>New broadcast</b>\nSend the message to broadcast: text, a photo with a "
            "caption, a document, a video — it is copied as is, with formatting and buttons.\n"
            "/menu — cancel."
        )
    )


async def on_content(message: Message, talk: Talk) -> None:
    await talk.state.update_data(
        {DraftData.source: [message.chat.id, message.message_id], DraftData.segment: None}
    )
    await talk.state.set_state(BroadcastDraft.audience)
    await message.answer(_("Preview — this is what people will get:"))
    await talk.bot.copy_message(message.chat.id, message.chat.id, message.message_id)
    text, markup = await audience_picker(talk)
    await message.answer(text, reply_markup=markup)


async def audience_picker(talk: Talk) -> tuple[str, InlineKeyboardMarkup]:
    counts = await broadcasts.plain_audience_sizes(talk.services.db)
    kb = InlineKeyboardBuilder()
    labels: dict[SegmentKind, str] = {
        "all": _("All subscribers"),
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
    kb.adjust(1, 2, 2, 2, 1, 1)
    text = _(
        "Who gets it? Broadcasts reach only people who asked for news (after their first "
        "test result, or in /settings) and agreed to data storage; people who blocked the bot "
        "are not counted."
    )
    return text, kb.as_markup()


async def value_picker(talk: Talk, kind: SegmentKind) -> InlineKeyboardMarkup:
    values = await broadcasts.audience_values(talk.services.db, kind)
    link_names: dict[str, str] = {}
    if kind == "source":
        await talk.state.update_data({DraftData.sources: [v for v, _n in values]})
        link_names = await links.names(talk.services.db)
    kb = InlineKeyboardBuilder()
    for index, (value, count) in enumerate(values):
        shown = value_word(kind, value, talk, link_names)
        if len(shown) > 20:
            shown = shown[:19] + "…"
        kb.button(
            text=f"{shown} ({count})",
            callback_data=AudienceCb(kind=kind, value=str(index) if kind == "source" else value),
        )
    kb.button(text=_("◀️ Back"), callback_data=DraftCb(action=DraftAction.audience))
    kb.adjust(2)
    return kb.as_markup()


def schedule_prompt(zone: str, locale: str) -> str:
    shown = ", ".join(f"«{e}»" for e in time_examples(zone, datetime.now(UTC), locale))
    return _(
        "When shall I send it? Write the day and time in your time zone ({zone}), for "
        "example: {examples}."
    ).format(zone=zone, examples=shown)


async def on_audience(_query: CallbackQuery, callback_data: AudienceCb, talk: Talk) -> None:
    data = await talk.state.get_data()
    if not data.get(DraftData.source):
        await talk.show(_("This draft is gone. Start again: /broadcast"))
        return
    kind, value = callback_data.kind, callback_data.value
    if kind.startswith("more-"):
        wanted = kind.removeprefix("more-")
        if wanted in _PICKED_KINDS:
            picker = await value_picker(talk, wanted)
            await talk.show(_("Choose:"), picker)
            return
    if kind == "source":
        sources = data.get(DraftData.sources) or []
        value = sources[int(value)] if value.isdigit() and int(value) < len(sources) else ""
    if kind not in SEGMENT_KINDS or (kind in _PICKED_KINDS and not value):
        await talk.show(*await audience_picker(talk))
        return
    segment = Segment.from_json(json.dumps({"kind": kind, "value": value}))
    count = await broadcasts.audience_size(talk.services.db, segment)
    await talk.state.update_data({DraftData.segment: segment.to_json()})
    kb = InlineKeyboardBuilder()
    if count:
        kb.button(text=_("🚀 Send now"), callback_data=DraftCb(action=DraftAction.send))
        kb.button(text=_("🕒 Schedule"), callback_data=DraftCb(action=DraftAction.schedule))
    kb.button(text=_("◀️ Other audience"), callback_data=DraftCb(action=DraftAction.audience))
    kb.button(text=_("Cancel"), callback_data=DraftCb(action=DraftAction.cancel))
    kb.adjust(1)
    text = _("Audience: {label} — {count} recipients.").format(
        label=await segment_label(segment, talk), count=count
    )
    if not count:
        text += "\n" + _("Nobody is in this audience. Choose another one.")
    await talk.show(text, kb.as_markup())


async def on_draft(query: CallbackQuery, callback_data: DraftCb, talk: Talk) -> None:
    data = await talk.state.get_data()
    action = callback_data.action
    if action is DraftAction.cancel:
        await talk.state.set_state(None)
        await talk.state.update_data({DraftData.source: None, DraftData.segment: None})
        await talk.show(_("Broadcast cancelled; nothing was sent."))
        return
    if not data.get(DraftData.source):
        await talk.show(_("This draft is gone. Start again: /broadcast"))
        return
    if action is DraftAction.audience or not data.get(DraftData.segment):
        await talk.show(*await audience_picker(talk))
        return
    if action is DraftAction.schedule:
        await talk.state.set_state(BroadcastDraft.schedule)
        zone = admin_timezone(talk.user_row.region_slug, talk.services.places)
        await talk.show(schedule_prompt(zone, talk.locale))
        return
    await talk.show(_("Starting…"))
    row = await create_broadcast(talk, query.from_user.id, scheduled_at=None)
    talk.services.broadcaster.start(talk.bot, row.id)


async def on_schedule_text(message: Message, talk: Talk) -> None:
    zone = admin_timezone(talk.user_row.region_slug, talk.services.places)
    parsed = read_time(message.text or "", zone, datetime.now(UTC))
    when = parsed.at
    if when is None:
        if parsed.problem is Problem.past:
            problem = _("This time has already passed. Please write a time ahead.")
        else:
            problem = _("I can't read this as a day and time.")
        await message.answer(problem + "\n" + schedule_prompt(zone, talk.locale))
        return
    assert message.from_user is not None
    row = await create_broadcast(talk, message.from_user.id, scheduled_at=when)
    local = when.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")
    await message.answer(
        _("🕒 Broadcast #{id} is scheduled for {time} ({zone}).").format(
            id=row.id, time=local, zone=zone
        )
    )


async def create_broadcast(
    talk: Talk, admin_id: int, *, scheduled_at: datetime | None
) -> BroadcastRow:
    """The broadcast from the draft, and its progress message to the admin."""
    data = await talk.state.get_data()
    chat_id, message_id = data[DraftData.source]
    row = await broadcasts.create(
        talk.services.db,
        admin_id=admin_id,
        source_chat_id=chat_id,
        source_message_id=message_id,
        segment=Segment.from_json(data[DraftData.segment]),
        scheduled_at=scheduled_at,
    )
    await talk.state.set_state(None)
    await talk.state.update_data(
        {DraftData.source: None, DraftData.segment: None, DraftData.sources: None}
    )
    progress = await talk.bot.send_message(
        admin_id,
        _("📣 Broadcast #{id}: {total} recipients.").format(id=row.id, total=row.total),
        reply_markup=controls(row.id, "scheduled" if scheduled_at else "running"),
    )
    return await broadcasts.attach_progress_message(
        talk.services.db, row.id, admin_id, progress.message_id
    )


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
    share = c.done / max(c.done + c.left, 1)  # people who used /forget leave the queue
    filled = round(share * BAR)
    status = row.status if final else "running"
    lines = [
        _("📣 <b>Broadcast #{id}</b> — {status}").format(id=row.id, status=status_name(status)),
        "▰" * filled + "▱" * (BAR - filled) + f" {share:.0%}",
        _("Delivered: {sent} · blocked: {blocked} · failed: {failed} · left: {left}").format(
            sent=c.sent, blocked=c.blocked, failed=c.failed, left=c.left
        ),
    ]
    if c.skipped:
        lines.append(
            _("Skipped: {skipped} (withdrew consent or deleted their data meanwhile)").format(
                skipped=c.skipped
            )
        )
    if not final and progress.rate > 0:
        lines.append(
            _("Rate: {rate:.1f}/s · about {eta} s left").format(
                rate=progress.rate, eta=round(c.left / progress.rate)
            )
        )
    if final and status == "done":
        lines.append(_("✅ Finished."))
    return "\n".join(lines), controls(row.id, status)


def author_removed_view(
    row: BroadcastRow, counts: Counts
) -> tuple[str, InlineKeyboardMarkup | None]:
    """To the remaining admins, once: a broadcast paused because its author is no longer an
    admin. `row` as it was before the pause."""
    lines = [
        _(
            "⏸ <b>Broadcast #{id}</b> is paused: its author (id {author}) is no longer an "
            "admin (ADMIN_IDS), so it does not go out on its own."
        ).format(id=row.id, author=row.admin_id)
    ]
    if row.status == "scheduled" and row.scheduled_at:
        when = parse_iso(row.scheduled_at).astimezone(ZoneInfo(DEFAULT_TIMEZONE))
        local = when.strftime("%d.%m.%Y %H:%M")
        lines.append(
            _(
                "It was scheduled for {time} ({zone}); nobody has got it. Recipients: {total}."
            ).format(time=local, zone=DEFAULT_TIMEZONE, total=row.total)
        )
    else:
        lines.append(
            _("It was being sent: {sent} of {total} got it, {left} are left.").format(
                sent=counts.sent, total=row.total, left=counts.left
            )
        )
    lines.append(_("«▶️ Continue» sends it now; «✖️ Cancel» drops it."))
    return "\n".join(lines), controls(row.id, "paused")


async def on_control(query: CallbackQuery, callback_data: BroadcastCb, talk: Talk) -> None:
    broadcast_id, action = callback_data.id, callback_data.action
    broadcaster = talk.services.broadcaster
    outcome = await broadcasts.control(
        talk.services.db, query.from_user.id, broadcast_id, Control(action.value)
    )
    current = outcome.row
    if current is None:
        await query.answer(_("There is no such broadcast."), show_alert=True)
        return
    if not outcome.changed:
        await query.answer(
            _("Broadcast #{id} is {status} already.").format(
                id=broadcast_id, status=status_name(current.status)
            )
        )
        return
    notice = status_name(current.status)
    if action is BroadcastAction.resume:
        await query.answer(notice)
        if isinstance(query.message, Message):
            # Progress goes on in the message tapped (a report about a paused broadcast, too).
            await broadcasts.attach_progress_message(
                talk.services.db, broadcast_id, query.message.chat.id, query.message.message_id
            )
        await broadcaster.wait(broadcast_id)  # the paused run finishes its last sends first
        broadcaster.start(talk.bot, broadcast_id)
        return
    broadcaster.halt(broadcast_id)
    if broadcaster.is_sending(broadcast_id):
        await query.answer(notice)  # the run shows its final state when it stops
    else:
        # A scheduled or paused broadcast: nothing runs to show it. One answer per tap.
        await talk.show(*progress_view(current, Progress(outcome.counts), True), notice=notice)


async def cmd_broadcasts(message: Message, talk: Talk) -> None:
    found = await broadcasts.recent(talk.services.db, 10)
    if not found:
        await message.answer(_("No broadcasts yet. /broadcast — a new one."))
        return
    lines = [_("<b>Recent broadcasts</b>")]
    for row, c in found:
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
