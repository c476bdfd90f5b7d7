"""The Gradescope route: the autograder zip, run_autograder in a simulated container layout, and
results.json checked against Gradescope's specification (rules in tests/gradescope_spec.py, read
from https://gradescope-autograders.readthedocs.io/en/latest/specs/ and .../submission_metadata/).

Each run is the real thing: the zip is extracted into a temporary root laid out like Gradescope's
/autograder (source/, submission/, results/, submission_metadata.json), its own run_autograder
script is executed, and the submission is graded in bubblewrap.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from gradescope_spec import spec_problems, student_safety_problems

from autograder.authoring.release import release
from autograder.config import LatePolicy
from autograder.course import CourseRepo
from autograder.gradescope.bundle import build_zip
from autograder.gradescope.metadata import read_submission_info
from autograder.gradescope.results import contract_json

DUE = "2026-11-30T23:59:00+01:00"  # the example course's due date, Europe/Berlin
HIDDEN_MARKERS = ("default_rng(7)", "default_rng(8)")  # inputs that only the hidden tests use


def metadata(created_at: str, due: str = DUE, users: list[dict] | None = None) -> dict:
    """submission_metadata.json as the documentation shows it."""
    return {"id": 123456, "created_at": created_at,
            "assignment": {"due_date": due, "late_due_date": None, "id": 25828,
                           "title": "squares", "total_points": "5.0", "group_size": None,
                           "group_submission": False,
                           "release_date": "2026-11-01T00:00:00.000000+01:00"},
            "submission_method": "upload",
            "users": users or [{"email": "ada@example.org", "id": 1234, "name": "Ada"}],
            "previous_submissions": []}


def container(tmp: Path, archive: Path, files: dict[str, bytes], meta: dict | None) -> Path:
    """A temporary root laid out like Gradescope's /autograder for one submission."""
    root = tmp / "autograder"
    with zipfile.ZipFile(archive) as z:
        z.extractall(root / "source")
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    for name, data in files.items():
        (root / "submission" / name).write_bytes(data)
    (root / "results").mkdir()
    if meta is not None:
        (root / "submission_metadata.json").write_text(json.dumps(meta))
    return root


def run_autograder(root: Path, path_prefix: Path | None = None) -> tuple[int, dict]:
    env = {**os.environ, "AUTOGRADER_GRADESCOPE_ROOT": str(root),
           "AUTOGRADER_PYTHON": sys.executable}
    env.pop("AUTOGRADER_ROOT", None)
    if path_prefix is not None:
        env["PATH"] = f"{path_prefix}:{env['PATH']}"
    proc = subprocess.run([str(root / "run_autograder")], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    results = root / "results" / "results.json"
    assert results.is_file(), f"no results.json; stdout {proc.stdout} stderr {proc.stderr}"
    return proc.returncode, json.loads(results.read_text())


@pytest.fixture
def autograder_zip(example_course: CourseRepo, tmp_path: Path) -> Path:
    return build_zip(example_course, "squares", tmp_path / "squares-autograder.zip")


@pytest.fixture
def solution(example_course: CourseRepo) -> bytes:
    return example_course.source("squares").notebook.read_bytes()


@pytest.fixture
def stub(example_course: CourseRepo) -> bytes:
    return (release(example_course, "squares") / "squares.ipynb").read_bytes()


def fake_bwrap(folder: Path) -> Path:
    """A bwrap that fails as it does in a container that forbids user namespaces."""
    folder.mkdir()
    script = folder / "bwrap"
    script.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace, likely "
                      "because the kernel does not allow non-privileged user namespaces.' >&2\n"
                      "exit 1\n")
    script.chmod(0o755)
    return folder


