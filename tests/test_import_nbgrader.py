"""`autograder import nbgrader` on the example of nbgrader's own documentation (ps1, Problem 1:
tests/fixtures/import_examples.py), then release and validate with the real sandbox.

Format rules from nbgrader's documentation and source/ps1/problem1.ipynb: cell metadata
`nbgrader` (grade_id, points, solution, grade, task), `### BEGIN SOLUTION` regions, and
autograder test cells whose `### BEGIN HIDDEN TESTS` part students never see.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fixtures.import_examples import nbgrader_problem1

from autograder.authoring.release import release
from autograder.authoring.validate import validate
from autograder.course import CourseRepo
from autograder.errors import UserError
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.importers.assignment import config_block, merge_config, write_assignment
from autograder.importers.nbgrader import import_notebook, notebooks_of, split_hidden
from autograder.importers.rewrite import NotebookNames, Untranslatable, translate
from autograder.sandbox.kinds import make_launcher
from autograder.submission import Submission

HIDDEN_ONLY = ("sum_of_squares(10) == 385", "sum_of_squares(11) == 506")
SOLUTION_ONLY = ("i ** 2 for i in range", "return sum(squares(n))", "return sum_of_squares(n)",
                 "\\sum_{i=1}^n i^2")


@pytest.fixture
def problem1(tmp_path: Path) -> Path:
    path = tmp_path / "nbgrader" / "source" / "ps1" / "problem1.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nbgrader_problem1(), path)
    return path


@pytest.fixture
def imported_course(example_course: CourseRepo, problem1: Path) -> CourseRepo:
    imported = import_notebook(problem1, "ps1")
    write_assignment(example_course, imported)
    merge_config(example_course, config_block(imported, imported_due()), "ps1")
    return CourseRepo(example_course.root, example_course.workspace)


def imported_due():
    from datetime import datetime

    return datetime(2026, 12, 1, 23, 59)


def test_grade_ids_become_questions_with_points_and_manual_cells_are_reported(
        problem1: Path) -> None:
    imported = import_notebook(problem1, "ps1")
    autograded = {n: q.points for n, q in imported.questions.items() if not q.manual}
    manual = {n: q.points for n, q in imported.questions.items() if q.manual}
    assert autograded == {"correct_squares": 1, "squares_invalid_input": 1,
                          "correct_sum_of_squares": 0.5}
    assert manual == {"sum_of_squares_equation": 1, "sum_of_squares_application": 2,
                      "cell_938593c4a215c6cc": 4}
    answers = {c.metadata["autograder"]["answer"] for c in imported.notebook.cells
               if "autograder" in c.metadata}
    assert answers == set(manual)


def test_a_test_that_deletes_a_notebook_name_is_refused_with_its_reason(problem1: Path) -> None:
    imported = import_notebook(problem1, "ps1")
    assert "sum_of_squares_uses_squares" not in imported.questions
    notes = " ".join(imported.skipped)
    assert "sum_of_squares_uses_squares" in notes and "rebinds or deletes" in notes
    assert "squares" in notes


def test_hidden_part_goes_to_a_hidden_test_only(problem1: Path) -> None:
    imported = import_notebook(problem1, "ps1")
    public = [t for t in imported.tests if not t.hidden]
    hidden = [t for t in imported.tests if t.hidden]
    public_code = "\n".join(ast.unparse(s) for t in public for s in t.body.body)
    hidden_code = "\n".join(ast.unparse(s) for t in hidden for s in t.body.body)
    assert [t.question for t in hidden] == ["correct_sum_of_squares"]
    assert all(h.replace("sum_of_squares(", "student.sum_of_squares(") in hidden_code
               for h in HIDDEN_ONLY)
    assert not any(h.split(" ==")[0].replace("sum_of_squares(", "student.sum_of_squares(")
                   in public_code for h in HIDDEN_ONLY)


def test_free_names_reach_the_notebook_through_the_proxy() -> None:
    names = NotebookNames()
    names.add_cell("import numpy as np\ndef f(x):\n    return 2 * x\nw = 3")
    body = translate('"""doc"""\ny = f(2)\nassert y == 4\nassert np.isclose(w, 3)\n'
                     "assert len([1]) == 1", names)
    code = "\n".join(ast.unparse(s) for s in body.body)
    assert "y = student.f(2)" in code
    assert "np.isclose(student.get('w'), 3)" in code
    assert "len([1])" in code and "student.len" not in code
    assert body.imports == ["import numpy as np"] and body.docstring == "doc"


def test_a_notebook_name_that_shadows_a_builtin_is_the_students() -> None:
    names = NotebookNames()
    names.add_cell("def max(xs):\n    return xs[0]")
    code = ast.unparse(translate("assert max([3, 1]) == 3\nassert min([3, 1]) == 1",
                                 names).body)
    assert "student.max([3, 1])" in code and "student.min" not in code


def test_unbalanced_hidden_markers_are_refused() -> None:
    with pytest.raises(Untranslatable, match="never closed"):
        split_hidden("assert True\n### BEGIN HIDDEN TESTS\nassert 1")


def test_course_folder_is_walked_like_nbgrader_lays_it_out(problem1: Path) -> None:
    shutil.copy(problem1, problem1.with_name("problem2.ipynb"))
    found = notebooks_of(problem1.parents[2])
    assert [aid for _, aid in found] == ["ps1_problem1", "ps1_problem2"]
    with pytest.raises(UserError, match="no such notebook or folder"):
        notebooks_of(problem1.parent / "missing")


def test_imported_assignment_releases_without_hidden_tests_or_solutions(
        imported_course: CourseRepo) -> None:
    target = release(imported_course, "ps1")
    shipped = "\n".join(p.read_text() for p in target.rglob("*") if p.is_file())
    assert not (target / "tests" / "hidden").exists()
    for text in (*HIDDEN_ONLY, *SOLUTION_ONLY, "BEGIN HIDDEN TESTS", "BEGIN SOLUTION"):
        assert text not in shipped, text
    assert "student.squares(1) == [1]" in (target / "tests" / "public" /
                                           "test_correct_squares.py").read_text()


def test_imported_assignment_validates_in_the_sandbox(imported_course: CourseRepo) -> None:
    launcher = make_launcher("bwrap-cold")
    try:
        report = validate(imported_course, "ps1", launcher)
    finally:
        launcher.close()
    assert report.problems == []
    assert report.reference.score == pytest.approx(2.5)  # the autograded points
    assert report.stub.score == 0


def test_an_always_equal_object_earns_nothing(imported_course: CourseRepo) -> None:
    """nbgrader runs `assert squares(1) == [1]` inside the student's interpreter, where an
    object whose __eq__ says True passes. Here the comparison happens in the grader."""
    files = imported_course.source("ps1")
    nb = nbformat.read(files.notebook, as_version=4)
    cheat = ("class Anything:\n    def __eq__(self, other):\n        return True\n\n"
             "def squares(n):\n    return Anything()\n\ndef sum_of_squares(n):\n"
             "    return Anything()")
    nb.cells = [nbformat.v4.new_code_cell(cheat)]
    spec = GradingSpec.from_repo(imported_course, "ps1")
    launcher = make_launcher("bwrap-cold")
    try:
        result = grade_submission(spec, Submission(Path("cheat.ipynb"),
                                                   nbformat.writes(nb).encode()), launcher)
    finally:
        launcher.close()
    assert result.status == "graded"
    equality = [t for t in result.tests if t.question in ("correct_squares",
                                                           "correct_sum_of_squares")]
    assert equality and all(t.status != "passed" for t in equality)


def run_cli(course: CourseRepo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "AUTOGRADER_ROOT": str(course.root)}
    return subprocess.run([sys.executable, "-m", "autograder.cli.main", *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def test_cli_imports_and_merges_the_config_keeping_its_comments(
        example_course: CourseRepo, problem1: Path) -> None:
    config = example_course.root / "grading_config.yaml"
    config.write_text("# the course's own comment\n" + config.read_text())
    proc = run_cli(example_course, "import", "nbgrader", str(problem1), "--id", "ps1", "--merge")
    assert proc.returncode == 0, proc.stderr
    assert "manual question sum_of_squares_equation" in proc.stdout
    assert "not carried over" in proc.stdout and "sum_of_squares_uses_squares" in proc.stdout
    assert config.read_text().startswith("# the course's own comment\n")
    loaded = CourseRepo(example_course.root).config.assignment("ps1")
    assert loaded.questions["correct_squares"].points == 1
    assert loaded.questions["sum_of_squares_application"].manual
    again = run_cli(example_course, "import", "nbgrader", str(problem1), "--id", "ps1")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("content", [b"not json at all", b'{"cells": "x", "nbformat": 4}'])
def test_cli_names_a_broken_notebook_in_one_line(example_course: CourseRepo, tmp_path: Path,
                                                 content: bytes) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_bytes(content)
    proc = run_cli(example_course, "import", "nbgrader", str(broken))
    assert proc.returncode == 2
    assert "broken.ipynb" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_grade_ids_that_clash_as_identifiers_stay_apart(problem1: Path) -> None:
    nb = nbformat.read(problem1, as_version=4)
    nb.cells[5].metadata["nbgrader"]["grade_id"] = "cell-1"
    nb.cells[6].metadata["nbgrader"]["grade_id"] = "cell_1"
    nbformat.write(nb, problem1)
    imported = import_notebook(problem1, "ps1")
    assert {"cell_1", "cell_1_2"} <= set(imported.questions)
    assert {t.question for t in imported.tests} >= {"cell_1", "cell_1_2"}
