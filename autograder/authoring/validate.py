"""`autograder validate`: the solution earns full marks, the released stub earns nothing.

A test that passes on the stub cannot fail and is reported by name; a test that fails on the
solution is reported with its message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import nbformat

from ..course import CourseRepo
from ..grading.grade import GradingSpec, grade_submission
from ..grading.results import Result
from ..sandbox.launch import Launcher
from ..submission import Submission
from .release import student_notebook


@dataclass
class Validation:
    """The reference solution's and the released stub's results, and what is wrong with them."""

    assignment: str
    reference: Result
    stub: Result
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(repo: CourseRepo, assignment_id: str, launcher: Launcher) -> Validation:
    spec = GradingSpec.from_repo(repo, assignment_id)
    files = repo.source(assignment_id)
    reference = grade_submission(spec, Submission(files.notebook, files.notebook.read_bytes()),
                                 launcher)
    stub_bytes = nbformat.writes(student_notebook(files)).encode()
    stub = grade_submission(spec, Submission(files.notebook.with_name("stub.ipynb"), stub_bytes),
                            launcher)
    report = Validation(assignment_id, reference, stub)
    for label, result in (("solution", reference), ("stub", stub)):
        if result.status not in ("graded",):
            report.problems.append(f"{assignment_id}: the {label} ended as {result.status}: "
                                   f"{result.message or _first_incident(result)}")
    for test in reference.tests:
        if test.status != "passed":
            report.problems.append(f"{assignment_id}: {test.name} fails on the solution: "
                                   f"{test.output.splitlines()[0] if test.output else test.status}")
    for test in stub.tests:
        if test.status == "passed":
            report.problems.append(f"{assignment_id}: {test.name} passes on the released stub, "
                                   "so it cannot fail")
    return report


def _first_incident(result: Result) -> str:
    for cell in result.cells:
        if cell.status not in ("ok", "error"):
            return f"cell {cell.index}: {cell.error}"
    return "see the results"
