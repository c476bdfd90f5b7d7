"""The gradebook's arithmetic: late policy, extensions, overrides, and unknown grades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from autograder.config import Extension, LatePolicy
from autograder.errors import UserError
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.late import lateness
from autograder.gradebook.models import SubmissionRow
from autograder.gradebook.store import (
    ensure_assignment,
    record_result,
    remove_override,
    set_override,
    upsert_student,
)
from autograder.grading.results import QuestionScore, Result

DEADLINE = datetime(2026, 11, 6, 22, 59, tzinfo=UTC)


@pytest.mark.parametrize(("minutes_late", "kind", "days", "percent"), [
    (-5, "percent_per_day", 0, 0.0),
    (10, "percent_per_day", 0, 0.0),  # inside the 15 grace minutes
    (16, "percent_per_day", 1, 10.0),  # a started day counts
    (15 + 24 * 60, "percent_per_day", 1, 10.0),
    (16 + 24 * 60, "percent_per_day", 2, 20.0),
    (15 + 24 * 60 * 9, "percent_per_day", 9, 50.0),  # capped at max_percent
    (16, "zero", 1, 100.0),
    (16, "none", 1, 0.0),
])
def test_lateness(minutes_late: int, kind: str, days: int, percent: float) -> None:
    policy = LatePolicy(kind=kind, percent_per_day=10, max_percent=50, grace_minutes=15)
    late = lateness(policy, DEADLINE + timedelta(minutes=minutes_late), DEADLINE)
    assert (late.days_late, late.penalty_percent) == (days, percent)
    assert late.apply(8.0) == pytest.approx(8.0 * (1 - percent / 100))


def _result(example_course, status: str, scores: dict[str, float], sha: str = "a" * 64) -> Result:
    spec = example_course.config.assignment("squares")
    return Result(submission="x.ipynb", assignment="squares", status=status,
                  score=sum(scores.values()), max_score=spec.max_score, sha256=sha,
                  questions={q: QuestionScore(score=s, max_score=spec.questions[q].points)
                             for q, s in scores.items()})


@pytest.fixture
def book(example_course):
    sessions = open_gradebook(example_course.workspace)
    with sessions() as session:
        ensure_assignment(session, example_course.config, "squares")
        yield example_course, session


def _submit(session, student: str, when: datetime, sha: str,
            time_source: str = "lms-worksheet") -> SubmissionRow:
    upsert_student(session, student)
    row = SubmissionRow(student_id=student, assignment_id="squares", path=f"{student}/{sha}",
                        file_sha256=sha, submitted_at=when, time_source=time_source)
    session.add(row)
    session.flush()
    return row


def test_latest_submission_counts_and_late_penalty_applies(book) -> None:
    course, session = book
    due = course.config.deadline("squares")
    early = _submit(session, "s1", due - timedelta(days=1), "1" * 64)
    late = _submit(session, "s1", due + timedelta(hours=30), "2" * 64)
    record_result(session, early, _result(course, "graded", {"square": 2, "total": 3}), "f")
    record_result(session, late, _result(course, "graded", {"square": 2, "total": 1}), "f")
    (grade,) = compute_grades(session, course.config, "squares")
    policy = course.config.late_policy
    assert grade.submission.id == late.id and grade.attempts == 2
    assert grade.raw_score == 3
    assert grade.late.days_late == 2
    assert grade.late.penalty_percent == min(2 * policy.percent_per_day, policy.max_percent)
    assert grade.final_score == pytest.approx(3 * (1 - grade.late.penalty_percent / 100))


def test_extension_moves_the_deadline(book) -> None:
    course, session = book
    config = course.config.model_copy(update={"extensions": [
        Extension(student="s2", assignment="squares", days=3)]})
    due = course.config.deadline("squares")
    row = _submit(session, "s2", due + timedelta(days=2), "3" * 64)
    record_result(session, row, _result(course, "graded", {"square": 2, "total": 3}), "f")
    (grade,) = compute_grades(session, config, "squares")
    assert grade.late.days_late == 0 and grade.final_score == 5


def test_override_replaces_a_question_and_survives_regrading(book) -> None:
    course, session = book
    row = _submit(session, "s3", course.config.deadline("squares"), "4" * 64)
    record_result(session, row, _result(course, "graded", {"square": 0, "total": 3}), "f")
    set_override(session, course.config, "squares", "s3", "square", 1.5, "right idea, dtype slip")
    record_result(session, row, _result(course, "graded", {"square": 0.5, "total": 2}), "g")
    (grade,) = compute_grades(session, course.config, "squares")
    assert grade.questions["square"].score == 1.5
    assert grade.questions["square"].auto_score == 0.5
    assert grade.raw_score == 2.5 and grade.adjusted_score == 3.5
    assert grade.overridden == ["square"]
    remove_override(session, "squares", "s3", "square")
    (grade,) = compute_grades(session, course.config, "squares")
    assert grade.questions["square"].score == 0.5 and not grade.overridden


@pytest.mark.parametrize(("score", "comment", "question", "problem"), [
    (9.0, "too many points", "square", r"score 9 for 'square' is outside 0\.\.2"),
    (1.0, "  ", "square", "an override needs a comment"),
    (1.0, "fine", "nope", "has no question 'nope'")])
def test_override_rejects_bad_input(book, score: float, comment: str, question: str,
                                    problem: str) -> None:
    course, session = book
    _submit(session, "s4", course.config.deadline("squares"), "5" * 64)
    with pytest.raises(UserError, match=problem):
        set_override(session, course.config, "squares", "s4", question, score, comment)


def test_grader_error_and_ungraded_are_never_zero(book) -> None:
    course, session = book
    due = course.config.deadline("squares")
    broken = _submit(session, "s5", due, "6" * 64)
    record_result(session, broken, _result(course, "grader-error", {}), "f")
    _submit(session, "s6", due, "7" * 64)
    invalid = _submit(session, "s7", due, "8" * 64)
    record_result(session, invalid, _result(course, "invalid", {}), "f")
    upsert_student(session, "s8")
    grades = {g.student.id: g for g in compute_grades(session, course.config, "squares")}
    assert grades["s5"].status == "grader-error" and grades["s5"].final_score is None
    assert grades["s6"].status == "ungraded" and grades["s6"].final_score is None
    assert grades["s8"].status == "missing" and grades["s8"].final_score is None
    assert grades["s7"].final_score == 0.0


def test_time_of_collection_is_never_charged_as_late(book) -> None:
    """Collected days after the deadline without a worksheet: the student is not penalised for
    when the TA happened to collect, and the grade says the time is not trusted."""
    course, session = book
    due = course.config.deadline("squares", "s1")
    row = _submit(session, "s1", due + timedelta(days=3), "7" * 64, time_source="collection")
    record_result(session, row, _result(course, "graded", {"square": 3, "total": 2}), "f")
    (grade,) = compute_grades(session, course.config, "squares", "s1")
    assert grade.late.penalty_percent == 0 and not grade.late.trusted
    assert grade.final_score == 5
    given = _submit(session, "s2", due + timedelta(days=3), "8" * 64, time_source="given")
    record_result(session, given, _result(course, "graded", {"square": 3, "total": 2}), "f")
    (charged,) = compute_grades(session, course.config, "squares", "s2")
    assert charged.late.trusted and charged.late.days_late == 3 and charged.final_score < 5
