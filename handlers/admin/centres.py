"""Centres as operators: `/centres` for network admins (find a centre by region or name, add or
remove its admins, a one-time code to bind its staff chat, unbind it) and for centre admins
(their own centre: its chat and admins); `/bind [code]` and `/unbind` sent in a group.

Rights are read again on every message and tap (`IsStaffAdmin` and `Role.may_manage`);
every change is audited by the service."""

from __future__ import annotations

import html
import logging
import re

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalogue import Center
from bot.runtime.commands import AdminMenus
from bot.runtime.reply import Talk
from bot.runtime.services import Services
from bot.services import centre_admins
from bot.services.centre_admins import BindRefusal, Role
from handlers.admin import admin_router
from handlers.admin.callbacks import CentreAction, CentreCb
from handlers.admin.states import CentreAdmins, CentreData
from handlers.consult.view import person_label
from handlers.places.view import short
from storage.centres_staff import CentreAdmin

logger = logging.getLogger(__name__)

SHOWN = 8  # centres found, as buttons
_CHAT_COMMAND = re.compile(r"^/(bind|unbind)(@\w+)?(\s|$)", re.IGNORECASE)
_ID = re.compile(r"^\s*(\d{1,15})\s*$")


def is_chat_command(text: str | None) -> bool:
    """`/bind …` or `/unbind`: heard in any group, so a new staff chat can be bound."""
    return bool(text) and _CHAT_COMMAND.match(text or "") is not None


# --- views -----------------------------------------------------------------------------------


def search_prompt() -> str:
    return _(
        "<b>Centres</b>\nWrite a region, a city or a part of a centre's name — for example "
        "«Пермь» or «Тульской»."
    )


def back_button() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("← Back"), callback_data=CentreCb(action=CentreAction.search))
    return kb.as_markup()


def results_view(found: list[Center], total: int, query: str) -> tuple[str, InlineKeyboardMarkup]:
    kb = InlineKeyboardBuilder()
    for centre in found:
        kb.button(
            text=short(f"{centre.city or ''} · {centre.name}".strip(" ·"), 40),
            callback_data=CentreCb(action=CentreAction.open, centre=centre.id),
        )
    kb.button(text=_("← Back"), callback_data=CentreCb(action=CentreAction.search))
    kb.adjust(1)
    if not total:
        text = _("Nothing found for «{query}». Try a region or a city.").format(
            query=html.escape(short(query, 60))
        )
    elif total > len(found):
        text = _("Found {total}; the first {shown} are below. Add a word to narrow it.").format(
            total=total, shown=len(found)
        )
    else:
        text = _("Choose a centre:")
    return text, kb.as_markup()


