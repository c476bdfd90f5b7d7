"""Lateness from Gradescope's submission_metadata.json, the platform's own record.

Fields, from https://gradescope-autograders.readthedocs.io/en/latest/submission_metadata/
(docs/submission_metadata.md of github.com/gradescope/autograder_samples): `created_at` (the
submission time), `assignment.due_date` and `assignment.late_due_date`, and `users` (several for a
group). A user with an extension carries their own `assignment` dates in `users[i].assignment`;
the most generous due date of the group counts. The course's late policy (grading_config.yaml)
turns the time past that due date into a penalty. Without a readable metadata file there is no
trusted submission time, so no penalty is charged and the output says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import LatePolicy
from ..gradebook.late import UNTRUSTED, Lateness, lateness

MAX_METADATA_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SubmissionInfo:
    """What the metadata says about this submission, and the lateness it implies."""

    late: Lateness
    students: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _due_dates(meta: dict) -> tuple[datetime | None, datetime | None]:
    """The group's most generous (due, late due) dates: per-user extensions first."""
    assignment = meta.get("assignment") if isinstance(meta.get("assignment"), dict) else {}
    dues = [_time(assignment.get("due_date"))]
    late_dues = [_time(assignment.get("late_due_date"))]
    users = meta.get("users") if isinstance(meta.get("users"), list) else []
    for user in users:
        own = user.get("assignment") if isinstance(user, dict) else None
        if isinstance(own, dict):
            dues.append(_time(own.get("due_date")))
            late_dues.append(_time(own.get("late_due_date")))
    known = [d for d in dues if d]
    known_late = [d for d in late_dues if d]
    return (max(known) if known else None), (max(known_late) if known_late else None)


def _students(meta: dict) -> list[str]:
    users = meta.get("users") if isinstance(meta.get("users"), list) else []
    names = []
    for user in users:
        if isinstance(user, dict):
            who = user.get("email") or user.get("id") or user.get("name")
            if who not in (None, ""):
                names.append(str(who))
    return names


def read_submission_info(path: Path, policy: LatePolicy) -> SubmissionInfo:
    """Lateness and submitters; any problem with the file means: no penalty, said plainly."""
    try:
        raw = path.read_bytes()[:MAX_METADATA_BYTES + 1]
        meta = json.loads(raw) if len(raw) <= MAX_METADATA_BYTES else None
    except (OSError, ValueError):
        meta = None
    if not isinstance(meta, dict):
        return SubmissionInfo(UNTRUSTED, notes=[f"{path.name} is missing or unreadable: no "
                                                "trusted submission time, no late penalty."])
    submitted = _time(meta.get("created_at"))
    due, late_due = _due_dates(meta)
    students = _students(meta)
    if submitted is None or due is None:
        return SubmissionInfo(UNTRUSTED, students, ["No submission time or due date in the "
                                                    "submission metadata: no late penalty."])
    late = lateness(policy, submitted, due)
    notes = []
    if late.days_late:
        notes.append(f"Submitted {late.days_late} day(s) after the due date "
                     f"{due.isoformat()}: late penalty {late.penalty_percent:g} %.")
        if late_due is not None and submitted > late_due:
            notes.append(f"Submitted after the late due date {late_due.isoformat()}.")
    return SubmissionInfo(late, students, notes)
