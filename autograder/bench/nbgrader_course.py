"""An nbgrader course that does the same work as our grader, built in a temporary folder.

The source notebook becomes an nbgrader source notebook: every code cell holding a
`### BEGIN SOLUTION` region is an autograded answer cell, and one locked autograder test cell per
autograded question (worth the question's points) is appended. A markdown answer to a manual
question keeps its model answer without the region's marks (nbgrader refuses a solution region
outside a solution cell, and the bench times autograding only). A test cell runs that question's public and
hidden tests in the kernel, the way self-check does: pytest on the same test files, the `student`
fixture an in-process `StudentProxy(LocalTransport(globals()))`. So nbgrader executes the same cells
and the same test calls as we do, only inside the student's kernel.

This is for the benchmark only: the course lives in a temporary folder and names the hidden tests
by their absolute paths, so nothing of it can reach a student.
"""

from __future__ import annotations

import copy
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..grading.grade import GradingSpec
from ..notebook import read_notebook
from ..testing.runner import collect_tests

SOLUTION_MARK = "### BEGIN SOLUTION"
REGION_MARKS = (SOLUTION_MARK, "### END SOLUTION")
SCHEMA_VERSION = 3
CONFIG = '''c = get_config()  # noqa: F821 - nbgrader's config loader defines it
c.CourseDirectory.root = {root!r}
c.CourseDirectory.db_url = {db!r}
c.Execute.timeout = {timeout}
'''
TEST_CELL = '''# Autograder tests of question {question!r} (public and hidden), run in this kernel.
from pathlib import Path as _Path

from autograder.testing.local import LocalTransport as _LocalTransport
from autograder.testing.runner import run_tests as _run_tests
from autograder.testing.student import StudentProxy

_outcomes = _run_tests([_Path(p) for p in {files!r}], _Path({root!r}),
                       StudentProxy(_LocalTransport(globals()), call_timeout=None),
                       {forbidden!r}, questions={{{question!r}}})
_failed = [o.info.name for o in _outcomes if o.status != "passed"]
assert _outcomes and not _failed, f"failed: {{_failed}}"
'''


def question_files(spec: GradingSpec) -> dict[str, list[Path]]:
    """The test files (public and hidden) that hold each question's tests."""
    files: dict[str, set[Path]] = defaultdict(set)
    for info in collect_tests(spec.test_dirs, spec.tests_root):
        if info.question is not None:
            files[info.question].add(spec.tests_root / info.name.split("::", 1)[0])
    return {q: sorted(paths) for q, paths in files.items()}


def solution_metadata(grade_id: str) -> dict:
    return {"solution": True, "grade": False, "locked": False, "grade_id": grade_id,
            "schema_version": SCHEMA_VERSION}


def test_metadata(grade_id: str, points: float) -> dict:
    return {"solution": False, "grade": True, "locked": True, "points": points,
            "grade_id": grade_id, "schema_version": SCHEMA_VERSION}


def to_nbgrader(nb: nbformat.NotebookNode, spec: GradingSpec,
                files: dict[str, list[Path]]) -> nbformat.NotebookNode:
    """The nbgrader source version of a solution notebook (outputs cleared)."""
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out.cells):
        if isinstance(cell.source, list):  # as stored on disk: a list of lines
            cell.source = "".join(cell.source)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if SOLUTION_MARK in cell.source:
                cell.metadata["nbgrader"] = solution_metadata(f"answer_{index}")
        elif SOLUTION_MARK in cell.source:
            cell.source = "\n".join(line for line in cell.source.splitlines()
                                    if line.strip() not in REGION_MARKS)
    for question, settings in spec.assignment.autograded.items():
        source = TEST_CELL.format(question=question, files=[str(p) for p in files.get(question, [])],
                                  root=str(spec.tests_root), forbidden=spec.forbidden)
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = test_metadata(f"tests_{question}", float(settings.points))
        out.cells.append(cell)
    out.metadata.pop("autograder", None)
    nbformat.validate(out)
    return out


@dataclass(frozen=True)
class NbgraderCourse:
    root: Path
    assignment_id: str
    students: list[str]

    def submitted(self, student: str) -> Path:
        return self.root / "submitted" / student / self.assignment_id / f"{self.assignment_id}.ipynb"


def build_course(root: Path, spec: GradingSpec, notebook: Path, students: list[str],
                 cell_timeout: int) -> NbgraderCourse:
    """Config, source assignment (notebook and data/) and one submission per student."""
    aid = spec.assignment_id
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG.format(
        root=str(root), db=f"sqlite:///{root / 'gradebook.db'}", timeout=cell_timeout))
    converted = to_nbgrader(read_notebook(notebook), spec, question_files(spec))
    source = root / "source" / aid
    source.mkdir(parents=True)
    nbformat.write(converted, source / f"{aid}.ipynb")
    if spec.data is not None:
        shutil.copytree(spec.data, source / "data")
    course = NbgraderCourse(root, aid, students)
    for student in students:
        target = course.submitted(student)
        target.parent.mkdir(parents=True)
        nbformat.write(converted, target)
    return course
