"""Russian phone numbers as people type them."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-‐‑–—().]")
_ALLOWED = re.compile(r"^\+?\d+$")


def normalize_phone(text: str) -> str | None:
    """`+7 (912) 345-67-89`, `8 912 345 67 89`, `89123456789`, `7-912-…` → `+79123456789`;
    anything else (too short, letters, a foreign code) → None."""
    compact = _SEPARATORS.sub("", text.strip())
    if len(compact) > 20 or not _ALLOWED.match(compact):
        return None
    digits = compact.lstrip("+")
    if compact.startswith("+") and not digits.startswith("7"):
        return None
    if len(digits) == 11 and digits[0] in "78":
        national = digits[1:]
    elif len(digits) == 10 and not compact.startswith("+"):
        national = digits
    else:
        return None
    # Russian numbers start with 3, 4, 8 (landlines and free lines) or 9 (mobile).
    if national[0] not in "3489":
        return None
    return "+7" + national


def format_phone(phone: str) -> str:
    """`+79123456789` → `+7 912 345-67-89` for people to read."""
    n = phone.removeprefix("+7")
    if len(n) != 10:
        return phone
    return f"+7 {n[:3]} {n[3:6]}-{n[6:8]}-{n[8:]}"
