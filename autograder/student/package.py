"""`autograder submit`: the notebook exactly as saved, plus a manifest, in `<student>_<id>.zip`.

The zip holds two members: `<notebook name>.ipynb` (the student's bytes, untouched) and
`manifest.json`. The manifest is informational: the grader recomputes the sha256, grades the
notebook itself and never trusts `created_at` or the public results a student's machine reported.
Only public results go in; nothing of the hidden tests exists on a student's machine.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import autograder

from ..errors import UserError
from ..submission import MANIFEST, STUDENT_ID
from .check import CleanRun


def check_student_id(student: str) -> str:
    """A student id becomes part of a file name, so it must be a plain token."""
    if not STUDENT_ID.match(student):
        raise UserError(f"--student {student!r}: use your student id as given by the course "
                        "(letters, digits, '.', '_', '-' or '@'; at most 64 characters)")
    return student


def public_results(run: CleanRun) -> dict:
    result = run.result
    questions: dict[str, dict[str, int]] = {}
    for test in result.tests:
        entry = questions.setdefault(test.question, {"passed": 0, "total": 0})
        entry["total"] += 1
        entry["passed"] += test.status == "passed"
    return {
        "status": result.status,
        "passed": run.tests_passed,
        "total": len(result.tests),
        "questions": questions,
        "tests": [{"name": t.name, "question": t.question, "status": t.status}
                  for t in result.tests],
        "cell_errors": [number for number, _, _ in run.cell_errors],
    }


def manifest(run: CleanRun, student: str) -> dict:
    return {
        "assignment": run.release.id,
        "student": student,
        "notebook": member_name(run),
        "sha256": run.result.sha256,
        "package_version": autograder.__version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "public_results": public_results(run),
    }


def submission_name(student: str, assignment_id: str) -> str:
    return f"{student}_{assignment_id}.zip"


def member_name(run: CleanRun) -> str:
    """The notebook's own name; a hidden-file name would be skipped by the reader, so not that."""
    name = run.notebook.path.name
    return name if not name.startswith(".") else f"{run.release.id}.ipynb"


def write_submission(run: CleanRun, student: str, out_dir: Path) -> Path:
    """Write the zip atomically (a half-written zip never replaces an earlier one)."""
    check_student_id(student)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / submission_name(student, run.release.id)
    info = json.dumps(manifest(run, student), indent=2, sort_keys=True) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".submission-", suffix=".zip", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as handle, \
                zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(member_name(run), run.notebook.data)
            archive.writestr(MANIFEST, info)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
