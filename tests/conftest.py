"""Shared fixtures: the real course repository, the example course, and grading of variants."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

# One headless Chromium for the whole run: a second sync Playwright in one process fails.
from browser import browser  # noqa: F401 - registers the session fixture
from IPython.core.inputtransformer2 import TransformerManager

from autograder.authoring.definitions import replace_definition
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.grading.results import Result
from autograder.sandbox.launch import NoSandbox
from autograder.submission import Submission

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = Path(__file__).resolve().parent / "example_course"

DEFINITION_NODES = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign,
                    ast.AnnAssign, ast.Expr)


@pytest.fixture(scope="session")
def course() -> CourseRepo:
    return CourseRepo(ROOT)


@pytest.fixture
def example_course(tmp_path: Path) -> CourseRepo:
    """A private copy of the example course, so tests may release into it and change it."""
    target = tmp_path / "example_course"
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("release", "__pycache__"))
    return CourseRepo(target, workspace=tmp_path / "workspace")


@pytest.fixture
def in_course(example_course: CourseRepo, monkeypatch: pytest.MonkeyPatch) -> CourseRepo:
    """A TA's shell in the example course: its folder as the working directory, its workspace,
    and no other course or database leaking in from the environment."""
    monkeypatch.chdir(example_course.root)
    monkeypatch.setenv("AUTOGRADER_WORKSPACE", str(example_course.workspace))
    monkeypatch.delenv("AUTOGRADER_ROOT", raising=False)
    monkeypatch.delenv("AUTOGRADER_DB", raising=False)
    return example_course


def runs_something(node: ast.stmt) -> bool:
    """An expression statement, or an assignment whose value calls something (demo training)."""
    if isinstance(node, ast.Expr):
        return not isinstance(node.value, ast.Constant)
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
        return any(isinstance(n, ast.Call) for n in ast.walk(node.value))
    return False


def definitions_of(source: str) -> str:
    """The imports, defs, classes and simple assignments of a cell: what a mutation run keeps.

    Magics and `!` lines are translated first (as the grader does), then dropped with every
    other statement that runs something."""
    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return ""
    kept = [n for n in tree.body if isinstance(n, DEFINITION_NODES) and not runs_something(n)]
    return "\n".join(ast.unparse(n) for n in kept)


def variant_notebook(notebook: Path, replacements: dict[str, str], definitions_only: bool) -> bytes:
    nb = nbformat.read(notebook, as_version=4)
    missing = [name for name, new in replacements.items() if not replace_definition(nb, name, new)]
    assert not missing, f"no definition of {sorted(missing)} found in {notebook}"
    kept = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if definitions_only:
            cell.source = definitions_of(cell.source)
        if cell.source.strip():
            kept.append(cell)
    nb.cells = kept
    return nbformat.writes(nb).encode()


@pytest.fixture(scope="session")
def grade_variant(course: CourseRepo) -> Callable[..., Result]:
    """Grade the reference notebook with some definitions replaced (a mutant).

    Only definition cells are kept (no plots or demo training) and only the named questions are
    tested, so a mutation run costs seconds; grading itself is the real engine.
    """

    def grade(assignment_id: str, replacements: dict[str, str],
              questions: set[str] | None = None, definitions_only: bool = True) -> Result:
        spec = GradingSpec.from_repo(course, assignment_id)
        if questions:
            spec = dataclasses.replace(spec, questions=frozenset(questions))
        notebook = course.source(assignment_id).notebook
        data = variant_notebook(notebook, replacements, definitions_only)
        return grade_submission(spec, Submission(notebook, data), NoSandbox())

    return grade
