"""A result the grader builds itself (invalid, grader error) is out of the autograded points:
manual questions are the TAs' to score, not the result's."""

from __future__ import annotations

import zipfile
from pathlib import Path

from builders import good_bytes
from manual_course import RUBRIC, add_manual_question
from sqlalchemy import select

from autograder.batch.collect import collect
from autograder.batch.grade_all import grade_all
from autograder.course import CourseRepo
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.models import SubmissionRow


def test_an_invalid_notebook_is_out_of_the_autograded_points(example_course: CourseRepo,
                                                             tmp_path: Path) -> None:
    add_manual_question(example_course)
    course = CourseRepo(example_course.root, example_course.workspace)
    assignment = course.config.assignment("squares")
    assert assignment.max_score == assignment.autograded_max_score + RUBRIC["points"]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "alice.ipynb").write_bytes(good_bytes(course))
    (inbox / "dave.ipynb").write_bytes(b"%PDF-1.4 not a notebook")
    with zipfile.ZipFile(inbox / "erin.zip", "w") as archive:  # a zip without a notebook
        archive.writestr("notes.txt", "the notebook is on my other laptop")
    sessions = open_gradebook(course.workspace)
    with sessions() as session:
        collect(course, session, "squares", inbox)
    grade_all(course, sessions, "squares", sandbox="none", workers=1)
    with sessions() as session:
        results = {row.student_id: row.result.contract()
                   for row in session.scalars(select(SubmissionRow))}
    for student in ("dave", "erin"):  # refused by the worker; by the batch
        assert results[student].status == "invalid", results[student].message
        assert results[student].max_score == assignment.autograded_max_score, student
    assert results["alice"].max_score == assignment.autograded_max_score  # as a graded one
