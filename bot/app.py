"""The one place where the bot is wired: used by `__main__`, the terminal chat and the tests."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, cast

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, Message
from aiogram.utils.i18n import I18n

from bot.config import SUPPORTED_LOCALES, Settings, SettingsError
from bot.domain.catalogue import load_regions
from bot.domain.eligibility import load_rules
from bot.domain.geo import PlaceIndex
from bot.domain.offer_index import Recommender
from bot.domain.quiz.content import load_quiz_catalog
from bot.domain.towns import load_towns
from bot.runtime.commands import AdminMenus, command_list
from bot.runtime.heap import freeze_warmed
from bot.runtime.i18n import create_i18n
from bot.runtime.middlewares import (
    InFlightMiddleware,
    LocaleMiddleware,
    ThrottlingMiddleware,
    UserMiddleware,
)
from bot.runtime.reply import TalkMiddleware
from bot.runtime.response_models import KeepResponseModels
from bot.runtime.retry import RetryAfterMiddleware
from bot.runtime.services import Services
from bot.services.admins import centre_admin_ids
from bot.services.broadcasts import pause_where_author_removed
from bot.services.centre_admins import centre_of_chat
from bot.services.free_text import FreeText
from bot.services.staff import check_staff_chat, staff_chats
from bot.workers.broadcaster import Broadcaster
from bot.workers.lead_flags import LeadFlagger
from bot.workers.lease import LeaseKeeper
from bot.workers.outbox import LeadOutbox
from bot.workers.reminders import ReminderSender
from handlers import get_routers
from handlers.admin import broadcast as admin_broadcast
from handlers.admin.centres import is_chat_command
from handlers.consult.lead_status import untouched_text
from handlers.programs.notices import lead_views
from handlers.reminders.router import render_reminder
from storage.db import Database
from storage.fsm import DatabaseStorage

if TYPE_CHECKING:
    from aiogram.fsm.storage.redis import RedisStorage

logger = logging.getLogger(__name__)
# How long shutdown waits for updates that are still being handled.
DRAIN_SECONDS = 10.0
# How long start-up waits for Redis to answer.
REDIS_CHECK_SECONDS = 5.0


def create_bot(
    settings: Settings, session: BaseSession | None = None, token: str | None = None
) -> Bot:
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(KeepResponseModels())
    session.middleware(RetryAfterMiddleware())
    return Bot(
        token=token or settings.require_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    settings: Settings, db: Database, *, i18n: I18n | None = None, throttle: bool = True
) -> Dispatcher:
    """`throttle=False` for the terminal chat, where one local person types or pipes input."""
    i18n = i18n or create_i18n(settings.default_locale)
    quizzes = load_quiz_catalog()  # a broken quiz file stops start-up here, with its name
    in_flight = InFlightMiddleware()
    broadcaster = Broadcaster(
        db,
        i18n,
        settings.default_locale,
        view=admin_broadcast.progress_view,
        rate=settings.broadcast_rate,
    )
    reminder_sender = ReminderSender(db, i18n, settings.default_locale, render=render_reminder)
    lease = LeaseKeeper(db, seconds=settings.lease_seconds)
    lead_outbox = LeadOutbox(
        db,
        i18n,
        settings.default_locale,
        staff_chats=staff_chats(settings),
        admin_ids=settings.admin_ids,
        views=lead_views(),
        holder=lease.holder,
    )
    lead_flagger = LeadFlagger(db, i18n, settings, render=untouched_text)
    services = Services(
        settings=settings,
        db=db,
        i18n=i18n,
        quizzes=quizzes,
        places=PlaceIndex(load_regions(), load_towns),
        recommender=Recommender(),
        eligibility=load_rules(),
        free_text=FreeText.packaged(),
        broadcaster=broadcaster,
        reminder_sender=reminder_sender,
        lead_outbox=lead_outbox,
        lease=lease,
        lead_flagger=lead_flagger,
        in_flight=in_flight,
    )
    storage, isolation = create_fsm_storage(settings, db)
    dp = Dispatcher(
        storage=storage,
        # One person's updates are handled one at a time: a double tap cannot race itself.
        events_isolation=isolation,
        services=services,
    )
    # The bot talks to people one to one; of group chats, only the consultant chat, the
    # centres' staff chats and a `/bind` or `/unbind` command are heard.
    dp.message.filter(heard_chat)

    dp.update.outer_middleware(in_flight)
    if throttle:
        dp.update.outer_middleware(ThrottlingMiddleware(i18n, settings.default_locale))
    dp.update.outer_middleware(UserMiddleware(db))
    dp.update.outer_middleware(LocaleMiddleware(i18n, settings.default_locale))
    admin_menus = AdminMenus(db, i18n, settings.default_locale, settings.admin_ids)
    dp.update.outer_middleware(admin_menus)
    dp["admin_menus"] = admin_menus  # centre admins get and lose their menu as they change
    # Every message and tap handler of every router answers through its `talk`.
    dp.message.middleware(TalkMiddleware())
    dp.callback_query.middleware(TalkMiddleware())

    dp.include_routers(*get_routers(settings))
    dp.startup.register(check_consultant_chat)
    if settings.redis_url:
        dp.startup.register(redis_check(cast("RedisStorage", storage)))
    dp.startup.register(set_bot_commands)
    dp.startup.register(admin_menus.setup)
    dp.startup.register(warm_recommender)
    dp.startup.register(warm_later)
    dp.startup.register(start_workers)
    dp.shutdown.register(stop_warming)
    dp.shutdown.register(drain_updates)
    dp.shutdown.register(stop_workers)
    dp.shutdown.register(stop_broadcasts)  # also what handlers started before start-up ran
    dp.shutdown.register(stop_reminders)
    dp.shutdown.register(stop_outbox)
    # aiogram closes the FSM storage as its first shutdown step, but the updates being
    # drained still use it: it is closed last.
    dp.shutdown.handlers.sort(key=lambda handler: handler.callback == dp.fsm.close)
    return dp


async def heard_chat(message: Message, services: Services) -> bool:
    """Whether a message is for the bot: private chats, the staff chats, `/bind`."""
    chat = message.chat
    if chat.type == "private" or chat.id == services.settings.consultant_chat_id:
        return True
    if is_chat_command(message.text):
        return True
    return await centre_of_chat(services.db, chat.id) is not None


def create_fsm_storage(settings: Settings, db: Database) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation state and per-person locks: in the database for one process, in Redis
    when several processes handle the updates of one bot."""
    if settings.redis_url:
        # Imported only when used: redis is a fifth of a second of start-up.
        from aiogram.fsm.storage.redis import RedisStorage  # noqa: PLC0415

        redis = RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_destiny=True)
        )
        # One connection pool, closed with the storage.
        isolation = redis.create_isolation(lock_kwargs={"timeout": settings.redis_lock_seconds})
        return redis, isolation
    return DatabaseStorage(db), SimpleEventIsolation()


