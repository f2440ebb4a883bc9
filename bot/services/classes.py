"""Classes: a teacher, a parent or a centre's career adviser creates one (a name → a link and a
QR code); pupils who open the link are in that class and take the school test; the owner sees
an anonymous summary. Results shared by a link (`?start=r_<token>`) are here too.

Privacy: a summary holds counts only, never one pupil's answers or who they are, and a class
with fewer than `MIN_FINISHED` finished tests shows nothing but how many finished. Membership
and shared links are kept only with consent; /forget deletes them (and an owner's classes)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.quiz.scoring import klimov_profiles
from bot.services.links import CLASS_PREFIX, RESULT_PREFIX, new_code
from bot.services.profile import ConversationData, current_role
from storage.classes import ClassRow
from storage.db import Database
from storage.results import ResultRow
from storage.users import UserRow

MIN_FINISHED = 3  # fewer finished tests: the summary is the count alone
CLASSES_MAX = 50  # per owner
SQLITE_MAX = 2**63  # ids in callback data beyond it cannot be rows


class ClassKey(StrEnum):
    pending = "pending_class"  # a class code opened before consent, joined once it is given


async def is_pupil(db: Database, user_row: UserRow, conversation: ConversationData) -> bool:
    if await current_role(user_row, conversation) == "student":
        return True
    if not user_row.has_consent:
        return False
    async with db.autocommit() as repos:
        return await repos.classes.class_of(user_row.id) is not None


async def may_create(
    user_row: UserRow, conversation: ConversationData, admin_ids: frozenset[int]
) -> bool:
    """Parents and teachers (the role), and admins."""
    return user_row.id in admin_ids or await current_role(user_row, conversation) == "parent"


async def create_class(db: Database, owner_id: int, name: str) -> ClassRow | None:
    """None when the owner has CLASSES_MAX classes already."""
    async with db.transaction() as tx:
        if len(await tx.classes.of_owner(owner_id)) >= CLASSES_MAX:
            return None
        return await tx.classes.create(new_code(CLASS_PREFIX), name, owner_id)


async def classes_of(db: Database, owner_id: int) -> list[ClassRow]:
    async with db.autocommit() as repos:
        return await repos.classes.of_owner(owner_id)


async def owned(db: Database, owner_id: int, class_id: int) -> ClassRow | None:
    """The class, only for its owner (a forged id of another's class, or one out of SQLite's
    range, gives None)."""
    if not 0 < class_id < SQLITE_MAX:
        return None
    async with db.autocommit() as repos:
        row = await repos.classes.get(class_id)
    return row if row is not None and row.owner_id == owner_id else None


async def find(db: Database, code: str) -> ClassRow | None:
    async with db.autocommit() as repos:
        return await repos.classes.by_code(code)


async def join(
    db: Database, user_row: UserRow, conversation: ConversationData, row: ClassRow
) -> bool:
    """The pupil is in the class now (True); without consent it waits for consent (False)."""
    if not user_row.has_consent:
        await conversation.update_data({ClassKey.pending: row.code})
        return False
    async with db.autocommit() as repos:
        await repos.classes.join(user_row.id, row.id)
    return True


async def pending_code(conversation: ConversationData) -> str | None:
    code = (await conversation.get_data()).get(ClassKey.pending)
    return code if isinstance(code, str) else None


async def join_pending(db: Database, user_id: int, code: str | None) -> ClassRow | None:
    """After consent: the class opened before it, if it still exists."""
    if not code:
        return None
    async with db.transaction() as tx:
        row = await tx.classes.by_code(code)
        if row is not None:
            await tx.classes.join(user_id, row.id)
    return row


@dataclass(frozen=True, slots=True)
class ClassSummary:
    name: str
    finished: int
    shown: bool  # False: fewer than MIN_FINISHED finished, nothing but the count
    leading: dict[str, int] = field(default_factory=dict)  # school type → pupils
    unclear: int = 0  # finished without a clear leading type
    fields: list[tuple[str, int]] = field(default_factory=list)  # school profile → pupils


async def summary(db: Database, owner_id: int, class_id: int) -> ClassSummary | None:
    """The anonymous summary for the owner; None for anyone else."""
    row = await owned(db, owner_id, class_id)
    if row is None:
        return None
    async with db.autocommit() as repos:
        counts = await repos.classes.counts(class_id)
        codes = await repos.classes.member_codes(class_id) if counts.finished else []
    if counts.finished < MIN_FINISHED:
        return ClassSummary(row.name, counts.finished, shown=False)
    fields: Counter[str] = Counter()
    for code in codes:
        fields.update(klimov_profiles(code.split("+") if code else ()))
    return ClassSummary(
        row.name,
        counts.finished,
        shown=True,
        leading=dict(counts.leading),
        unclear=counts.unclear,
        fields=fields.most_common(3),
    )


# --- shared results ----------------------------------------------------------------------------


async def share_latest(db: Database, user_row: UserRow) -> str | None:
    """A new link code to the person's latest result; None without consent or a result."""
    if not user_row.has_consent:
        return None
    async with db.transaction() as tx:
        result = await tx.results.latest(user_row.id)
        if result is None:
            return None
        code = new_code(RESULT_PREFIX, 12)
        await tx.classes.share(code, user_row.id, result.id)
    return code


@dataclass(frozen=True, slots=True)
class Shared:
    result: ResultRow
    owner_name: str | None


async def shared_result(db: Database, code: str) -> Shared | None:
    """The result behind a shared link, while its owner keeps consent and the link."""
    async with db.autocommit() as repos:
        found = await repos.classes.shared(code)
        if found is None:
            return None
        result = await repos.results.by_id(found[1])
        owner = await repos.users.get(found[0])
    if result is None:
        return None
    return Shared(result, owner.first_name if owner else None)


async def revoke_shares(db: Database, user_id: int) -> int:
    async with db.autocommit() as repos:
        return await repos.classes.revoke_shares(user_id)