def test_zip_holds_the_scripts_at_its_root_and_the_trusted_bundle_but_no_solution(
        autograder_zip: Path, solution: bytes) -> None:
    assert b"np.asarray(x, dtype=float) ** 2" in solution
    with zipfile.ZipFile(autograder_zip) as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        contents = b"".join(z.read(n) for n in names)
    assert {"setup.sh", "run_autograder"} <= names  # the spec: both at the root of the archive
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    with zipfile.ZipFile(autograder_zip) as z:
        for script, shell in (("setup.sh", "bash"), ("run_autograder", "sh")):
            checked = subprocess.run([shell, "-n"], input=z.read(script), capture_output=True,
                                     timeout=60, check=False)
            assert checked.returncode == 0, (script, checked.stderr)
    assert "course/source/squares/tests/hidden/test_square_hidden.py" in names
    assert "course/source/squares/tests/public/test_square.py" in names
    assert "course/source/squares/data/offset.txt" in names
    assert "autograder/gradescope/run.py" in names
    assert not any(n.endswith(".ipynb") for n in names)
    assert b"np.asarray(x, dtype=float) ** 2" not in contents  # the solution's own line


def test_zip_is_reproducible(example_course: CourseRepo, tmp_path: Path) -> None:
    first = build_zip(example_course, "squares", tmp_path / "a.zip").read_bytes()
    assert build_zip(example_course, "squares", tmp_path / "b.zip").read_bytes() == first


def test_solution_earns_full_marks_and_results_meet_the_specification(
        autograder_zip: Path, solution: bytes, tmp_path: Path) -> None:
    root = container(tmp_path, autograder_zip, {"squares.ipynb": solution},
                     metadata("2026-11-29T10:00:00+01:00"))
    code, results = run_autograder(root)
    assert code == 0, results
    assert spec_problems(results) == []
    assert student_safety_problems(results) == []
    assert results["score"] == 5.0
    assert results["extra_data"]["status"] == "graded"
    assert all(t["status"] == "passed" for t in results["tests"])
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(5.0)


def test_stub_scores_zero_and_hidden_tests_show_name_points_and_pass_fail_only(
        autograder_zip: Path, stub: bytes, tmp_path: Path) -> None:
    root = container(tmp_path, autograder_zip, {"squares.ipynb": stub},
                     metadata("2026-11-29T10:00:00+01:00"))
    code, results = run_autograder(root)
    assert code == 0
    assert spec_problems(results) == [] and student_safety_problems(results) == []
    assert results["score"] == 0
    hidden = [t for t in results["tests"] if "hidden" in t["name"]]
    public = [t for t in results["tests"] if "hidden" not in t["name"]]
    assert hidden and public
    assert all(t["status"] == "failed" and t["output"] == "" and t["max_score"] > 0
               for t in hidden)
    assert all("NotImplementedError" in t["output"] for t in public)
    text = json.dumps(results)
    assert not any(marker in text for marker in HIDDEN_MARKERS)


def test_late_submission_is_charged_from_gradescope_times_with_the_course_policy(
        autograder_zip: Path, solution: bytes, tmp_path: Path) -> None:
    # 10 % per started day (tests/example_course/grading_config.yaml); 1 day and a bit late
    root = container(tmp_path, autograder_zip, {"squares.ipynb": solution},
                     metadata("2026-12-02T08:00:00+01:00"))
    code, results = run_autograder(root)
    assert code == 0 and spec_problems(results) == []
    assert results["score"] == pytest.approx(4.0)
    assert results["extra_data"]["raw_score"] == 5.0
    assert "late penalty 20 %" in results["output"]


def test_without_namespaces_the_run_fails_closed_with_one_line(
        autograder_zip: Path, solution: bytes, tmp_path: Path) -> None:
    root = container(tmp_path, autograder_zip, {"squares.ipynb": solution},
                     metadata("2026-11-29T10:00:00+01:00"))
    code, results = run_autograder(root, fake_bwrap(tmp_path / "bin"))
    assert code != 0
    assert spec_problems(results) == []
    assert results["extra_data"]["status"] == "grader-error"
    assert "namespaces" in results["output"] and "\n" not in results["output"]
    assert results["tests"] == []


