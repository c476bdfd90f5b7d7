"""Untrusted names made safe: student ids as folder names, file names, CSV cells.

Student ids, names and file names come from students (manifests, file names) or from an LMS
that shows what students typed; none of them may pick a path or start a spreadsheet formula.
"""

from __future__ import annotations

import hashlib
import re

from ..submission import STUDENT_ID

UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_.@-]+")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_id(raw: str) -> str:
    """The id itself when it is a plain name; otherwise a cleaned version with a short hash of
    the original, so two different ids never share a folder."""
    raw = raw.strip()
    if STUDENT_ID.match(raw) and ".." not in raw:
        return raw
    cleaned = UNSAFE_CHARS.sub("_", raw).replace("..", "_").strip("._-")[:48] or "student"
    return f"{cleaned}-{hashlib.sha256(raw.encode()).hexdigest()[:8]}"


def safe_filename(raw: str, default: str = "submission") -> str:
    """A base name (no folders) of safe characters, keeping the extension."""
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = UNSAFE_CHARS.sub("_", base).strip("._") or default
    return cleaned[-120:]


def csv_cell(value: object) -> object:
    """Numbers stay numbers; text that a spreadsheet would run as a formula gets a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