def card_view(
    centre: Center,
    chat_id: int | None,
    admins: list[CentreAdmin],
    role: Role,
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [f"<b>{html.escape(centre.name)}</b>"]
    if centre.city:
        lines.append(html.escape(centre.city))
    if chat_id is not None:
        lines.append(
            _("Staff chat: {chat} — applications and questions go there.").format(chat=chat_id)
        )
    else:
        lines.append(_("No staff chat yet: applications go to the network's consultants."))
    if admins:
        lines.append(_("Centre admins:"))
        lines += ["• " + person_label(a.user_id, a.name, a.username) for a in admins]
    else:
        lines.append(_("No centre admins yet."))
    kb = InlineKeyboardBuilder()
    if role.network:
        kb.button(
            text=_("➕ Add an admin"),
            callback_data=CentreCb(action=CentreAction.add, centre=centre.id),
        )
        for admin in admins:
            kb.button(
                text=_("➖ Remove {name}").format(
                    name=short(admin.name or str(admin.user_id), 16)
                ),
                callback_data=CentreCb(
                    action=CentreAction.remove, centre=centre.id, user=admin.user_id
                ),
            )
    kb.button(
        text=_("🔗 Code for the chat"),
        callback_data=CentreCb(action=CentreAction.code, centre=centre.id),
    )
    if chat_id is not None:
        kb.button(
            text=_("🔌 Unbind the chat"),
            callback_data=CentreCb(action=CentreAction.unbind, centre=centre.id),
        )
    if role.network:
        kb.button(text=_("← Back"), callback_data=CentreCb(action=CentreAction.search))
    kb.adjust(1)
    return "\n".join(lines), kb.as_markup()


def code_text(centre: Center, code: str) -> str:
    return _(
        "To bind the staff chat of «{name}»:\n"
        "1. Add the bot to the staff group.\n"
        "2. Send there: <code>/bind {code}</code>\n"
        "The code works once, for 24 hours. A centre admin can also send just /bind there."
    ).format(name=html.escape(centre.name), code=code)


def add_prompt(centre: Center) -> str:
    return _(
        "Who becomes an admin of «{name}»? Forward me any message of that person, share "
        "their contact, or send their numeric Telegram id."
    ).format(name=html.escape(centre.name))


# --- network admins and centre admins, in private ------------------------------------------


async def _card(talk: Talk, role: Role, center_id: str) -> None:
    db = talk.services.db
    centre = await centre_admins.centre(db, center_id)
    if centre is None or not role.may_manage(center_id):
        await talk.show(_("This centre is not yours to manage."), back_button())
        return
    chat_id = await centre_admins.chat_of(db, center_id)
    admins = await centre_admins.admins(db, center_id)
    await talk.show(*card_view(centre, chat_id, admins, role))


async def cmd_centres(_message: Message, talk: Talk, role: Role) -> None:
    if role.network:
        await talk.state.set_state(CentreAdmins.search)
        await talk.show(search_prompt())
        return
    assert role.center_id is not None
    await _card(talk, role, role.center_id)


async def on_search(message: Message, talk: Talk, role: Role) -> None:
    if not role.network:
        await talk.state.set_state(None)
        return
    query = (message.text or "").strip()
    found, total = await centre_admins.search_centres(talk.services.db, query, SHOWN)
    await talk.show(*results_view(found, total, query))


async def on_back(_query: CallbackQuery, talk: Talk, role: Role) -> None:
    if not role.network:
        assert role.center_id is not None
        await _card(talk, role, role.center_id)
        return
    await talk.state.set_state(CentreAdmins.search)
    await talk.show(search_prompt())


async def on_open(_query: CallbackQuery, callback_data: CentreCb, talk: Talk, role: Role) -> None:
    await talk.state.set_state(CentreAdmins.search if role.network else None)
    await _card(talk, role, callback_data.centre)


async def on_add(_query: CallbackQuery, callback_data: CentreCb, talk: Talk, role: Role) -> None:
    centre = await centre_admins.centre(talk.services.db, callback_data.centre)
    if not role.network or centre is None:
        await talk.alert(_("Only network admins add centre admins."))
        return
    await talk.state.set_state(CentreAdmins.add_admin)
    await talk.state.update_data({CentreData.centre: centre.id})
    await talk.show(add_prompt(centre), back_button())


def person_from(message: Message) -> tuple[int | None, str | None]:
    """The Telegram id a message names: forwarded from, a contact's, or typed; or why not."""
    origin = message.forward_origin
    if origin is not None:
        user = getattr(origin, "sender_user", None)
        if user is not None:
            return user.id, None
        return None, _(
            "This person hides their account in forwarded messages. Ask them to share their "
            "contact with you, or to send their id (e.g. via @userinfobot)."
        )
    if message.contact is not None:
        if message.contact.user_id:
            return message.contact.user_id, None
        return None, _("This contact has no Telegram account attached. Send their id instead.")
    match = _ID.match(message.text or "")
    if match:
        return int(match.group(1)), None
    return None, _("Forward a message of that person, share their contact, or send their id.")


async def on_admin_named(
    message: Message, bot: Bot, talk: Talk, role: Role, admin_menus: AdminMenus
) -> None:
    db = talk.services.db
    data = await talk.state.get_data()
    center_id = data.get(CentreData.centre)
    centre = await centre_admins.centre(db, str(center_id)) if center_id else None
    if not role.network or centre is None:
        await talk.state.set_state(None)
        await talk.show(_("Only network admins add centre admins."))
        return
    user_id, problem = person_from(message)
    if user_id is None:
        await talk.show(problem or "", back_button())
        return
    if user_id in talk.services.settings.admin_ids:
        await talk.show(_("This person is a network admin already."), back_button())
        return
    before = await centre_admins.add_admin(db, role.user_id, user_id, centre.id)
    await talk.state.set_state(CentreAdmins.search)
    note = _("✅ {id} is now an admin of «{name}».").format(
        id=user_id, name=html.escape(centre.name)
    )
    if before and before != centre.id:
        note += "\n" + _("They were an admin of another centre before ({old}).").format(
            old=html.escape(before)
        )
    await talk.send(note)
    await admin_menus.give(bot, user_id, centre=True)
    try:
        await bot.send_message(
            user_id,
            _(
                "You are now an admin of «{name}» in this bot: /centres — your centre and its "
                "staff chat, /stats, /leads, /catalogue, /export."
            ).format(name=html.escape(centre.name)),
        )
    except TelegramAPIError as error:  # never opened the bot: they see it on /start
        logger.info("New centre admin %d not told: %s", user_id, error.message)
    await _card(talk, role, centre.id)


async def on_remove(
    _query: CallbackQuery,
    callback_data: CentreCb,
    bot: Bot,
    talk: Talk,
    role: Role,
    admin_menus: AdminMenus,
) -> None:
    if not role.network:
        await talk.alert(_("Only network admins remove centre admins."))
        return
    removed = await centre_admins.remove_admin(
        talk.services.db, role.user_id, callback_data.user, callback_data.centre
    )
    notice = _("Removed.") if removed else _("Already removed.")
    if removed:
        await admin_menus.take_back(bot, callback_data.user)
    centre = await centre_admins.centre(talk.services.db, callback_data.centre)
    if centre is None:
        await talk.show(search_prompt(), notice=notice)
        return
    chat_id = await centre_admins.chat_of(talk.services.db, centre.id)
    admins = await centre_admins.admins(talk.services.db, centre.id)
    await talk.show(*card_view(centre, chat_id, admins, role), notice=notice)


async def on_code(_query: CallbackQuery, callback_data: CentreCb, talk: Talk, role: Role) -> None:
    centre = await centre_admins.centre(talk.services.db, callback_data.centre)
    if centre is None or not role.may_manage(centre.id):
        await talk.alert(_("This centre is not yours to manage."))
        return
    code = await centre_admins.new_bind_code(talk.services.db, role.user_id, centre.id)
    await talk.send(code_text(centre, code))


async def on_unbind(
    _query: CallbackQuery, callback_data: CentreCb, talk: Talk, role: Role
) -> None:
    if not role.may_manage(callback_data.centre):
        await talk.alert(_("This centre is not yours to manage."))
        return
    chat_id = await centre_admins.unbind_chat(talk.services.db, role.user_id, callback_data.centre)
    await _card(talk, role, callback_data.centre)
    if chat_id is not None:
        await talk.send(
            _("The chat {chat} no longer gets this centre's applications.").format(chat=chat_id)
        )


async def cmd_bind_in_private(message: Message) -> None:
    await message.answer(
        _(
            "/bind works in the staff group: add the bot there and send /bind (centre admins) "
            "or /bind with the code from /centres."
        )
    )


def create_router() -> Router:
    router = admin_router(__name__, centre_admins=True)
    router.message.register(cmd_centres, Command("centres", "centers"))
    router.message.register(cmd_bind_in_private, Command("bind", "unbind"))
    router.message.register(on_admin_named, CentreAdmins.add_admin, ~F.text.startswith("/"))
    router.message.register(on_search, CentreAdmins.search, F.text, ~F.text.startswith("/"))
    router.callback_query.register(on_open, CentreCb.filter(F.action == CentreAction.open))
    router.callback_query.register(on_back, CentreCb.filter(F.action == CentreAction.search))
    router.callback_query.register(on_add, CentreCb.filter(F.action == CentreAction.add))
    router.callback_query.register(on_remove, CentreCb.filter(F.action == CentreAction.remove))
    router.callback_query.register(on_code, CentreCb.filter(F.action == CentreAction.code))
    router.callback_query.register(on_unbind, CentreCb.filter(F.action == CentreAction.unbind))
    return router


# --- in a group ------------------------------------------------------------------------------


def bind_refusal_text(refusal: BindRefusal) -> str:
    if refusal is BindRefusal.bad_code:
        return _("This code is unknown, used or expired. Get a new one in private: /centres.")
    if refusal is BindRefusal.taken:
        return _(
            "This chat already gets another centre's applications. An admin of that centre "
            "sends /unbind here first."
        )
    if refusal is BindRefusal.network_needs_code:
        return _("Which centre? Get a code for it in private (/centres), then /bind CODE here.")
    return _("Only an admin of a centre can bind its chat. Ask for a code: /centres in private.")


async def on_bind(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    binding = await centre_admins.bind_chat(
        services.db, services.settings, message.chat.id, message.from_user.id, command.args
    )
    if binding.refusal is not None or binding.center_id is None:
        await message.reply(bind_refusal_text(binding.refusal or BindRefusal.bad_code))
        return
    centre = await centre_admins.centre(services.db, binding.center_id)
    name = centre.name if centre is not None else binding.center_id
    await message.reply(
        _(
            "✅ This chat now gets the applications and questions of «{name}». Reply to a "
            "message of the bot to answer the person; the buttons under an application set "
            "its status."
        ).format(name=html.escape(name))
    )


async def on_unbind_in_group(message: Message, services: Services) -> None:
    if message.from_user is None:
        return
    db, settings = services.db, services.settings
    center_id = await centre_admins.centre_of_chat(db, message.chat.id)
    role = await centre_admins.role_of(db, settings, message.from_user.id)
    if center_id is None:
        await message.reply(_("This chat is not bound to a centre."))
        return
    if role is None or not role.may_manage(center_id):
        await message.reply(_("Only an admin of this centre can unbind its chat."))
        return
    await centre_admins.unbind_chat(db, role.user_id, center_id)
    await message.reply(_("This chat no longer gets the centre's applications."))


def create_group_router() -> Router:
    """`/bind` and `/unbind` in groups; before the staff-chat relay, which takes the rest."""
    router = Router(name=f"{__name__}.group")
    router.message.filter(F.chat.type != "private")
    router.message.register(on_bind, Command("bind"))
    router.message.register(on_unbind_in_group, Command("unbind"))
    return router
