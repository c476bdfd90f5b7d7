"""A student's upload: untrusted bytes, checked, kept untouched, collected at the server's time.

The upload is recorded like a collected file (submitted/<student>/<id>/<time>-<hash>/), with
time source `server`: the time the server received it, a trusted time the late policy charges.
What a student may upload is bounded by the course: the notebook size limit, the number of
submissions per assignment, uploads per hour, and the assignment being open.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..batch.names import safe_filename
from ..config import GradingConfig
from ..errors import UserError
from ..gradebook.models import SubmissionRow, now
from ..gradebook.store import ensure_assignment, find_submission
from ..notebook import InvalidNotebook, parse_notebook
from ..submission import parse_submission

TIME_SOURCE = "server"
STAMP = "%Y%m%dT%H%M%S%fZ"


class UploadRefused(UserError):
    """The upload is not accepted; the message says why, in one line, for the student."""


@dataclass(frozen=True)
class Window:
    deadline: datetime
    closes: datetime  # the last moment an upload is accepted (late ones are penalised)

    def open_at(self, moment: datetime) -> bool:
        return moment <= self.closes


def window(config: GradingConfig, assignment_id: str, student_id: str) -> Window:
    """Open until the deadline (with the student's extension); a per-day late policy keeps it
    open until its penalty reaches the maximum, `zero` and `none` close it at the deadline."""
    deadline = config.deadline(assignment_id, student_id)
    policy = config.late_policy
    closes = deadline
    if policy.kind == "percent_per_day" and policy.percent_per_day > 0:
        days = math.ceil(policy.max_percent / policy.percent_per_day)
        closes = deadline + timedelta(days=days, minutes=policy.grace_minutes)
    return Window(deadline, closes)


def max_upload_bytes(config: GradingConfig) -> int:
    """A zip may wrap the notebook: allow it the notebook limit plus a little."""
    return config.limits.notebook_bytes + 64 * 1024


def _count(session: Session, student_id: str, assignment_id: str | None = None,
           since: datetime | None = None) -> int:
    query = select(func.count()).select_from(SubmissionRow).where(
        SubmissionRow.student_id == student_id, SubmissionRow.time_source == TIME_SOURCE)
    if assignment_id is not None:
        query = query.where(SubmissionRow.assignment_id == assignment_id)
    if since is not None:
        query = query.where(SubmissionRow.collected_at >= since)
    return session.scalar(query) or 0


def remaining(session: Session, config: GradingConfig, student_id: str,
              assignment_id: str) -> int:
    return max(0, config.uploads.max_submissions - _count(session, student_id, assignment_id))


def accept_upload(session: Session, config: GradingConfig, workspace: Path, student_id: str,
                  assignment_id: str, filename: str, data: bytes) -> SubmissionRow:
    """Check the upload against the course's limits and keep it; refusals are UploadRefused."""
    received = now()
    if not window(config, assignment_id, student_id).open_at(received):
        raise UploadRefused(f"{assignment_id} is closed: uploads are no longer accepted")
    if remaining(session, config, student_id, assignment_id) <= 0:
        raise UploadRefused(f"you have used all {config.uploads.max_submissions} submissions "
                            f"of {assignment_id}")
    if _count(session, student_id, since=received - timedelta(hours=1)) >= config.uploads.per_hour:
        raise UploadRefused(f"too many uploads: at most {config.uploads.per_hour} per hour; "
                            "try again later")
    name = safe_filename(filename or "submission.ipynb")
    if len(data) > max_upload_bytes(config):
        raise UploadRefused(f"{name}: larger than the course's limit of "
                            f"{config.limits.notebook_mb:g} MB")
    try:
        submission = parse_submission(data, Path(name))
        nb = parse_notebook(submission.notebook, name, config.limits.notebook_bytes)
    except InvalidNotebook as exc:
        raise UploadRefused(str(exc)) from None
    meta = nb.get("metadata", {}).get("autograder")
    claimed = meta.get("assignment") if isinstance(meta, dict) else None
    if claimed is not None and claimed != assignment_id:
        raise UploadRefused(f"{name}: this is the notebook of {claimed!r}, not {assignment_id!r}")
    ensure_assignment(session, config, assignment_id)
    sha = hashlib.sha256(data).hexdigest()
    if find_submission(session, student_id, assignment_id, sha) is not None:
        raise UploadRefused(f"{name}: you already submitted exactly this file")
    folder = (workspace / "submitted" / student_id / assignment_id
              / f"{received.strftime(STAMP)}-{sha[:8]}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    row = SubmissionRow(student_id=student_id, assignment_id=assignment_id,
                        path=str((folder / name).relative_to(workspace)), original_name=name,
                        file_sha256=sha, submitted_at=received, time_source=TIME_SOURCE,
                        collected_at=received, note="uploaded through the course web app")
    session.add(row)
    session.flush()
    return row