def test_course_may_choose_no_sandbox_explicitly(
        example_course: CourseRepo, solution: bytes, tmp_path: Path) -> None:
    config = example_course.root / "grading_config.yaml"
    config.write_text(config.read_text() + "gradescope:\n  sandbox: none\n")
    archive = build_zip(CourseRepo(example_course.root), "squares", tmp_path / "none.zip")
    root = container(tmp_path, archive, {"squares.ipynb": solution},
                     metadata("2026-11-29T10:00:00+01:00"))
    code, results = run_autograder(root, fake_bwrap(tmp_path / "bin"))
    assert code == 0 and spec_problems(results) == []
    assert results["score"] == 5.0
    assert "without a sandbox" in results["output"]


def test_upload_without_the_assignment_notebook_is_invalid_not_an_error(
        autograder_zip: Path, solution: bytes, tmp_path: Path) -> None:
    root = container(tmp_path, autograder_zip, {"scratch.ipynb": solution, "copy.ipynb": solution},
                     metadata("2026-11-29T10:00:00+01:00"))
    code, results = run_autograder(root)
    assert code == 0 and spec_problems(results) == []
    assert results["extra_data"]["status"] == "invalid"
    assert "squares.ipynb" in results["output"] and results["score"] == 0


POLICY = LatePolicy(kind="percent_per_day", percent_per_day=10, max_percent=50)


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(data))
    return path


def test_a_users_extension_moves_the_due_date(tmp_path: Path) -> None:
    due = datetime.fromisoformat(DUE)
    extended = (due + timedelta(days=3)).isoformat()
    users = [{"email": "ada@example.org", "id": 1, "name": "Ada",
              "assignment": {"due_date": extended, "late_due_date": None,
                             "release_date": "2026-11-01T00:00:00+01:00"}}]
    info = read_submission_info(write(tmp_path, metadata("2026-12-02T08:00:00+01:00",
                                                         users=users)), POLICY)
    assert info.late.days_late == 0 and info.late.penalty_percent == 0
    assert info.students == ["ada@example.org"]


def test_missing_metadata_charges_no_penalty_and_says_so(tmp_path: Path) -> None:
    info = read_submission_info(tmp_path / "submission_metadata.json", POLICY)
    assert not info.late.trusted and info.late.penalty_percent == 0
    assert "no late penalty" in info.notes[0]
    broken = read_submission_info(write(tmp_path, {"created_at": "yesterday"}), POLICY)
    assert broken.late.penalty_percent == 0 and "no late penalty" in broken.notes[0]


def test_after_the_late_due_date_is_noted(tmp_path: Path) -> None:
    meta = metadata("2026-12-05T08:00:00+01:00")
    meta["assignment"]["late_due_date"] = "2026-12-03T23:59:00+01:00"
    info = read_submission_info(write(tmp_path, meta), POLICY)
    assert info.late.penalty_percent == 50  # capped by max_percent
    assert any("late due date" in note for note in info.notes)


