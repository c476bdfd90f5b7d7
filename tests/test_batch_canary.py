"""A canary that passed is reused by the next upload batch (a web upload is a batch of one) until
the tests, the reference solution or the grading change; a TA's grade-all grades it every time;
a failed canary is never kept."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from builders import good_bytes
from sqlalchemy.orm import Session, sessionmaker

from autograder.authoring.definitions import replace_definition
from autograder.batch.collect import collect
from autograder.batch.executor import Done, Task
from autograder.batch.grade_all import CANARY_KEY, BatchSummary, CanaryFailed, grade_all
from autograder.batch.pool import LocalPool
from autograder.course import CourseRepo
from autograder.gradebook.db import open_gradebook


class RecordingPool(LocalPool):
    """The local pool, remembering which tasks it was given."""

    def __init__(self) -> None:
        super().__init__("none", 1)
        self.keys: list[int] = []

    def submit(self, task: Task, done: Done) -> None:
        self.keys.append(task.key)
        super().submit(task, done)


@pytest.fixture
def one_student(example_course: CourseRepo, tmp_path: Path) -> sessionmaker[Session]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(example_course))
    sessions = open_gradebook(example_course.workspace)
    with sessions() as session:
        collect(example_course, session, "squares", inbox)
    return sessions


def _upload_batch(course: CourseRepo, sessions: sessionmaker[Session], force: bool = False,
                  reuse_canary: bool = True) -> tuple[BatchSummary, bool]:
    """grade-all --student alice --reuse-canary, as the web app runs it: (summary, whether the
    canary ran)."""
    pool = RecordingPool()
    summary = grade_all(course, sessions, "squares", sandbox="none", student="alice",
                        force=force, executor=pool, reuse_canary=reuse_canary)
    return summary, CANARY_KEY in pool.keys


def test_a_passing_canary_is_reused_until_its_grading_changes(
        example_course: CourseRepo, one_student: sessionmaker[Session]) -> None:
    first, ran = _upload_batch(example_course, one_student)
    assert ran and not first.canary_kept and first.canary is not None and first.canary.score == 5
    again, ran = _upload_batch(example_course, one_student)
    assert not ran and again.graded == 1 and again.canary_kept
    assert again.canary is not None and again.canary.score == first.canary.score
    _, ran = _upload_batch(example_course, one_student, reuse_canary=False)
    assert ran, "a TA's batch grades the canary anew"
    _, ran = _upload_batch(example_course, one_student, force=True)
    assert ran
    notebook = example_course.source("squares").notebook
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A note for the students."))
    nbformat.write(nb, notebook)
    _, ran = _upload_batch(example_course, one_student)
    assert ran
    hidden = example_course.source("squares").hidden_tests / "test_square_hidden.py"
    hidden.write_text(hidden.read_text() + "\n\ndef test_more(student):\n"
                      "    assert student.square([3])[0] == 9\n")
    _, ran = _upload_batch(example_course, one_student)
    assert ran


def test_a_failed_canary_is_graded_again_every_time(
        example_course: CourseRepo, one_student: sessionmaker[Session]) -> None:
    notebook = example_course.source("squares").notebook
    nb = nbformat.read(notebook, as_version=4)
    assert replace_definition(nb, "total", "def total(x):\n    return 0.0\n")
    nbformat.write(nb, notebook)
    for _ in range(2):
        pool = RecordingPool()
        with pytest.raises(CanaryFailed):
            grade_all(example_course, one_student, "squares", sandbox="none", student="alice",
                      executor=pool)
        assert pool.keys == [CANARY_KEY]
    assert not list((example_course.workspace / "canary").rglob("*.json"))
