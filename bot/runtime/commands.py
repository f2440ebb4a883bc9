"""The command list shown in Telegram's menu button (texts through gettext)."""

from aiogram.utils.i18n import gettext as _


def command_list() -> list[tuple[str, str]]:
    return [
        ("start", _("Start over")),
        ("menu", _("Main menu")),
        ("test", _("Career tests")),
        ("myresult", _("My latest test result")),
        ("programs", _("Programmes for me")),
        ("centers", _("ЦОПП centres near me")),
        ("free", _("Can I study for free?")),
        ("consult", _("Ask a consultant")),
        ("my", _("My applications")),
        ("place", _("Change my city or region")),
        ("settings", _("Reminders")),
        ("help", _("What the bot can do")),
        ("language", _("Language")),
        ("privacy", _("What is stored about me")),
        ("forget", _("Delete my data")),
    ]


def admin_command_list() -> list[tuple[str, str]]:
    return [
        ("broadcast", _("Admin: new broadcast")),
        ("broadcasts", _("Admin: recent broadcasts")),
        ("stats", _("Admin: statistics")),
        ("export", _("Admin: export people, results, applications")),
        ("catalogue", _("Admin: programme catalogue")),
        ("leads", _("Admin: applications not yet passed on")),
    ]
