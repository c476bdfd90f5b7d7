"""Release and validate on the example course, including each refusal."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import release
from autograder.authoring.solutions import strip_solutions
from autograder.authoring.validate import validate
from autograder.course import CourseRepo
from autograder.errors import UserError
from autograder.sandbox.launch import NoSandbox

ROOT = Path(__file__).resolve().parents[1]


def test_release_builds_the_student_folder(example_course: CourseRepo):
    target = release(example_course, "squares")
    nb = nbformat.read(target / "squares.ipynb", as_version=4)
    text = (target / "squares.ipynb").read_text()
    assert "BEGIN SOLUTION" not in text and "** 2" not in text
    assert "raise NotImplementedError()" in text
    assert nb.cells[0].id == "autograder-self-check"
    assert nb.metadata["autograder"] == {"assignment": "squares"}
    assert all(c.get("outputs", []) == [] for c in nb.cells)
    assert sorted(p.name for p in (target / "tests" / "public").iterdir()) == [
        "test_square.py", "test_total.py"]
    assert not list(target.rglob("*hidden*"))
    manifest = json.loads((target / "assignment.json").read_text())
    assert manifest["questions"]["total"] == {"points": 3.0, "forbidden": ["scipy", "torch"]}
    assert (target / "data" / "offset.txt").is_file()


def test_release_is_reproducible_to_the_byte(example_course: CourseRepo):
    target = release(example_course, "squares")
    first = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    release(example_course, "squares")
    second = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert first == second


def test_instructor_only_cells_are_left_out(example_course: CourseRepo):
    path = example_course.source("squares").notebook
    nb = nbformat.read(path, as_version=4)
    secret = nbformat.v4.new_code_cell("ANSWER_KEY = 42", metadata={"tags": ["instructor-only"]})
    nb.cells.append(secret)
    nbformat.write(nb, path)
    assert "ANSWER_KEY" not in (release(example_course, "squares") / "squares.ipynb").read_text()


@pytest.mark.parametrize("source,problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without a matching"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    x = 1\n    ### END SOLUTION\n"
     "    ### END SOLUTION\n", "cannot be nested"),
    ("def f(:\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "does not compile"),
])
def test_marker_mistakes_are_refused(source, problem):
    with pytest.raises(UserError, match=problem):
        strip_solutions(source, "nb.ipynb: cell 3")


def test_stub_keeps_indentation():
    out = strip_solutions("def f(x):\n    y = 1\n    ### BEGIN SOLUTION\n    return x\n"
                          "    ### END SOLUTION\n", "cell")
    assert out == "def f(x):\n    y = 1\n    # YOUR CODE HERE\n    raise NotImplementedError()"


def test_broken_notebook_is_refused_and_old_release_kept(example_course: CourseRepo):
    target = release(example_course, "squares")
    before = (target / "squares.ipynb").read_bytes()
    path = example_course.source("squares").notebook
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = nb.cells[2].source.replace("### END SOLUTION", "")
    nbformat.write(nb, path)
    with pytest.raises(UserError, match="never closed"):
        release(example_course, "squares")
    assert (target / "squares.ipynb").read_bytes() == before


def test_question_without_tests_is_refused(example_course: CourseRepo):
    tests = example_course.source("squares").tests
    for path in tests.rglob("test_total*.py"):
        path.unlink()
    with pytest.raises(UserError, match="questions.total: question has no tests"):
        release(example_course, "squares")


def test_test_naming_an_unknown_question_is_refused(example_course: CourseRepo):
    public = example_course.source("squares").public_tests
    (public / "test_extra.py").write_text(
        "from autograder.testing import question\npytestmark = question('cube')\n"
        "def test_x(student):\n    assert student.square(2) == 4\n")
    with pytest.raises(UserError, match="unknown question 'cube'"):
        release(example_course, "squares")


def test_hidden_test_among_public_ones_is_refused(example_course: CourseRepo):
    files = example_course.source("squares")
    (files.public_tests / "test_square_hidden.py").write_text(
        (files.hidden_tests / "test_square_hidden.py").read_text())
    with pytest.raises(UserError, match="hidden test file is among the public tests"):
        release(example_course, "squares")


def test_validate_passes_on_the_example(example_course: CourseRepo):
    report = validate(example_course, "squares", NoSandbox())
    assert report.ok, report.problems
    assert report.reference.score == report.reference.max_score == 5
    assert report.stub.score == 0


def test_validate_names_a_test_that_cannot_fail(example_course: CourseRepo):
    hidden = example_course.source("squares").hidden_tests
    (hidden / "test_square_weak.py").write_text(
        "from autograder.testing import question\npytestmark = question('square')\n"
        "def test_weak(student):\n    assert True\n")
    report = validate(example_course, "squares", NoSandbox())
    assert any("test_weak passes on the released stub, so it cannot fail" in p
               for p in report.problems)


def test_validate_reports_a_test_failing_on_the_solution(example_course: CourseRepo):
    hidden = example_course.source("squares").hidden_tests
    (hidden / "test_square_wrong.py").write_text(
        "import numpy as np\nfrom autograder.testing import question, assert_close\n"
        "pytestmark = question('square')\n"
        "def test_wrong(student):\n    assert_close(student.square(np.ones(2)), [2.0, 2.0])\n")
    report = validate(example_course, "squares", NoSandbox())
    assert any("test_wrong fails on the solution" in p and "values differ" in p
               for p in report.problems)


def test_cli_errors_are_one_line_without_traceback(tmp_path):
    (tmp_path / "grading_config.yaml").write_text("course: {name: C}\nassignments: {}\n")
    proc = subprocess.run([sys.executable, "-m", "autograder.cli.main", "release"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().startswith("error:")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_committed_release_matches_make_release(tmp_path: Path):
    """release/ is what `autograder release` produces from source/ (run for all assignments, into
    a copy of the course: the real release/ is never touched by the suite)."""
    copy = tmp_path / "course"
    copy.mkdir()
    shutil.copy(ROOT / "grading_config.yaml", copy)
    shutil.copytree(ROOT / "source", copy / "source",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    repo = CourseRepo(copy)
    for aid in repo.config.assignments:
        release(repo, aid)
    made, committed = _files(copy / "release"), _files(ROOT / "release")
    assert sorted(made) == sorted(committed), "release/ holds other files than a fresh release"
    differing = sorted(name for name in made if made[name] != committed[name])
    assert differing == [], f"release/ differs from a fresh release: {differing}"


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}
