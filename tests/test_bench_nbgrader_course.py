"""The bench's nbgrader course: valid nbgrader metadata, and test cells that really test."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import nbformat
import pytest
from manual_course import MODEL_ANSWER, QUESTION, add_manual_question

from autograder.bench.nbgrader_course import (
    SOLUTION_MARK,
    build_course,
    question_files,
    to_nbgrader,
)
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec
from autograder.notebook import read_notebook

NBGRADER_KEYS = {"solution", "grade", "locked", "grade_id", "schema_version"}


@pytest.fixture
def squares(example_course: CourseRepo) -> tuple[GradingSpec, Path]:
    return (GradingSpec.from_repo(example_course, "squares", hidden=True),
            example_course.source("squares").notebook)


def _converted(spec: GradingSpec, notebook: Path) -> nbformat.NotebookNode:
    return to_nbgrader(read_notebook(notebook), spec, question_files(spec))


def test_question_files_cover_public_and_hidden_tests(squares):
    spec, _ = squares
    files = question_files(spec)
    assert set(files) == set(spec.assignment.questions)
    for paths in files.values():
        assert {p.parent.name for p in paths} == {"public", "hidden"}
        assert all(p.is_file() for p in paths)


def test_solution_cells_and_test_cells_carry_nbgrader_metadata(squares):
    spec, notebook = squares
    nb = _converted(spec, notebook)
    marked = [c for c in nb.cells if "nbgrader" in c.metadata]
    solutions = [c for c in marked if c.metadata.nbgrader["solution"]]
    tests = [c for c in marked if c.metadata.nbgrader["grade"]]
    assert solutions and all(SOLUTION_MARK in c.source for c in solutions)
    assert all(SOLUTION_MARK not in c.source for c in nb.cells if c not in solutions)
    for cell in marked:
        meta = cell.metadata.nbgrader
        assert NBGRADER_KEYS <= set(meta) and meta["schema_version"] == 3
        assert meta["locked"] is meta["grade"]  # test cells locked, answer cells editable
    ids = [c.metadata.nbgrader["grade_id"] for c in marked]
    assert len(ids) == len(set(ids))
    points = {c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"] for c in tests}
    assert points == {f"tests_{q}": s.points for q, s in spec.assignment.questions.items()}
    assert nb.cells[-len(tests):] == tests  # tests run after every cell, as we grade
    nbformat.validate(nb)


def _run_notebook(nb: nbformat.NotebookNode, folder: Path) -> list[str]:
    """Execute the cells in one namespace; the grade_ids of test cells that failed."""
    namespace: dict = {}
    failed = []
    with contextlib.chdir(folder), contextlib.redirect_stdout(io.StringIO()):
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            try:
                exec(compile(cell.source, "<cell>", "exec"), namespace)  # the course's own cells
            except AssertionError:
                failed.append(meta.get("grade_id"))
    return failed


def test_test_cells_pass_the_solution_and_fail_a_wrong_answer(squares):
    spec, notebook = squares
    nb = _converted(spec, notebook)
    assert _run_notebook(nb, notebook.parent) == []
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
                  and "def total" in c.source)
    answer.source += "\n\ndef total(x):\n    return 0.0\n"
    assert _run_notebook(nb, notebook.parent) == ["tests_total"]


def test_build_course_lays_out_config_source_data_and_submissions(squares, tmp_path):
    spec, notebook = squares
    course = build_course(tmp_path / "nbgrader", spec, notebook, ["s001", "s002"], 20)
    root = tmp_path / "nbgrader"
    config = (root / "nbgrader_config.py").read_text()
    assert f"c.CourseDirectory.root = {str(root)!r}" in config
    assert "c.Execute.timeout = 20" in config
    assert (root / "source" / "squares" / "data" / "offset.txt").is_file()
    source = nbformat.read(root / "source" / "squares" / "squares.ipynb", as_version=4)
    for student in ("s001", "s002"):
        assert nbformat.read(course.submitted(student), as_version=4) == source


def test_manual_answers_are_plain_text_and_get_no_test_cell(example_course: CourseRepo) -> None:
    """nbgrader refuses a solution region outside a solution cell; a manual question has no
    tests to run."""
    add_manual_question(example_course)
    spec = GradingSpec.from_repo(example_course, "squares", hidden=True)
    nb = _converted(spec, example_course.source("squares").notebook)
    solutions = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert all(SOLUTION_MARK not in c.source for c in nb.cells if c not in solutions)
    assert any("Squares grow *quadratically*." == c.source for c in nb.cells
               if c.cell_type == "markdown"), MODEL_ANSWER
    grade_ids = {c.metadata.nbgrader["grade_id"] for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade")}
    assert grade_ids == {f"tests_{q}" for q in spec.assignment.autograded}
    assert f"tests_{QUESTION}" not in grade_ids
