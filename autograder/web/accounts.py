"""The roster: student accounts from Moodle's grading worksheet or a plain CSV, staff accounts.

A plain CSV has a header with `id` (or `student`) and optionally `name`; a Moodle worksheet is
recognised by its columns and gives the same student ids as `autograder collect` (the
participant number made safe), so uploads and collected files land on the same student.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..batch.moodle import REQUIRED, find_columns, read_worksheet
from ..batch.names import safe_filename, safe_id
from ..config import GradingConfig
from ..errors import UserError
from ..gradebook.models import Account
from ..gradebook.store import upsert_student
from .auth import ROLES

MAX_ROSTER_BYTES = 2 * 1024 * 1024


def ensure_account(session: Session, config: GradingConfig, username: str, role: str,
                   name: str = "", student_id: str | None = None) -> Account:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    row = session.scalar(select(Account).where(Account.username == username))
    if row is None:
        row = Account(username=username, role=role, course=config.course.name,
                      student_id=student_id, name=name)
        session.add(row)
        session.flush()
    elif row.role != role:
        raise UserError(f"account {username!r} exists with role {row.role}, not {role}")
    return row


def _plain_rows(text: str, name: str) -> list[tuple[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().casefold(): f for f in reader.fieldnames or []}
    key = fields.get("id") or fields.get("student")
    if key is None:
        raise UserError(f"{name}: neither a Moodle grading worksheet nor a CSV with an `id` "
                        "column (and optionally `name`)")
    label = fields.get("name")
    rows = []
    for number, row in enumerate(reader, start=2):
        raw = (row.get(key) or "").strip()
        if not raw:
            raise UserError(f"{name}:{number}: empty student id")
        rows.append((safe_id(raw), (row.get(label) or "").strip() if label else ""))
    return rows


def roster_rows(data: bytes, name: str, timezone: str, scratch: Path) -> list[tuple[str, str]]:
    """(student id, name) pairs from an uploaded roster file; errors name the file."""
    if len(data) > MAX_ROSTER_BYTES:
        raise UserError(f"{name}: larger than {MAX_ROSTER_BYTES // 1024} KiB, not a roster")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{name}: not a UTF-8 CSV file") from None
    header = next(csv.reader(io.StringIO(text)), [])
    if all(key in find_columns(header) for key in REQUIRED):
        path = scratch / safe_filename(name, "worksheet.csv")
        path.write_bytes(data)
        try:
            sheet = read_worksheet(path, timezone)
        except UserError as exc:  # name the upload, not our scratch folder
            raise UserError(str(exc).replace(str(path), name)) from None
        return [(safe_id(r.participant), r.full_name) for r in sheet.rows.values()]
    return _plain_rows(text, name)


def import_roster(session: Session, config: GradingConfig,
                  rows: list[tuple[str, str]]) -> list[Account]:
    """A student and a student account for every row (existing ones keep their accounts)."""
    accounts = []
    for student_id, name in rows:
        upsert_student(session, student_id, name)
        accounts.append(ensure_account(session, config, student_id, "student", name, student_id))
    return accounts
