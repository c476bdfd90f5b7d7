"""`grade-all`: parallel, resumable, content-hash keyed, canary first."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from builders import HOSTILE_CELLS, good_bytes, notebook_bytes, wrong_notebook
from sqlalchemy import select

from autograder.authoring.definitions import replace_definition
from autograder.batch.collect import collect
from autograder.batch.grade_all import CanaryFailed, grade_all, result_path
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.models import GradeResult, SubmissionRow
from autograder.gradebook.store import latest_submissions


def _inbox(course, folder: Path) -> dict[str, bytes]:
    """alice and bob correct (same content), carol with a typical mistake, dave not a notebook."""
    folder.mkdir()
    good = good_bytes(course)
    files = {"alice.ipynb": good, "bob.ipynb": good,
             "carol.ipynb": notebook_bytes(wrong_notebook(course)),
             "dave.ipynb": b"%PDF-1.4 not a notebook"}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


@pytest.fixture
def collected(example_course, tmp_path: Path):
    sessions = open_gradebook(example_course.workspace)
    _inbox(example_course, tmp_path / "inbox")
    with sessions() as session:
        collect(example_course, session, "squares", tmp_path / "inbox")
    return example_course, sessions


def _results(sessions) -> dict[str, GradeResult]:
    with sessions() as session:
        rows = session.scalars(select(SubmissionRow))
        return {r.student_id: r.result for r in rows if r.result is not None}


def test_grades_everyone_then_reuses_unchanged_work(collected) -> None:
    course, sessions = collected
    first = grade_all(course, sessions, "squares", sandbox="none", workers=2)
    assert first.total == 4 and first.graded == 4 and first.reused == 0
    assert first.canary is not None and first.canary.score == first.canary.max_score
    results = _results(sessions)
    assert {s: r.status for s, r in results.items()} == {
        "alice": "graded", "bob": "graded", "carol": "graded", "dave": "invalid"}
    alice, carol = results["alice"].contract(), results["carol"].contract()
    assert alice.score == alice.max_score and 0 < carol.score < carol.max_score
    for student, row in results.items():
        stored = result_path(course.workspace, student, "squares", row.sha256)
        assert json.loads(stored.read_text())["status"] == row.status
        contract = row.contract()  # named by the grader itself, from the task it was given
        assert contract.student == student
        assert contract.submission.startswith(str(course.workspace / "submitted" / student))
    second = grade_all(course, sessions, "squares", sandbox="none", workers=2)
    assert second.graded == 0 and second.reused == 4 and second.canary is None
    assert {s: r.graded_at for s, r in _results(sessions).items()} == {
        s: r.graded_at for s, r in results.items()}


def test_interrupted_batch_continues_where_it_stopped(collected) -> None:
    course, sessions = collected
    grade_all(course, sessions, "squares", sandbox="none", workers=2)
    with sessions() as session:  # as if the machine died before these two were stored
        for row in session.scalars(select(GradeResult)):
            if row.submission.student_id in ("alice", "carol"):
                session.delete(row)
        session.commit()
    resumed = grade_all(course, sessions, "squares", sandbox="none", workers=2)
    # alice's content equals bob's, whose result is reused: only carol is graded again
    assert resumed.graded == 1 and resumed.reused == 3
    results = _results(sessions)
    assert set(results) == {"alice", "bob", "carol", "dave"}
    reused = results["alice"].contract()  # bob's result, now alice's: her name, her file
    assert reused.student == "alice" and "/alice/" in reused.submission


def test_a_rerun_decides_reuse_without_reading_the_files(collected) -> None:
    """Collect recorded each notebook's hash: the second batch reuses every result even when
    the collected notebooks can no longer be read (dave's file, not a notebook, stays)."""
    course, sessions = collected
    grade_all(course, sessions, "squares", sandbox="none", workers=2)
    before = {s: (r.status, r.graded_at) for s, r in _results(sessions).items()}
    for student in ("alice", "bob", "carol"):
        for path in (course.workspace / "submitted" / student).rglob("*.ipynb"):
            path.unlink()
    again = grade_all(course, sessions, "squares", sandbox="none", workers=2)
    assert again.graded == 0 and again.reused == 4
    assert {s: (r.status, r.graded_at) for s, r in _results(sessions).items()} == before


def test_student_and_force_regrade(collected) -> None:
    course, sessions = collected
    grade_all(course, sessions, "squares", sandbox="none", workers=2)
    one = grade_all(course, sessions, "squares", sandbox="none", workers=1, student="carol")
    assert one.total == 1 and one.graded == 1
    everyone = grade_all(course, sessions, "squares", sandbox="none", workers=2, force=True)
    assert everyone.graded == 4 and everyone.reused == 0


def test_changed_tests_regrade_everything(collected) -> None:
    course, sessions = collected
    grade_all(course, sessions, "squares", sandbox="none", workers=2)
    hidden = course.source("squares").hidden_tests / "test_square_hidden.py"
    hidden.write_text(hidden.read_text() + "\n\ndef test_extra(student):\n"
                      "    assert student.square(np.array([2.0]))[0] == 4.0\n")
    again = grade_all(course, sessions, "squares", sandbox="none", workers=2)
    assert again.graded == 4 and again.reused == 0
    assert any(t["name"].endswith("test_extra") for r in _results(sessions).values()
               for t in json.loads(r.result_json)["tests"])


def test_broken_reference_stops_the_batch(collected) -> None:
    course, sessions = collected
    notebook = course.source("squares").notebook
    nb = nbformat.read(notebook, as_version=4)
    assert replace_definition(nb, "total", "def total(x):\n    return 0.0\n")
    nbformat.write(nb, notebook)
    with pytest.raises(CanaryFailed, match="reference solution"):
        grade_all(course, sessions, "squares", sandbox="none", workers=2)
    assert _results(sessions) == {}  # nobody graded, not even dave's unreadable file


def test_hostile_submission_in_the_sandbox(example_course, tmp_path: Path) -> None:
    """Patching numpy.testing changes nothing, the hunt finds no hidden test, os._exit only
    ends the worker: the submission keeps exactly what its functions earn."""
    sessions = open_gradebook(example_course.workspace)
    wrong = wrong_notebook(example_course)
    wrong.cells += [nbformat.v4.new_code_cell(src) for src in HOSTILE_CELLS]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "mallory.ipynb").write_bytes(notebook_bytes(wrong))
    (inbox / "honest.ipynb").write_bytes(good_bytes(example_course))
    with sessions() as session:
        collect(example_course, session, "squares", inbox)
    grade_all(example_course, sessions, "squares", sandbox="bwrap", workers=2)
    results = _results(sessions)
    mallory = json.loads(results["mallory"].result_json)
    assert results["mallory"].status == "crashed"
    honest = results["honest"].contract()
    assert results["mallory"].contract().score < honest.score == honest.max_score
    assert "hidden tests found: []" in mallory["output"]
    with sessions() as session:
        assert set(latest_submissions(session, "squares")) == {"mallory", "honest"}