def redis_check(storage: RedisStorage) -> Callable[[Bot], Awaitable[None]]:
    async def check_redis(bot: Bot) -> None:
        """A wrong REDIS_URL stops start-up, instead of failing every update later."""
        from redis.exceptions import RedisError  # noqa: PLC0415

        try:
            async with asyncio.timeout(REDIS_CHECK_SECONDS):
                # The asyncio client's answer is awaitable; redis types both clients' at once.
                await cast("Awaitable[bool]", storage.redis.ping())
        except (RedisError, OSError, TimeoutError) as error:
            # Shutdown hooks do not run after a failed start-up: close what is open here.
            await storage.close()
            await bot.session.close()
            reason = str(error) or f"no answer within {REDIS_CHECK_SECONDS:g} s"
            raise SettingsError(
                f"REDIS_URL cannot be used: Redis did not answer ({reason}); "
                "check that Redis runs and the address is right."
            ) from None

    return check_redis


async def check_consultant_chat(bot: Bot, services: Services) -> None:
    """A CONSULTANT_CHAT_ID that is a person's own chat stops start-up: everything that person
    writes would be taken for staff talk."""
    try:
        await check_staff_chat(services.db, services.settings)
    except SettingsError:
        # Shutdown hooks do not run after a failed start-up: close what is open here.
        await bot.session.close()
        raise


async def set_bot_commands(bot: Bot, services: Services) -> None:
    """The command list in every language, plus the default for other languages."""
    i18n, settings = services.i18n, services.settings
    for locale in (None, *SUPPORTED_LOCALES):
        with i18n.context(), i18n.use_locale(locale or settings.default_locale):
            commands = [
                BotCommand(command=name, description=text) for name, text in command_list()
            ]
        await bot.set_my_commands(commands, language_code=locale)
    # Admin commands are listed only in the admins' own chats (and checked on every use):
    # `AdminMenus.setup`, the next start-up hook.


async def warm_recommender(services: Services) -> None:
    """Build the programme index before the first person asks (large catalogues take ~1 s)."""
    async with services.db.autocommit() as repos:
        await services.recommender.refresh(repos.catalogue)


