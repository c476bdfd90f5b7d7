"""`autograder check` and `autograder submit`: the clean run, the zip, refusals, and the round trip
of the zip through the grader's reader (and `collect`, when the gradebook is available)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.authoring.release import release
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.sandbox.launch import NoSandbox
from autograder.submission import load_submission

AID = "squares"


def autograder(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, COLUMNS="200")
    env.pop("AUTOGRADER_WORKER", None)
    return subprocess.run([sys.executable, "-m", "autograder.cli.main", *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def released(example_course: CourseRepo) -> Path:
    return release(example_course, AID)


def complete(repo: CourseRepo, folder: Path) -> Path:
    """Fill the released notebook in place with the instructor's code (cells keep their ids)."""
    solutions = {c.id: c.source for c in nbformat.read(repo.source(AID).notebook, as_version=4).cells}
    path = folder / f"{AID}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.id in solutions:
            cell.source = solutions[cell.id]
    nbformat.write(nb, path)
    return path


def test_check_stub_fails_with_clear_output(released: Path) -> None:
    run = autograder("check", f"{AID}.ipynb", cwd=released)
    assert run.returncode == 1, run.stderr
    assert "0 of 2 public tests passed" in run.stdout
    assert "ERROR test_square.py::test_small (square)" in run.stdout
    assert "Not done yet" in run.stdout
    assert "NotImplementedError (not done yet)" in run.stdout  # the demo cell fails on the stub
    assert "Traceback (most recent call last)" not in run.stderr


def test_check_completed_notebook_passes(released: Path, example_course: CourseRepo,
                                         tmp_path: Path) -> None:
    notebook = complete(example_course, released)
    run = autograder("check", str(notebook), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 of 2 public tests passed" in run.stdout
    assert "failed in the clean run" not in run.stdout


def test_clean_run_catches_out_of_order_state(released: Path, example_course: CourseRepo) -> None:
    """`square` needs POWER, which only a later cell defines: it worked in the student's kernel
    (run out of order, see the execution counts) but not top to bottom."""
    path = complete(example_course, released)
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "def square" in c.source)
    cell.source = ("POWER = power()\n\n"
                   "def square(x):\n    return np.asarray(x, dtype=float) ** POWER")
    cell.execution_count = 7
    later = nbformat.v4.new_code_cell("def power():\n    return 2", execution_count=6)
    nb.cells.append(later)
    nbformat.write(nb, path)
    run = autograder("check", path.name, cwd=released)
    assert run.returncode == 1
    assert "(POWER = power()): NameError: name 'power' is not defined" in run.stdout
    assert "run out of order" in run.stdout
    assert "FAIL" in run.stdout or "ERROR" in run.stdout


def test_submit_packages_and_round_trips(released: Path, example_course: CourseRepo,
                                         tmp_path: Path) -> None:
    notebook = complete(example_course, released)
    out = tmp_path / "out"
    run = autograder("submit", str(notebook), "--student", "s123", "-o", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    target = out / f"s123_{AID}.zip"
    assert f"wrote {target}" in run.stdout and "warning" not in run.stdout
    assert sorted(zipfile.ZipFile(target).namelist()) == ["manifest.json", f"{AID}.ipynb"]
    submission = load_submission(target)
    assert submission.notebook == notebook.read_bytes()
    manifest = json.loads(zipfile.ZipFile(target).read("manifest.json"))
    assert submission.manifest == manifest
    assert manifest["assignment"] == AID and manifest["student"] == "s123"
    assert manifest["sha256"] == submission.sha256
    assert manifest["public_results"]["passed"] == manifest["public_results"]["total"] == 2
    assert {"package_version", "created_at"} <= manifest.keys()
    # the grader accepts the zip as it is: public and hidden tests, full marks
    result = grade_submission(GradingSpec.from_repo(example_course, AID), submission, NoSandbox(),
                              manifest["student"])
    assert result.status == "graded" and result.score == result.max_score
    assert any(t.visibility != "visible" for t in result.tests)


def test_submit_of_a_failing_notebook_warns_but_packages(released: Path, tmp_path: Path) -> None:
    run = autograder("submit", str(released / f"{AID}.ipynb"), "--student", "s9", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "packaged anyway" in run.stdout
    zipped = tmp_path / f"s9_{AID}.zip"
    manifest = load_submission(zipped).manifest
    assert manifest["public_results"]["passed"] == 0 and manifest["public_results"]["cell_errors"]
    text = zipfile.ZipFile(zipped).read("manifest.json").decode()
    assert "hidden" not in text


def test_submit_refuses_a_notebook_of_no_assignment(released: Path, tmp_path: Path) -> None:
    stray = released / "scratch.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), stray)
    run = autograder("submit", str(stray), "--student", "s1", cwd=tmp_path)
    assert run.returncode == 2
    assert "scratch.ipynb: not an assignment notebook" in run.stderr
    assert "Traceback" not in run.stderr and not list(tmp_path.glob("*.zip"))


def test_submit_refuses_another_assignments_release(released: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    nb = nbformat.read(released / f"{AID}.ipynb", as_version=4)
    nb.metadata["autograder"]["assignment"] = "convolutions"
    nbformat.write(nb, other / "convolutions.ipynb")
    run = autograder("submit", str(other / "convolutions.ipynb"), "--student", "s1",
                     "--release", str(released), cwd=tmp_path)
    assert run.returncode == 2
    assert "notebook of assignment 'convolutions'" in run.stderr
    run = autograder("check", str(other / "convolutions.ipynb"), cwd=tmp_path)
    assert run.returncode == 2 and "pass --release DIR" in run.stderr


def test_submit_refuses_a_bad_student_id_and_non_notebooks(released: Path, tmp_path: Path) -> None:
    run = autograder("submit", str(released / f"{AID}.ipynb"), "--student", "../x", cwd=tmp_path)
    assert run.returncode == 2 and "--student '../x'" in run.stderr
    run = autograder("check", str(released / "assignment.json"), cwd=tmp_path)
    assert run.returncode == 2 and "not a notebook" in run.stderr


def test_zip_is_accepted_by_collect(released: Path, example_course: CourseRepo,
                                    tmp_path: Path) -> None:
    collect = pytest.importorskip("autograder.batch.collect")
    db = pytest.importorskip("autograder.gradebook.db")
    inbox = tmp_path / "inbox"
    run = autograder("submit", str(complete(example_course, released)), "--student", "s77",
                     "-o", str(inbox), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with db.open_gradebook(example_course.workspace)() as session:
        report = collect.collect(example_course, session, AID, inbox)
    assert [c.student for c in report.collected] == ["s77"] and not report.unreadable
    kept = load_submission(report.collected[0].path)
    assert kept.notebook == (released / f"{AID}.ipynb").read_bytes()
