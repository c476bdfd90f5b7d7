"""Manual scores come from applied rubric items and join the grade only once published."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from manual_course import QUESTION, add_manual_question
from sqlalchemy.orm import Session

from autograder.batch.feedback import feedback_view, render_feedback
from autograder.course import CourseRepo
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.manual import (
    grade_of,
    publish,
    rubric,
    score_of,
    set_applied,
    set_comment,
    sync_rubric,
)
from autograder.gradebook.models import SubmissionRow
from autograder.gradebook.store import ensure_assignment, record_result, upsert_student
from autograder.grading.results import QuestionScore, Result


@pytest.fixture
def graded(example_course: CourseRepo) -> tuple[CourseRepo, Session]:
    """Two students whose autograded work earned 4 of 5; the manual question is ungraded."""
    add_manual_question(example_course)
    session = open_gradebook(example_course.workspace)()
    ensure_assignment(session, example_course.config, "squares")
    for sid in ("ada", "bob"):
        upsert_student(session, sid)
        row = SubmissionRow(student_id=sid, assignment_id="squares", path=f"{sid}.ipynb",
                            file_sha256=sid * 8, submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
                            time_source="server")
        session.add(row)
        session.flush()
        record_result(session, row, Result(
            submission=row.path, student=sid, assignment="squares", status="graded", score=4,
            max_score=5, sha256=sid * 8,
            questions={"square": QuestionScore(score=2, max_score=2),
                       "total": QuestionScore(score=2, max_score=3)}), "fp")
    sync_rubric(session, example_course.config, "squares")
    session.commit()
    return example_course, session


def _items(session: Session) -> dict[str, object]:
    return {row.key: row for row in rubric(session, "squares", QUESTION)}


def test_the_rubric_comes_from_the_config_once(graded: tuple[CourseRepo, Session]) -> None:
    repo, session = graded
    items = _items(session)
    assert {k: i.points for k, i in items.items()} == {"why": 2, "plot": 1, "wrong": -1}
    items["why"].points = 1.5
    sync_rubric(session, repo.config, "squares")  # the gradebook's copy is the live one
    assert _items(session)["why"].points == 1.5 and len(_items(session)) == 3


def test_changing_an_items_points_rescores_every_answer_with_it(
        graded: tuple[CourseRepo, Session]) -> None:
    _, session = graded
    items = _items(session)
    grades = {sid: grade_of(session, sid, "squares", QUESTION, create=True) for sid in ("ada", "bob")}
    for grade in grades.values():
        set_applied(session, grade, items["plot"], True, by="ta1")
    set_applied(session, grades["ada"], items["why"], True, by="ta1")
    assert [score_of(g, 2) for g in grades.values()] == [2.0, 1.0]  # 3 is capped at 2
    items["plot"].points = 0.5
    session.flush()
    assert [score_of(g, 2) for g in grades.values()] == [2.0, 0.5]
    set_applied(session, grades["bob"], items["wrong"], True, by="ta2")
    assert score_of(grades["bob"], 2) == 0.0  # never below zero
    assert grades["bob"].graded_by == "ta2"


def test_manual_scores_join_the_grade_only_when_published(
        graded: tuple[CourseRepo, Session]) -> None:
    repo, session = graded
    grade = grade_of(session, "ada", "squares", QUESTION, create=True)
    set_applied(session, grade, _items(session)["why"], True, by="ta1")
    set_comment(grade, "Clear <b>explanation</b>.", by="ta1")
    session.commit()
    before = compute_grades(session, repo.config, "squares", "ada")[0]
    assert before.adjusted_score == 4 and before.questions[QUESTION].score is None
    assert before.max_score == 7
    publish(session, "squares", QUESTION, by="prof")
    after = compute_grades(session, repo.config, "squares", "ada")[0]
    assert after.adjusted_score == 6 and after.questions[QUESTION].score == 2
    assert after.questions[QUESTION].comment == "Clear <b>explanation</b>."
    bob = compute_grades(session, repo.config, "squares", "bob")[0]
    assert bob.questions[QUESTION].score is None and bob.adjusted_score == 4


def test_published_comments_reach_the_feedback(graded: tuple[CourseRepo, Session]) -> None:
    repo, session = graded
    grade = grade_of(session, "ada", "squares", QUESTION, create=True)
    set_applied(session, grade, _items(session)["why"], True, by="ta1")
    set_comment(grade, "Clear <b>explanation</b>.", by="ta1")
    publish(session, "squares", QUESTION, by="prof")
    view = feedback_view(repo.config, compute_grades(session, repo.config, "squares", "ada")[0])
    html, markdown = render_feedback(repo.config, view)
    assert "Clear &lt;b&gt;explanation&lt;/b&gt;." in html
    assert "graded by the teaching team" in markdown