# The towns table and the search indexes are built a moment after start-up, once the bot is
# answering: the updates waiting at start are not held up by them, and whoever needs one
# before it is ready builds it then (both are built once, under their own locks).
WARM_DELAY_SECONDS = 2.0
_warming: set[asyncio.Task[None]] = set()


async def warm_later(services: Services) -> None:
    task = asyncio.create_task(warm_up(services, delay=WARM_DELAY_SECONDS), name="warm-up")
    _warming.add(task)
    task.add_done_callback(_warming.discard)


async def warm_up(services: Services, *, delay: float = 0.0) -> None:
    """The towns table, the FAQ and occupations' phrases, and the programmes' search index
    (it follows the catalogue: a large one takes seconds, once)."""
    await asyncio.sleep(delay)
    try:
        services.places.load_towns()
        await services.free_text.refresh(services.db)
        await services.free_text.refresh_programs(services.db)
    except Exception:
        logger.exception("Warming up the towns and search indexes failed; built on first use")
        return
    freeze_warmed()


async def stop_warming() -> None:
    loop = asyncio.get_running_loop()
    mine = [task for task in _warming if task.get_loop() is loop]
    for task in mine:
        task.cancel()
    await asyncio.gather(*mine, return_exceptions=True)


async def start_workers(bot: Bot, services: Services) -> None:
    """Reminders, the delivery of applications (and broadcasts on SQLite) run in the one
    process that holds the lease; a process without it takes over when the holder stops or
    dies. On PostgreSQL every process sends broadcasts, at one shared rate."""
    broadcaster = services.broadcaster
    everywhere = broadcaster.shared

    async def send_broadcasts() -> None:
        # A pause is made (and told to the admins) once: a conditional update.
        await pause_broadcasts_of_removed_admins(bot, services)
        broadcaster.active = True
        await resume_broadcasts(bot, broadcaster)

    async def begin() -> None:
        if not everywhere:
            await send_broadcasts()
        await start_reminders(bot, services.reminder_sender)
        services.lead_outbox.start(bot)
        services.lead_flagger.start(bot)

    async def end() -> None:
        if not everywhere:
            broadcaster.active = False
            await stop_broadcasts(services)
        await stop_reminders(services)
        await stop_outbox(services)
        await services.lead_flagger.stop()

    broadcaster.active = False  # on SQLite, until the lease is taken
    if everywhere:
        await send_broadcasts()
    await services.lease.start(begin, end)


async def stop_workers(services: Services) -> None:
    await services.lease.stop()


async def pause_broadcasts_of_removed_admins(bot: Bot, services: Services) -> None:
    """A broadcast whose author is no longer in ADMIN_IDS does not go out: it is paused, and
    the remaining admins are told once, with buttons to continue or cancel it."""
    settings, i18n = services.settings, services.i18n
    authors = settings.admin_ids | frozenset(await centre_admin_ids(services.db))
    for paused in await pause_where_author_removed(services.db, authors):
        logger.warning(
            "Broadcast %d paused: its author %d is no longer in ADMIN_IDS",
            paused.row.id,
            paused.row.admin_id,
        )
        with i18n.context(), i18n.use_locale(settings.default_locale):
            text, markup = admin_broadcast.author_removed_view(paused.row, paused.counts)
        for admin_id in sorted(settings.admin_ids):
            try:
                await bot.send_message(admin_id, text, reply_markup=markup)
            except TelegramAPIError as error:
                logger.warning(
                    "Admin %d not told about paused broadcast %d: %s",
                    admin_id,
                    paused.row.id,
                    error.message,
                )


async def resume_broadcasts(bot: Bot, broadcaster: Broadcaster) -> None:
    """Broadcasts that were running when the bot stopped go on; scheduled ones wait."""
    await broadcaster.resume(bot)


async def start_reminders(bot: Bot, reminder_sender: ReminderSender) -> None:
    reminder_sender.start(bot)


async def stop_reminders(services: Services) -> None:
    await services.reminder_sender.stop()


async def stop_outbox(services: Services) -> None:
    await services.lead_outbox.stop()
    await services.lead_flagger.stop()


async def stop_broadcasts(services: Services) -> None:
    await services.broadcaster.stop(DRAIN_SECONDS)


async def drain_updates(services: Services) -> None:
    in_flight = services.in_flight
    if not await in_flight.drain(DRAIN_SECONDS):
        logger.warning("Stopped with %d updates still being handled", in_flight.running)
