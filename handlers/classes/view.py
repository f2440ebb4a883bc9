"""Texts and keyboards for parents and teachers: their menu, classes and the anonymous class
summary, what the types mean, and shared results."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.charts import BarChart
from bot.domain.quiz.content import InstrumentTexts
from bot.services.classes import MIN_FINISHED, ClassSummary
from handlers.classes.callbacks import (
    ClassAction,
    ClassCb,
    ParentAction,
    ParentCb,
    ShareAction,
    ShareCb,
)
from handlers.onboarding.callbacks import MenuAction, MenuCb, MoreAction, MoreCb
from handlers.quiz.callbacks import InstrumentChoice, QuizMenuAction, QuizMenuCb
from storage.classes import ClassRow


def parent_menu_text() -> str:
    return _(
        "👪 <b>For parents and teachers</b>\n"
        "Send the test to your child or to a whole class, read what the types mean, or ask a "
        "consultant. A class gets its own link and QR code; you see only the class totals, "
        "never a pupil's answers."
    )


def parent_menu() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("📨 Test for my child"), callback_data=ParentCb(action=ParentAction.send_test)
    )
    kb.button(text=_("🏫 New class"), callback_data=ParentCb(action=ParentAction.new_class))
    kb.button(text=_("📋 My classes"), callback_data=ParentCb(action=ParentAction.classes))
    kb.button(text=_("📖 What types mean"), callback_data=ParentCb(action=ParentAction.types))
    kb.button(text=_("💬 Ask a consultant"), callback_data=MoreCb(action=MoreAction.consult))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1, 2, 1, 1, 1)
    return kb.as_markup()


def back_to_parent_menu() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("◀️ Back"), callback_data=ParentCb(action=ParentAction.menu))
    return kb.as_markup()


def not_for_you() -> str:
    return _(
        "This part is for parents and teachers. If you are one, choose «👪 Parent or teacher» "
        "under «👤 About me» in /menu."
    )


def send_test_text() -> str:
    return (
        _(
            "Forward the next message to your child. The school test takes about five minutes: "
            "20 pairs of activities, choose the one that appeals more.\n"
            "Your child can then show you the result with the «📤 Share my result» button."
        )
        + "\n\n"
        + _("Forward this:")
    )


def forward_text(url: str) -> str:
    return _(
        "🧭 Try a career test: 20 quick questions, about five minutes, and you get the fields "
        "and college specialties that suit you. {url}"
    ).format(url=url)


def ask_class_name() -> str:
    return _(
        "What is the class called? For example «9Б» or «9Б, школа 42». Up to 60 characters. "
        "/menu — cancel."
    )


def need_consent_for_class() -> str:
    return _(
        "To keep your class I need your consent to store data: give it in /privacy, then "
        "create the class."
    )


def class_created(name: str, url: str) -> str:
    return _(
        "✅ Class «{name}»:\n{url}\n\nSend the link to the class chat or show the QR code below. "
        "Pupils who open it take the school test. In «📋 My classes» you see how many "
        "finished and, from {minimum} finished on, the class totals — never anyone's answers."
    ).format(name=html.escape(name), url=url, minimum=MIN_FINISHED)


def qr_caption(name: str) -> str:
    return _("QR code of the class «{name}»").format(name=html.escape(name))[:1024]


def classes_text(found: list[ClassRow]) -> str:
    if not found:
        return _("You have no classes yet. «🏫 New class» creates one.")
    return _("Your classes — choose one to see its summary:")


def classes_keyboard(found: list[ClassRow]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for row in found:
        kb.button(text=row.name[:24], callback_data=ClassCb(action=ClassAction.summary, id=row.id))
    kb.button(text=_("🏫 New class"), callback_data=ParentCb(action=ParentAction.new_class))
    kb.button(text=_("◀️ Back"), callback_data=ParentCb(action=ParentAction.menu))
    pairs, odd = divmod(len(found), 2)
    kb.adjust(*([2] * pairs), *([1] * odd), 1, 1)
    return kb.as_markup()


def summary_text(found: ClassSummary, texts: InstrumentTexts) -> str:
    name = html.escape(found.name)
    lines = [
        _("🏫 <b>{name}</b>").format(name=name),
        _("Finished the school test: {count}").format(count=found.finished),
    ]
    if not found.shown:
        lines.append(
            _(
                "The class totals appear when at least {minimum} pupils have finished: with "
                "fewer, one pupil's answers could be guessed from them."
            ).format(minimum=MIN_FINISHED)
        )
        return "\n".join(lines)
    lines += ["", _("<b>Leading type</b> (how many pupils)")]
    for school_type, count in sorted(found.leading.items(), key=lambda kv: (-kv[1], kv[0])):
        type_text = texts.types.get(school_type)
        lines.append(f"• {html.escape(type_text.name if type_text else school_type)}: {count}")
    if found.unclear:
        lines.append(_("• no clear leading type: {count}").format(count=found.unclear))
    if found.fields:
        lines += ["", _("<b>Popular school profiles</b>")]
        for profile, count in found.fields:
            lines.append(f"• {html.escape(texts.profiles.get(profile, profile))}: {count}")
    lines += [
        "",
        _("Only totals are shown; what each pupil answered stays with the pupil."),
    ]
    return "\n".join(lines)


def summary_chart(found: ClassSummary, texts: InstrumentTexts) -> BarChart:
    order = sorted(found.leading.items(), key=lambda kv: (-kv[1], kv[0]))
    labels = [texts.types[t].name if t in texts.types else t for t, _n in order]
    values = [n for _t, n in order]
    if found.unclear:
        labels.append(_("no clear type"))
        values.append(found.unclear)
    return BarChart(
        title=_("{name}: leading types").format(name=found.name),
        labels=labels,
        values=values,
        maximum=max([*values, 1]),
    )


def summary_keyboard(class_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔄 Refresh"), callback_data=ClassCb(action=ClassAction.summary, id=class_id))
    kb.button(
        text=_("🔗 Link and QR"), callback_data=ClassCb(action=ClassAction.link, id=class_id)
    )
    kb.button(text=_("◀️ My classes"), callback_data=ParentCb(action=ParentAction.classes))
    kb.adjust(2, 1)
    return kb.as_markup()


def types_text(school: InstrumentTexts, adult: InstrumentTexts) -> str:
    lines = [
        _("📖 <b>What the types mean</b>"),
        _("The <b>school test</b> (for pupils) shows which of five kinds of work appeals most:"),
    ]
    lines += [
        f"• <b>{html.escape(t.name)}</b>. {html.escape(t.enjoy)}" for t in school.types.values()
    ]
    lines += [
        "",
        _("The <b>adult test</b> uses six types (Holland's RIASEC):"),
    ]
    lines += [
        f"• <b>{html.escape(t.name)}</b>: {html.escape(t.enjoy)}" for t in adult.types.values()
    ]
    lines += [
        "",
        _(
            "A type is what a person likes now, not a verdict: it changes with age and "
            "experience. Talk it over, try a профпроба or an open day at a centre."
        ),
    ]
    return "\n".join(lines)[:4096]


# --- for pupils ------------------------------------------------------------------------------


def joined_class(name: str) -> str:
    return _(
        "🏫 You are in the class «{name}». Take the school test: about five minutes. Your "
        "teacher sees only the class totals, never your answers."
    ).format(name=html.escape(name))


def class_waits_for_consent(name: str) -> str:
    return _(
        "🏫 This is the link of the class «{name}». To be counted in your class, agree to store "
        "your data below; you can take the test either way."
    ).format(name=html.escape(name))


def unknown_class() -> str:
    return _(
        "This class link does not work any more (the class may have been deleted). You can "
        "still take the test: /test."
    )


def school_test_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=_("🧭 Take the school test"),
        callback_data=QuizMenuCb(action=QuizMenuAction.start, instrument=InstrumentChoice.klimov),
    )
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def share_created(url: str) -> str:
    return _(
        "📤 Send this link to a parent or a teacher: whoever opens it sees your result card "
        "(the types and scores, not your answers).\n{url}\n\n«Stop sharing» turns off every "
        "link you shared; /forget deletes them too."
    ).format(url=url)


def share_keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🚫 Stop sharing"), callback_data=ShareCb(action=ShareAction.revoke))
    return kb.as_markup()


def share_impossible() -> str:
    return _(
        "There is no saved result to share: results are kept only with consent (/privacy). "
        "Take a test with /test."
    )


def shares_revoked(count: int) -> str:
    return _("🚫 Done: links you shared no longer work ({count}).").format(count=count)


def shared_header(name: str | None, taken_on: str) -> str:
    if name:
        return _("📊 {name} shared their test result with you (taken on {date}):").format(
            name=html.escape(name), date=taken_on
        )
    return _("📊 A test result shared with you (taken on {date}):").format(date=taken_on)


def shared_keyboard() -> InlineKeyboardMarkup:
    """Under a shared result: the viewer's own way on."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📖 What types mean"), callback_data=ParentCb(action=ParentAction.types))
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    kb.adjust(1)
    return kb.as_markup()


def to_menu() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🏠 Menu"), callback_data=MenuCb(action=MenuAction.menu))
    return kb.as_markup()


def shared_gone() -> str:
    return _("This result link does not work: its owner stopped sharing it or deleted their data.")