def test_grade_json_is_a_valid_results_json_superset(example_course: CourseRepo,
                                                     stub: bytes, tmp_path: Path) -> None:
    notebook = tmp_path / "stub.ipynb"
    notebook.write_bytes(stub)
    out = tmp_path / "results.json"
    env = {**os.environ, "AUTOGRADER_ROOT": str(example_course.root)}
    proc = subprocess.run([sys.executable, "-m", "autograder.cli.main", "grade", "squares",
                           str(notebook), "--json", str(out), "--sandbox", "bwrap-cold"],
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert spec_problems(data, superset=True) == []
    assert data["output_format"] == "text"  # the student's own output, never rendered as HTML
    assert {t["status"] for t in data["tests"]} == {"failed"}
    assert {t["extra_data"]["outcome"] for t in data["tests"] if "extra_data" in t} <= {"error"}


def test_contract_json_keeps_error_apart_from_failed(solution: bytes) -> None:
    from autograder.grading.results import Result, TestResult

    result = Result(submission="s.ipynb", assignment="squares", status="crashed", score=1,
                    max_score=2, tests=[
                        TestResult(name="a", question="q", score=1, max_score=1,
                                   status="passed", visibility="visible"),
                        TestResult(name="b", question="q", score=0, max_score=1,
                                   status="error", visibility="hidden", output="boom")])
    data = contract_json(result)
    assert [t["status"] for t in data["tests"]] == ["passed", "failed"]
    assert data["tests"][1]["extra_data"] == {"outcome": "error"}
    assert data["tests"][1]["visibility"] == "hidden"  # a staff file: Gradescope never shows it


HOSTILE = """\
import json, os
import numpy as np
ROOT = {root!r}
try:
    with open(ROOT + "/source/course/source/squares/tests/hidden/test_square_hidden.py") as f:
        LEAKED = f.read()
except OSError:
    LEAKED = ""
try:
    with open(ROOT + "/results/results.json", "w") as f:
        json.dump({{"score": 100, "tests": []}}, f)
    WROTE = True
except OSError:
    WROTE = False

def square(x):
    if LEAKED or WROTE or os.path.exists(ROOT + "/submission_metadata.json"):
        return None  # the tests of `square` fail if the sandbox let any of that through
    return np.asarray(x, dtype=float) ** 2
"""


def test_a_submission_cannot_read_the_hidden_tests_or_forge_results(
        autograder_zip: Path, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(HOSTILE.format(root=str(root)))])
    root = container(tmp_path, autograder_zip, {"squares.ipynb": nbformat.writes(nb).encode()},
                     metadata("2026-11-29T10:00:00+01:00"))
    code, results = run_autograder(root)
    assert code == 0 and spec_problems(results) == []
    square = [t for t in results["tests"] if t["tags"] == ["square"]]
    assert square and all(t["status"] == "passed" for t in square)
    assert results["score"] == pytest.approx(2.0)  # square's 2 points; total not defined


def test_a_symlink_in_the_upload_is_not_followed(
        autograder_zip: Path, solution: bytes, tmp_path: Path) -> None:
    root = container(tmp_path, autograder_zip, {}, metadata("2026-11-29T10:00:00+01:00"))
    hidden = root / "source" / "course" / "source" / "squares" / "tests" / "hidden"
    (root / "submission" / "squares.ipynb").symlink_to(hidden / "test_square_hidden.py")
    code, results = run_autograder(root)
    assert code == 0 and results["extra_data"]["status"] == "invalid"
    assert "default_rng" not in json.dumps(results)


def test_cli_writes_the_zip_and_names_an_unknown_assignment_in_one_line(
        example_course: CourseRepo, tmp_path: Path) -> None:
    env = {**os.environ, "AUTOGRADER_ROOT": str(example_course.root)}
    command = [sys.executable, "-m", "autograder.cli.main", "gradescope"]
    made = subprocess.run([*command, "squares", "-o", str(tmp_path / "ag.zip")], env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    assert zipfile.is_zipfile(tmp_path / "ag.zip")
    unknown = subprocess.run([*command, "nope"], env=env, capture_output=True, text=True,
                             timeout=300, check=False)
    assert unknown.returncode == 2 and "unknown assignment 'nope'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_student_view_keeps_only_messages_marked_safe() -> None:
    from autograder.gradescope.results import results_json
    from autograder.grading.results import Result, TestResult

    tests = [TestResult(name="expected", question="q", score=0, max_score=1, status="failed",
                        visibility="hidden", output="expected 42, got 41"),
             TestResult(name="safe", question="q", score=0, max_score=1, status="failed",
                        visibility="hidden", output="your function is too slow",
                        safe_message=True)]
    result = Result(submission="s.ipynb", assignment="a", status="graded", max_score=2,
                    tests=tests)
    student = results_json(result)
    assert [t["output"] for t in student["tests"]] == ["", "your function is too slow"]
    assert spec_problems(student) == [] and student_safety_problems(student) == []
    later = results_json(result, hidden_tests="after_published")
    assert {t["visibility"] for t in later["tests"]} == {"after_published"}
    assert spec_problems(later) == []
