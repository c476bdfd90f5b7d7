"""The grade that counts: latest submission, its result, TA overrides and the late policy.

Statuses beyond the results contract: `ungraded` (collected, not graded yet) and `missing` (the
student is known but submitted nothing for this assignment). A grade that is not known yet
(ungraded, grader-error) has no final score: never a zero that looks like one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import GradingConfig
from ..grading.results import Result
from .late import TRUSTED_TIME_SOURCES, UNTRUSTED, Lateness, lateness
from .manual import published_scores
from .models import Override, Student, SubmissionRow
from .store import latest_submissions, overrides, submissions

UNKNOWN = ("ungraded", "grader-error", "missing")


@dataclass
class QuestionGrade:
    """One question of a grade: what the tests gave, and what counts after a TA's override."""

    score: float | None  # what counts: the override if there is one
    max_score: float
    auto_score: float | None
    override: Override | None = None
    comment: str | None = None  # a TA's comment on a manual question, once published
    outdated: Override | None = None  # made against an older submission: shown, not applied


@dataclass
class StudentGrade:
    """The grade that counts for one student and assignment, with everything it came from."""

    student: Student
    assignment_id: str
    submission: SubmissionRow | None
    result: Result | None
    status: str
    questions: dict[str, QuestionGrade]
    raw_score: float | None
    adjusted_score: float | None
    late: Lateness
    final_score: float | None
    max_score: float
    attempts: int

    @property
    def overridden(self) -> list[str]:
        return [q for q, g in self.questions.items() if g.override is not None]

    @property
    def outdated_overrides(self) -> list[str]:
        """Questions whose override predates the student's latest submission."""
        return [q for q, g in self.questions.items() if g.outdated is not None]


def compute_grades(session: Session, config: GradingConfig, assignment_id: str,
                   student: str | None = None) -> list[StudentGrade]:
    """Every known student's grade (or one student's), derived from the stored results: the
    gradebook keeps no grades of its own, so a grade can never disagree with its result."""
    spec = config.assignment(assignment_id)
    latest = latest_submissions(session, assignment_id)
    counts: dict[str, int] = {}
    for row in submissions(session, assignment_id):
        counts[row.student_id] = counts.get(row.student_id, 0) + 1
    manual = overrides(session, assignment_id)
    by_people = published_scores(session, config, assignment_id)
    query = select(Student).order_by(Student.id)
    if student is not None:
        query = query.where(Student.id == student)
    grades = []
    for person in session.scalars(query):
        submission = latest.get(person.id)
        result = (submission.result.contract()
                  if submission is not None and submission.result is not None else None)
        status = result.status if result else ("ungraded" if submission else "missing")
        questions = {}
        for name, question in spec.questions.items():
            auto = None
            if result is not None and status not in UNKNOWN and not question.manual:
                auto = result.questions[name].score if name in result.questions else 0.0
            given = by_people.get((person.id, name))  # published manual grading only
            graded = given.score if given is not None else auto
            override, outdated = _override(manual.get((person.id, name)), submission)
            questions[name] = QuestionGrade(override.score if override else graded,
                                            question.points, auto, override,
                                            given.comment if given else None, outdated)
        known = status not in UNKNOWN
        raw = result.score if known and result else None
        adjusted = (round(sum(q.score or 0.0 for q in questions.values()), 6) if known else None)
        late = _lateness(config, assignment_id, person.id, submission)
        final = late.apply(adjusted) if adjusted is not None else None
        grades.append(StudentGrade(person, assignment_id, submission, result, status, questions,
                                   raw, adjusted, late, final, spec.max_score,
                                   counts.get(person.id, 0)))
    return grades


def _override(override: Override | None,
              submission: SubmissionRow | None) -> tuple[Override | None, Override | None]:
    """(applied, outdated): an override made against another submission than the one that
    counts now is not carried over silently to the new work; it waits for the TA to confirm it."""
    if override is None or override.submission_id in (None, submission and submission.id):
        return override, None
    return None, override


def _lateness(config: GradingConfig, assignment_id: str, student: str,
              submission: SubmissionRow | None) -> Lateness:
    """Only a trusted time is charged: the time of collection says nothing about when a student
    submitted, so a submission known only by it is never penalised (and is flagged instead)."""
    if submission is None:
        return Lateness(0, 0.0)
    if submission.time_source not in TRUSTED_TIME_SOURCES:
        return UNTRUSTED
    return lateness(config.late_policy, submission.submitted_at,
                    config.deadline(assignment_id, student))
