"""The small rules of centres as operators: working days, who manages what, which status may
follow which, and which group messages the bot hears."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.workdays import working_days_back
from bot.services.centre_admins import NEXT, Role, Stage
from handlers.admin.centres import is_chat_command


def test_working_days_skip_the_weekend() -> None:
    monday = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert working_days_back(monday, 1) == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday
    assert working_days_back(monday, 2) == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    wednesday = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert working_days_back(wednesday, 2) == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    saturday = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    assert working_days_back(saturday, 1) == datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_a_centre_admin_manages_only_their_centre_and_no_online_rows() -> None:
    centre = Role(5001, network=False, center_id="copp-perm-krai")
    assert centre.may_manage("copp-perm-krai")
    assert not centre.may_manage("copp-tula-oblast")
    assert not centre.may_manage(None)
    network = Role(9001, network=True)
    assert network.may_manage("copp-tula-oblast") and network.may_manage(None)


def test_statuses_go_forward_and_a_slip_can_be_undone() -> None:
    assert NEXT[Stage.new] == {Stage.contacted, Stage.declined}
    assert NEXT[Stage.contacted] == {Stage.enrolled, Stage.declined}
    assert NEXT[Stage.enrolled] == {Stage.contacted}
    assert Stage.new not in set().union(*NEXT.values())  # nobody un-contacts a person


def test_only_bind_and_unbind_are_heard_in_any_group() -> None:
    assert is_chat_command("/bind 1a2b3c4d")
    assert is_chat_command("/bind@copp_bot")
    assert is_chat_command("/unbind")
    assert not is_chat_command("/binder")
    assert not is_chat_command("привет /bind")
    assert not is_chat_command(None)
