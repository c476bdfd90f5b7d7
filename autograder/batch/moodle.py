"""Moodle's formats: "download all submissions" folder names and the grading worksheet CSV.

The worksheet is the LMS's record and the only trusted source of submission times. Its times
are in the course timezone unless they carry an offset; a date that cannot be read is an error
naming the file and the line, never a guess.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import UserError

FOLDER = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assign(submission|feedback)_(?P<plugin>[a-z]+)_?$")
PARTICIPANT = re.compile(r"(\d+)")
ID_COLUMN = "Identifier"
NAME_COLUMN = "Full name"
TIME_COLUMN = "Last modified (submission)"
TIME_FORMATS = ("%A, %d %B %Y, %I:%M %p", "%A, %d %B %Y, %H:%M", "%d %B %Y, %I:%M %p",
                "%d %B %Y, %H:%M", "%d/%m/%Y, %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class MoodleFolder:
    full_name: str
    participant: str
    plugin: str  # "file" for uploaded files, "onlinetext" for typed text


def parse_folder(name: str) -> MoodleFolder | None:
    match = FOLDER.match(name)
    if match is None:
        return None
    return MoodleFolder(match["name"].strip(), match["id"], match["plugin"])


@dataclass(frozen=True)
class WorksheetRow:
    participant: str
    full_name: str
    submitted_at: datetime | None


def parse_time(text: str, timezone: str) -> datetime | None:
    text = text.strip()
    if not text or text == "-":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
        for fmt in TIME_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if moment is None:
        raise ValueError(f"cannot read the date {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def read_worksheet(path: Path, timezone: str) -> dict[str, WorksheetRow]:
    """participant id -> row, from Moodle's "Download grading worksheet" CSV."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in (ID_COLUMN, TIME_COLUMN) if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError(f"{path}: not a Moodle grading worksheet (no column "
                        f"{', '.join(repr(c) for c in missing)})")
    rows: dict[str, WorksheetRow] = {}
    for line, record in enumerate(reader, start=2):
        found = PARTICIPANT.search(record.get(ID_COLUMN) or "")
        if found is None:
            raise UserError(f"{path}:{line}: {ID_COLUMN} {record.get(ID_COLUMN)!r} has no "
                            "participant number")
        try:
            moment = parse_time(record.get(TIME_COLUMN) or "", timezone)
        except ValueError as exc:
            raise UserError(f"{path}:{line}: {TIME_COLUMN}: {exc}") from None
        rows[found[1]] = WorksheetRow(found[1], (record.get(NAME_COLUMN) or "").strip(), moment)
    return rows
