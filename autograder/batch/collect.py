"""`autograder collect`: bring submissions into the course workspace, untouched.

Layout (nbgrader's convention, one folder per attempt so several submissions are all kept):
    submitted/<student>/<assignment>/<UTC time>-<hash>/<file>   the original bytes
    submitted/<student>/<assignment>/<UTC time>-<hash>/timestamp.txt
    rejected/<assignment>/<collection time>/<file>              files set aside, with reasons
The submission time comes from the LMS's grading worksheet when one is given, else from a time
the TA states for the whole batch (`--received-at`), else it is the time of collection, which is
not trusted: no late penalty is charged by it, and collect names those students. Nothing a
student wrote (manifest, file dates) counts.

Whose submission a file is: the name Moodle wrote (its first `<name>_<id>_assignsubmission_`
prefix, see moodle.py); with a worksheet, that id must be a participant of the worksheet (or,
for a team submission, the folder names a group of the worksheet, and every member listed gets
the submission), and nothing else says whose a file is. Without a worksheet: Moodle's name,
else the manifest written by `autograder submit`, else the file's name, else its folder. A file
whose owner is ambiguous goes to rejected/ with the reason and never replaces anyone's work.

Several files from one student in one collection: the notebook whose metadata names the
assignment is graded, else the one named `<assignment>.ipynb`, else the only notebook; when that
is still ambiguous the submission grades as `invalid` naming the files, so the TA decides. The
other files are kept next to it. A student whose Moodle submission holds no notebook (online
text, a PDF) is "submitted, not a notebook", never "missing". A file from a known student that
cannot be read is still collected (it grades as `invalid`, with the reason).
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from ..course import CourseRepo
from ..gradebook.models import SubmissionRow, now
from ..gradebook.store import ensure_assignment, find_submission, upsert_student
from ..notebook import InvalidNotebook, parse_notebook
from ..submission import parse_submission
from .moodle import DEFAULT_GROUP, Worksheet, WorksheetRow, read_worksheet, same_name
from .names import safe_filename, safe_id
from .sources import SUBMISSION_SUFFIXES, Candidate, Skipped, candidates

STAMP = "%Y%m%dT%H%M%SZ"
NOT_A_NOTEBOOK = "submitted, not a notebook"
AMBIGUOUS = "several notebooks and none is marked as"


@dataclass
class Collected:
    """One file kept as a submission: whose, from where, and when it counts as submitted."""

    student: str
    origin: str
    path: Path
    submitted_at: datetime
    time_source: str
    problem: str = ""  # why it cannot be graded, if it cannot


@dataclass
class CollectReport:
    """What a collection did with every file: kept, duplicate, or set aside with the reason."""

    collected: list[Collected] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (origin, student)
    set_aside: list[tuple[str, str, Path | None]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # which of several files is graded, and why

    @property
    def unreadable(self) -> list[Collected]:
        return [c for c in self.collected if c.problem]

    @property
    def untrusted_time(self) -> list[str]:
        return sorted({c.student for c in self.collected if c.time_source == "collection"})


@dataclass
class _Identity:
    student: str
    name: str = ""
    lms_id: str | None = None
    sheet: WorksheetRow | None = None


@dataclass
class _File:
    """One candidate attributed to a student, read as grading will read it."""

    item: Candidate
    who: _Identity
    notebook: bool
    problem: str = ""
    for_assignment: bool = False  # its metadata names the assignment
    sha: str = ""


def _inspect(data: bytes, name: str, assignment_id: str,
             notebook_limit: int) -> tuple[dict, str | None, bool, str]:
    """(manifest, notebook's sha256, metadata names the assignment, problem)."""
    try:
        submission = parse_submission(data, Path(name))
        notebook = parse_notebook(submission.notebook, name, notebook_limit)
    except InvalidNotebook as exc:
        return {}, None, False, str(exc)
    meta = notebook.metadata.get("autograder")
    named = isinstance(meta, dict) and meta.get("assignment") == assignment_id
    return submission.manifest, submission.sha256, named, ""


def _id_from_name(name: str, assignment_id: str) -> str | None:
    stem = Path(name).stem.replace(assignment_id, "").strip(" -_.")
    return stem or None


def _person(row: WorksheetRow) -> _Identity:
    return _Identity(safe_id(row.participant), row.full_name, row.participant, row)


def _moodle_owners(item: Candidate, sheet: Worksheet | None) -> list[_Identity] | str:
    """Who a Moodle-named file belongs to, or why that cannot be told."""
    moodle = item.moodle
    assert moodle is not None
    if moodle.number is None:
        return (f"Moodle's {DEFAULT_GROUP!r} names no group and no participant (students in no "
                "group): cannot tell whose it is")
    if sheet is None:
        return [_Identity(safe_id(moodle.number), moodle.name, moodle.number)]
    row = sheet.rows.get(moodle.number)
    members = sheet.group_members(moodle.name) if "group" in sheet.columns else []
    person = row is not None and same_name(moodle.name, row.full_name)
    if person and members:
        return (f"{moodle.name!r} {moodle.number} is both a participant and a group of the "
                "worksheet: cannot tell whose it is")
    if members:
        return [_person(r) for r in members]
    if row is None:
        return f"participant {moodle.number} is not in the worksheet {sheet.path.name}"
    return [_person(row)]


def _owners(item: Candidate, manifest: dict, assignment_id: str,
            sheet: Worksheet | None) -> list[_Identity] | str:
    if item.moodle is not None:
        return _moodle_owners(item, sheet)
    if sheet is not None:
        return ("not named as Moodle names a submission (<Full name>_<participant id>_"
                "assignsubmission_file): with a worksheet, only Moodle's names say whose a file is")
    claimed = manifest.get("student")
    if isinstance(claimed, str) and claimed.strip():
        name = manifest.get("name")
        return [_Identity(safe_id(claimed), name if isinstance(name, str) else "")]
    from_name = _id_from_name(item.name, assignment_id) or item.folder
    if from_name:
        return [_Identity(safe_id(from_name))]
    return ("cannot tell whose submission this is: no manifest (made by `autograder submit`) "
            "and no student id in the file name")


def _renamed(item: Candidate, owners: list[_Identity]) -> bool:
    """A participant whose name in the download differs from the worksheet's (renamed since,
    or shown differently): worth a note, as the id decides."""
    moodle, row = item.moodle, owners[0].sheet
    return (moodle is not None and row is not None and len(owners) == 1
            and row.participant == moodle.number and not same_name(moodle.name, row.full_name))


def _choose(files: list[_File], assignment_id: str) -> tuple[_File | None, str]:
    """The file to grade among one student's files, and why (empty when there was no choice)."""
    notebooks = [f for f in files if f.notebook]
    if len(notebooks) == 1:
        return notebooks[0], ""
    if notebooks and all(f.sha for f in notebooks) and len({f.sha for f in notebooks}) == 1:
        return notebooks[0], "the same notebook in each"
    for rule, picked in (
            ("its metadata names the assignment", [f for f in notebooks if f.for_assignment]),
            (f"it is named {assignment_id}.ipynb",
             [f for f in notebooks if f.item.name.casefold() == f"{assignment_id}.ipynb"])):
        if len(picked) == 1:
            return picked[0], rule
    return None, ""


def collect(repo: CourseRepo, session: Session, assignment_id: str, source: Path,
            worksheet: Path | None = None, received_at: datetime | None = None,
            worksheet_timezone: str | None = None) -> CollectReport:
    config = repo.config
    ensure_assignment(session, config, assignment_id)
    sheet = (read_worksheet(worksheet, worksheet_timezone or config.course.timezone)
             if worksheet else None)
    workspace = repo.workspace
    if sheet is not None:
        for row in sheet.rows.values():  # who should have submitted: the others show as missing
            upsert_student(session, safe_id(row.participant), row.full_name, row.participant)
        keep_worksheet(workspace, assignment_id, sheet.path)
    started = now()
    rejected_dir = workspace / "rejected" / assignment_id / started.strftime(STAMP)
    limit = config.limits.notebook_bytes
    report = CollectReport()
    per_student: dict[str, list[_File]] = {}
    for item in candidates(source):
        if isinstance(item, Skipped):
            report.set_aside.append((item.origin, item.reason,
                                     _keep(rejected_dir, item.origin, item.data)))
            continue
        notebook = (item.name.lower().endswith(SUBMISSION_SUFFIXES)
                    and (item.moodle is None or item.moodle.plugin == "file"))
        if not notebook and item.moodle is None:
            report.set_aside.append((item.origin, "not a notebook (.ipynb) or a zip",
                                     _keep(rejected_dir, item.origin, item.data)))
            continue
        manifest, sha, named, problem = ({}, None, False, "") if not notebook else _inspect(
            item.data, item.name, assignment_id, limit)
        owners = _owners(item, manifest, assignment_id, sheet)
        if isinstance(owners, str):
            reason = f"{owners}; and it cannot be read: {problem}" if problem else owners
            report.set_aside.append((item.origin, reason,
                                     _keep(rejected_dir, item.origin, item.data)))
            continue
        if _renamed(item, owners) and owners[0].student not in per_student:
            report.warnings.append(f"{owners[0].student}: Moodle's name {item.moodle.name!r} "
                                   f"is not the worksheet's {owners[0].name!r}; filed by the "
                                   "participant id")
        for who in owners:
            per_student.setdefault(who.student, []).append(
                _File(item, who, notebook, problem, named, sha or ""))
    for student, files in per_student.items():
        _file_student(session, report, workspace, assignment_id, student, files,
                      sheet is not None, received_at, started)
    session.commit()
    return report


def _file_student(session: Session, report: CollectReport, workspace: Path, assignment_id: str,
                  student: str, files: list[_File], with_sheet: bool,
                  received_at: datetime | None, started: datetime) -> None:
    """Store one student's files of this collection as one attempt."""
    who = files[0].who
    upsert_student(session, student, who.name, who.lms_id)
    graded, why = _choose(files, assignment_id)
    names = ", ".join(f.item.name for f in files)
    choice = ""  # which of several files is graded: kept as the submission's note
    if graded is not None:
        problem = graded.problem
        if len(files) > 1:
            choice = f"graded {graded.item.name}" + (f" ({why})" if why else "") + f" of {names}"
            report.chosen.append(f"{student}: {choice}")
    elif any(f.notebook for f in files):
        problem = (f"{AMBIGUOUS} {assignment_id}: {names}; "
                   f"collect the right one alone (autograder collect {assignment_id} <file>)")
        report.chosen.append(f"{student}: ambiguous, not graded: {names}")
    else:
        problem = f"{NOT_A_NOTEBOOK}: {names}"
    head = graded or files[0]
    file_sha = hashlib.sha256(head.item.data if graded else b"".join(
        hashlib.sha256(f.item.data).digest() for f in files)).hexdigest()
    if find_submission(session, student, assignment_id, file_sha) is not None:
        report.duplicates.append((head.item.origin, student))
        return
    if who.sheet is not None and who.sheet.submitted_at is not None:
        when, time_source = who.sheet.submitted_at, "lms-worksheet"
    elif received_at is not None:
        when, time_source = received_at, "given"
    else:
        when, time_source = started, "collection"
        if with_sheet:
            report.warnings.append(f"{student}: the worksheet gives no submission time; "
                                   "the time of collection is not charged")
    folder = (workspace / "submitted" / student / assignment_id
              / f"{when.astimezone(started.tzinfo).strftime(STAMP)}-{file_sha[:8]}")
    folder.mkdir(parents=True, exist_ok=True)
    target = _write_new(folder, head.item.name, head.item.data)
    for other in files:
        if other is not head:
            _write_new(folder, other.item.name, other.item.data)
    (folder / "timestamp.txt").write_text(when.isoformat() + "\n")
    session.add(SubmissionRow(
        student_id=student, assignment_id=assignment_id,
        path=target.relative_to(workspace).as_posix(), original_name=head.item.origin[:500],
        file_sha256=file_sha, notebook_sha256=(graded.sha or None) if graded else None,
        submitted_at=when, time_source=time_source, collected_at=started,
        readable=not problem, note=problem or choice))
    session.flush()
    report.collected.append(Collected(student, head.item.origin, target, when, time_source,
                                      problem))


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write under a safe name that no earlier file of this folder holds."""
    base = safe_filename(name)
    target, counter = folder / base, 1
    while target.exists():
        target = folder / f"{counter}-{base}"
        counter += 1
    target.write_bytes(data)
    return target


def keep_worksheet(workspace: Path, assignment_id: str, path: Path) -> Path:
    """The worksheet as Moodle wrote it, for `export --format moodle` to fill in."""
    target = workspace / "lms" / assignment_id / "moodle-worksheet.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    if path.resolve() != target.resolve():
        shutil.copyfile(path, target)
    return target


def _keep(folder: Path, origin: str, data: bytes | None) -> Path | None:
    """Set a file aside under a safe name inside the workspace; None when it was not read."""
    if data is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return _write_new(folder, origin.replace(":", "_"), data)
