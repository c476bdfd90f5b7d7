"""`autograder check`: run the notebook from a clean state, top to bottom, then its public tests.

The clean run is the grading engine itself, with only the public tests of the student's release
folder and a bare worker process (`NoSandbox`: a student's laptop has no bubblewrap, and the
student's own code is no threat to the student). A fresh process shows whether the notebook works
on its own or only because of state left in the student's kernel.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..grading.grade import NOTEBOOK_METADATA_KEY, GradingSpec, grade_submission
from ..grading.results import Result
from ..notebook import InvalidNotebook, code_cells, parse_notebook, read_bytes
from ..sandbox.launch import NoSandbox
from ..submission import Submission
from .released import MANIFEST, ReleasedAssignment, load_release


@dataclass(frozen=True)
class StudentNotebook:
    """A student's notebook on disk, with the assignment it belongs to."""

    path: Path
    data: bytes
    notebook: nbformat.NotebookNode
    assignment_id: str

    @property
    def ran_out_of_order(self) -> bool:
        """The saved execution counts go backwards: cells were run in another order than shown."""
        counts = [c.get("execution_count") for c in self.notebook.cells if c.cell_type == "code"]
        counts = [n for n in counts if isinstance(n, int)]
        return any(later <= earlier for earlier, later in zip(counts, counts[1:], strict=False))


@dataclass
class CleanRun:
    """A notebook run from a clean state against its release's public tests."""

    notebook: StudentNotebook
    release: ReleasedAssignment
    result: Result

    @property
    def tests_passed(self) -> int:
        return sum(t.status == "passed" for t in self.result.tests)

    @property
    def ok(self) -> bool:
        """Every public test passed in a run that finished normally."""
        return self.result.status == "graded" and self.tests_passed == len(self.result.tests)

    @property
    def cell_errors(self) -> list[tuple[int, str, str]]:
        """(cell number counting from 1, first line of the cell, error) of every cell that failed."""
        firsts = {c.index: _first_line(c.source) for c in code_cells(self.notebook.notebook)}
        return [(c.index + 1, firsts.get(c.index, ""), c.error or c.status)
                for c in self.result.cells if c.status != "ok"]


def _first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


def read_student_notebook(path: Path) -> StudentNotebook:
    """Read and identify the notebook; a file that is not an assignment notebook is refused."""
    if path.suffix != ".ipynb":
        raise InvalidNotebook(f"{path}: not a notebook (expected a .ipynb file)")
    data = read_bytes(path)
    nb = parse_notebook(data, str(path))
    meta = nb.metadata.get(NOTEBOOK_METADATA_KEY)
    aid = meta.get("assignment") if isinstance(meta, dict) else None
    if not isinstance(aid, str) or not aid:
        raise InvalidNotebook(f"{path}: not an assignment notebook (its metadata names no "
                              "assignment); work in the notebook from the release folder")
    return StudentNotebook(path, data, nb, aid)


def locate_release(notebook: StudentNotebook, release: Path | None) -> ReleasedAssignment:
    """`--release DIR` if given, else the notebook's own folder when it holds assignment.json."""
    folder = release if release is not None else notebook.path.resolve().parent
    if release is None and not (folder / MANIFEST).is_file():
        raise InvalidNotebook(f"{notebook.path}: no {MANIFEST} next to the notebook; keep the "
                              "notebook in its release folder or pass --release DIR")
    loaded = load_release(folder.resolve())
    if loaded.id != notebook.assignment_id:
        raise InvalidNotebook(f"{notebook.path}: this is the notebook of assignment "
                              f"{notebook.assignment_id!r}, but {folder} holds {loaded.id!r}")
    return loaded


def public_spec(release: ReleasedAssignment) -> GradingSpec:
    """A grading spec with the release folder's public tests only."""
    return GradingSpec(release.id, release.assignment, release.limits, release.tests_root,
                       (release.public_tests,), release.data)


def clean_run(path: Path, release: Path | None = None, student: str | None = None) -> CleanRun:
    notebook = read_student_notebook(path)
    released = locate_release(notebook, release)
    submission = Submission(path, notebook.data)
    result = grade_submission(public_spec(released), submission, NoSandbox(), student)
    if result.status == "invalid":
        raise InvalidNotebook(result.message)
    return CleanRun(notebook, released, result)
