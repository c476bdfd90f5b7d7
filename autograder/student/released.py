"""The student's copy of an assignment: release/<id>/ with assignment.json and tests/public/.

A student has this folder and the installed package, never source/ or grading_config.yaml, so
everything the student's tools know about an assignment comes from here. Where the folder is:

- `folder=` given explicitly (Colab: wherever the release folder was uploaded or unzipped);
- otherwise the working directory (Jupyter, JupyterLab and VS Code start the kernel in the
  notebook's folder), then `<cwd>/<id>` and `<cwd>/release/<id>` (Colab's cwd is /content, so an
  uploaded `<id>` folder or a cloned course repository is found), then the parents of the cwd.

A folder only counts when its assignment.json names the same assignment, so a notebook never
checks itself against another assignment's tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..config import Assignment, CourseLimits, validation_message
from ..errors import UserError

MANIFEST = "assignment.json"


@dataclass(frozen=True)
class ReleasedAssignment:
    """A release folder as a student has it: the assignment, its limits and its public tests."""

    id: str
    folder: Path
    assignment: Assignment
    limits: CourseLimits

    @property
    def tests_root(self) -> Path:
        return self.folder / "tests"

    @property
    def public_tests(self) -> Path:
        return self.tests_root / "public"

    @property
    def data(self) -> Path | None:
        data = self.folder / "data"
        return data if data.is_dir() else None

    @property
    def questions(self) -> list[str]:
        return list(self.assignment.autograded)  # manual questions have no tests to run

    @property
    def forbidden(self) -> dict[str, list[str]]:
        return {name: q.forbidden for name, q in self.assignment.questions.items()}


def released_id(folder: Path) -> str | None:
    """The assignment a folder was released for, or None when it is not a release folder."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    value = data.get("assignment") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def load_release(folder: Path, expected: str | None = None) -> ReleasedAssignment:
    """Read release/<id>/assignment.json; every problem is one line naming the file."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{folder}: not a release folder (no {MANIFEST}); use the folder that "
                        "holds the assignment's notebook, assignment.json and tests/") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read: {exc}") from None
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("assignment"), str):
        raise UserError(f"{path}: does not name its assignment; release it again")
    aid = data["assignment"]
    if expected is not None and aid != expected:
        raise UserError(f"{path}: this folder holds assignment {aid!r}, not {expected!r}")
    fields = {key: data[key] for key in ("title", "due", "questions") if key in data}
    order = data.get("question_order")
    if isinstance(fields.get("questions"), dict) and isinstance(order, list) \
            and sorted(map(str, order)) == sorted(fields["questions"]):
        fields["questions"] = {q: fields["questions"][q] for q in order}  # the notebook's order
    try:
        assignment = Assignment.model_validate(fields)
        limits = CourseLimits.model_validate(data.get("limits") or {})
    except ValidationError as exc:
        model = CourseLimits if exc.title == CourseLimits.__name__ else Assignment
        raise UserError(f"{path}: {validation_message(exc, model)}") from None
    if not (folder / "tests" / "public").is_dir():
        raise UserError(f"{folder}: tests/public/ is missing; download the release folder again")
    return ReleasedAssignment(aid, folder, assignment, limits)


def candidate_folders(assignment_id: str, start: Path) -> list[Path]:
    """Where a release folder is looked for, in order (see the module docstring)."""
    return [start, start / assignment_id, start / "release" / assignment_id, *start.parents]


def find_release(assignment_id: str, folder: Path | str | None = None,
                 start: Path | None = None) -> ReleasedAssignment:
    """Locate and load the release folder of `assignment_id`."""
    if folder is not None:
        return load_release(Path(folder).expanduser().resolve(), expected=assignment_id)
    here = (start or Path.cwd()).resolve()
    for candidate in candidate_folders(assignment_id, here):
        if released_id(candidate) == assignment_id:
            return load_release(candidate, expected=assignment_id)
    raise UserError(
        f"cannot find the release folder of {assignment_id!r} (the folder with assignment.json "
        f"and tests/public/) in {here} or near it. Open the notebook from that folder, or pass "
        f'its path: enable_checks("{assignment_id}", folder="path/to/{assignment_id}")')
