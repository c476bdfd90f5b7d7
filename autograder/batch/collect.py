"""`autograder collect`: bring submissions into the course workspace, untouched.

Layout (nbgrader's convention, one folder per attempt so several submissions are all kept):
    submitted/<student>/<assignment>/<UTC time>-<hash>/<file>   the original bytes
    submitted/<student>/<assignment>/<UTC time>-<hash>/timestamp.txt
    rejected/<assignment>/<collection time>/<file>              files set aside, with reasons
The submission time comes from the LMS's grading worksheet when one is given, else from a time
the TA states for the whole batch (`--received-at`), else it is the time of collection, which is
not trusted: no late penalty is charged by it. Nothing a student wrote (manifest, file dates)
counts. Whose submission
a file is: the Moodle folder (the LMS knows), else the manifest written by `autograder submit`,
else the file's name, else the folder it is in. A file from a known student that cannot be read
is still collected (it grades as `invalid`, with the reason, so the student hears about it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..course import CourseRepo
from ..gradebook.models import SubmissionRow, now
from ..gradebook.store import ensure_assignment, find_submission, upsert_student
from ..notebook import InvalidNotebook, parse_notebook
from ..submission import parse_submission
from .moodle import WorksheetRow, read_worksheet
from .names import safe_filename, safe_id
from .sources import SUBMISSION_SUFFIXES, Candidate, Skipped, candidates

STAMP = "%Y%m%dT%H%M%SZ"


@dataclass
class Collected:
    student: str
    origin: str
    path: Path
    submitted_at: datetime
    time_source: str
    problem: str = ""  # why it cannot be read, if it cannot


@dataclass
class CollectReport:
    collected: list[Collected] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (origin, student)
    set_aside: list[tuple[str, str, Path | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def unreadable(self) -> list[Collected]:
        return [c for c in self.collected if c.problem]


@dataclass
class _Identity:
    student: str
    name: str = ""
    lms_id: str | None = None
    sheet: WorksheetRow | None = None


def _inspect(data: bytes, name: str, notebook_limit: int) -> tuple[dict, str | None, str]:
    """(manifest, notebook's sha256, problem): read the candidate exactly as grading will."""
    try:
        submission = parse_submission(data, Path(name))
        parse_notebook(submission.notebook, name, notebook_limit)
        return submission.manifest, submission.sha256, ""
    except InvalidNotebook as exc:
        return {}, None, str(exc)


def _id_from_name(name: str, assignment_id: str) -> str | None:
    stem = Path(name).stem.replace(assignment_id, "").strip(" -_.")
    return stem or None


def _identify(candidate: Candidate, manifest: dict, assignment_id: str,
              sheet: dict[str, WorksheetRow]) -> _Identity | None:
    if candidate.moodle is not None:
        row = sheet.get(candidate.moodle.participant)
        name = row.full_name if row and row.full_name else candidate.moodle.full_name
        return _Identity(safe_id(candidate.moodle.participant), name,
                         candidate.moodle.participant, row)
    claimed = manifest.get("student")
    if isinstance(claimed, str) and claimed.strip():
        name = manifest.get("name")
        return _Identity(safe_id(claimed), name if isinstance(name, str) else "")
    from_name = _id_from_name(candidate.name, assignment_id) or candidate.folder
    return _Identity(safe_id(from_name)) if from_name else None


def collect(repo: CourseRepo, session: Session, assignment_id: str, source: Path,
            worksheet: Path | None = None,
            received_at: datetime | None = None) -> CollectReport:
    config = repo.config
    ensure_assignment(session, config, assignment_id)
    sheet = read_worksheet(worksheet, config.course.timezone) if worksheet else {}
    for row in sheet.values():  # who should have submitted: the others show up as missing
        upsert_student(session, safe_id(row.participant), row.full_name, row.participant)
    workspace = repo.workspace
    started = now()
    rejected_dir = workspace / "rejected" / assignment_id / started.strftime(STAMP)
    limit = int(config.limits.notebook_mb * 1024 * 1024)
    report = CollectReport()
    per_student: dict[str, list[Collected]] = {}
    for item in candidates(source):
        if isinstance(item, Skipped):
            report.set_aside.append((item.origin, item.reason,
                                     _keep(rejected_dir, item.origin, item.data)))
            continue
        if item.moodle is not None and item.moodle.plugin != "file":
            report.set_aside.append((item.origin, f"Moodle {item.moodle.plugin} text, not a file "
                                     "submission", _keep(rejected_dir, item.origin, item.data)))
            continue
        if not item.name.lower().endswith(SUBMISSION_SUFFIXES):
            report.set_aside.append((item.origin, "not a notebook (.ipynb) or a zip",
                                     _keep(rejected_dir, item.origin, item.data)))
            continue
        manifest, notebook_sha, problem = _inspect(item.data, item.name, limit)
        who = _identify(item, manifest, assignment_id, sheet)
        if who is None:
            reason = problem or ("cannot tell whose submission this is: no manifest (made by "
                                 "`autograder submit`) and no student id in the file name")
            report.set_aside.append((item.origin, reason,
                                     _keep(rejected_dir, item.origin, item.data)))
            continue
        upsert_student(session, who.student, who.name, who.lms_id)
        file_sha = hashlib.sha256(item.data).hexdigest()
        if find_submission(session, who.student, assignment_id, file_sha) is not None:
            report.duplicates.append((item.origin, who.student))
            continue
        if who.sheet is not None and who.sheet.submitted_at is not None:
            when, time_source = who.sheet.submitted_at, "lms-worksheet"
        elif received_at is not None:
            when, time_source = received_at, "given"
        else:
            when, time_source = started, "collection"
            if sheet:
                report.warnings.append(f"{item.origin}: not in the worksheet; submission time "
                                       "is the time of collection")
        folder = (workspace / "submitted" / who.student / assignment_id
                  / f"{when.astimezone(started.tzinfo).strftime(STAMP)}-{file_sha[:8]}")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / safe_filename(item.name)
        target.write_bytes(item.data)
        (folder / "timestamp.txt").write_text(when.isoformat() + "\n")
        session.add(SubmissionRow(
            student_id=who.student, assignment_id=assignment_id,
            path=target.relative_to(workspace).as_posix(), original_name=item.origin[:500],
            file_sha256=file_sha, notebook_sha256=notebook_sha, submitted_at=when,
            time_source=time_source, collected_at=started, readable=not problem, note=problem))
        session.flush()
        done = Collected(who.student, item.origin, target, when, time_source, problem)
        report.collected.append(done)
        per_student.setdefault(who.student, []).append(done)
    for student, items in per_student.items():
        if len(items) > 1:
            report.warnings.append(f"{student}: {len(items)} files in this collection; the "
                                   f"latest ({items[-1].origin}) counts, all are kept")
    session.commit()
    return report


def _keep(folder: Path, origin: str, data: bytes | None) -> Path | None:
    """Set a file aside under a safe name inside the workspace; None when it was not read."""
    if data is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_filename(origin.replace(":", "_"), "file")
    target = folder / name
    counter = 1
    while target.exists():
        target = folder / f"{counter}-{name}"
        counter += 1
    target.write_bytes(data)
    return target
