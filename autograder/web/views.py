"""What the pages show, computed from the gradebook: a student's results as the course's
visibility allows, and a manual question's queue of answers with its grading progress."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from ..config import GradingConfig
from ..gradebook.grades import StudentGrade, compute_grades
from ..gradebook.manual import (
    manual_grades,
    published_questions,
    rubric,
    score_of,
)
from ..gradebook.models import ManualGrade, RubricItemRow, SubmissionRow, now
from ..gradebook.store import latest_submissions, submissions
from ..grading.results import Answer, Result

SHOWN_STATUSES = {
    "graded": "graded", "ungraded": "waiting to be graded", "missing": "nothing submitted",
    "timeout": "ran out of time", "memory": "ran out of memory", "crashed": "stopped the worker",
    "invalid": "not a notebook of this assignment",
    "grader-error": "could not be graded (our problem, not a zero)",
}


@dataclass
class TestLine:
    """One test as a student sees it in the web app."""

    name: str
    question: str
    status: str
    score: float
    max_score: float
    output: str


@dataclass
class ManualLine:
    """A manual question as a student sees it once published."""

    question: str
    score: float | None
    max_score: float
    comment: str
    items: list[RubricItemRow]


@dataclass
class StudentView:
    """One assignment as its student may see it now."""

    assignment_id: str
    title: str
    deadline: datetime
    past_due: bool
    grade: StudentGrade
    status_text: str
    tests: list[TestLine]
    public_score: float
    public_max: float
    withheld: int  # hidden tests not shown (yet)
    hidden_later: bool  # the assignment shows hidden tests' pass/fail after the due date
    manual: list[ManualLine]
    history: list[SubmissionRow] = field(default_factory=list)
    cell_errors: list[tuple[int, str]] = field(default_factory=list)


def student_view(session: Session, config: GradingConfig, assignment_id: str,
                 student_id: str) -> StudentView:
    spec = config.assignment(assignment_id)
    grade = compute_grades(session, config, assignment_id, student_id)[0]
    deadline = config.deadline(assignment_id, student_id)
    past_due = now() >= deadline
    result: Result | None = grade.result
    tests, public, withheld = [], [], 0
    for test in (result.public_view()["tests"] if result else []):
        shown = test["visibility"] == "visible" or (
            past_due and test["visibility"] == "after_due_date")
        if not shown:
            withheld += 1
            continue
        line = TestLine(test["name"], test["question"], test["status"], test["score"],
                        test["max_score"], test["output"])
        tests.append(line)
        if test["visibility"] == "visible":
            public.append(line)
    published = published_questions(session, assignment_id)
    grades = manual_grades(session, assignment_id)
    manual = []
    for name, question in spec.manual.items():
        if name not in published:
            manual.append(ManualLine(name, None, question.points, "", []))
            continue
        mine = grades.get((student_id, name))
        manual.append(ManualLine(name, score_of(mine, question.points) if mine else None,
                                 question.points, mine.comment if mine else "",
                                 [a.item for a in mine.applied] if mine else []))
    history = [row for row in submissions(session, assignment_id) if row.student_id == student_id]
    errors = [(c.index, c.error) for c in (result.cells if result else []) if c.error]
    return StudentView(assignment_id, spec.title, deadline, past_due, grade,
                       SHOWN_STATUSES.get(grade.status, grade.status), tests,
                       round(sum(t.score for t in public), 6),
                       round(sum(t.max_score for t in public), 6), withheld,
                       spec.hidden_visibility == "after_due_date", manual,
                       list(reversed(history)), errors[:20])


@dataclass
class QueueRow:
    """One answer in a TA's grading queue for a manual question."""

    student_id: str
    student_name: str
    submission: SubmissionRow
    answered: bool
    grade: ManualGrade | None
    score: float | None

    @property
    def graded(self) -> bool:
        return self.grade is not None and bool(self.grade.graded_by)

    @property
    def stale(self) -> bool:
        """Graded on an earlier submission: the student has submitted again since."""
        return self.graded and self.grade.submission_id not in (None, self.submission.id)


def answers_of(submission: SubmissionRow | None, question: str) -> list[Answer]:
    if submission is None or submission.result is None:
        return []
    result = Result.model_validate_json(submission.result.result_json)
    return [a for a in result.answers if a.question == question]


def queue(session: Session, config: GradingConfig, assignment_id: str,
          question: str) -> list[QueueRow]:
    """Every student whose latest submission has been graded, in student order."""
    points = config.assignment(assignment_id).questions[question].points
    grades = manual_grades(session, assignment_id)
    rows = []
    for sid, submission in sorted(latest_submissions(session, assignment_id).items()):
        if submission.result is None:
            continue
        mine = grades.get((sid, question))
        answered = any(a.text.strip() or a.outputs for a in answers_of(submission, question))
        rows.append(QueueRow(sid, submission.student.name, submission, answered, mine,
                             score_of(mine, points) if mine else None))
    return rows


def progress(rows: list[QueueRow]) -> tuple[int, int]:
    return sum(1 for r in rows if r.graded), len(rows)


def image_src(data: bytes) -> str:
    """An answer's PNG inline (the page's CSP allows data: images, nothing else inline)."""
    return "data:image/png;base64," + base64.b64encode(data).decode()


def rubric_usage(session: Session, assignment_id: str, question: str) -> dict[int, int]:
    """How many answers each item is applied to (shown next to the item)."""
    counts: dict[int, int] = {row.id: 0 for row in rubric(session, assignment_id, question)}
    for (_, name), grade in manual_grades(session, assignment_id).items():
        if name == question:
            for applied in grade.applied:
                counts[applied.item_id] = counts.get(applied.item_id, 0) + 1
    return counts
