"""Per-student feedback (HTML and Markdown) from the gradebook.

What a student may see, and nothing else: per-question scores (TA overrides with their comment),
public tests with their messages, hidden tests as name and pass/fail only (and only after the due
date when the assignment says `after_due_date`), the errors their own cells raised, and the late
penalty. The source, inputs, expected values and messages of hidden tests are never read here:
feedback is built from `Result.public_view()`, which drops hidden tests' messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import GradingConfig
from ..gradebook.grades import StudentGrade
from ..gradebook.models import now
from .render import environment

STATUS_TEXT = {
    "graded": "Graded.",
    "timeout": "Part of your notebook ran out of time; what finished before still counts.",
    "memory": "Part of your notebook ran out of memory; what finished before still counts.",
    "crashed": "Your notebook stopped the grading worker; what was earned before still counts.",
    "invalid": "Your submission could not be read as a notebook of this assignment.",
    "grader-error": "Your submission could not be graded because of a problem on our side. "
                    "This is not a zero: the teaching team will regrade it.",
    "ungraded": "Your submission has not been graded yet.",
    "missing": "No submission was received.",
}


@dataclass
class FeedbackLine:
    name: str
    status: str
    score: float
    max_score: float
    output: str  # empty for hidden tests


@dataclass
class QuestionView:
    name: str
    score: float | None
    max_score: float
    override_comment: str | None
    tests: list[FeedbackLine] = field(default_factory=list)
    withheld: int = 0  # hidden tests whose pass/fail is shown only after the due date


@dataclass
class FeedbackView:
    assignment_id: str
    title: str
    student_id: str
    student_name: str
    status: str
    status_text: str
    message: str
    submitted_at: datetime | None
    deadline: datetime
    days_late: int
    penalty_percent: float
    raw_score: float | None
    adjusted_score: float | None
    final_score: float | None
    max_score: float
    questions: list[QuestionView]
    cell_errors: list[tuple[int, str, str]]  # (cell number, status, error)


def feedback_view(config: GradingConfig, grade: StudentGrade,
                  at: datetime | None = None) -> FeedbackView:
    aid = grade.assignment_id
    spec = config.assignment(aid)
    deadline = config.deadline(aid, grade.student.id)
    past_due = (at or now()) >= deadline
    public = grade.result.public_view() if grade.result is not None else {"tests": [], "cells": []}
    questions = []
    for name, q in grade.questions.items():
        view = QuestionView(name, q.score, q.max_score,
                            q.override.comment if q.override is not None else None)
        for test in public["tests"]:
            if test["question"] != name:
                continue
            if test["visibility"] == "after_due_date" and not past_due:
                view.withheld += 1
                continue
            output = test["output"] if test["visibility"] == "visible" else ""
            view.tests.append(FeedbackLine(test["name"], test["status"], test["score"],
                                       test["max_score"], output))
        questions.append(view)
    cell_errors = [(c["index"], c["status"], c["error"]) for c in public["cells"]
                   if c["status"] != "ok"]
    message = grade.result.message if grade.result is not None else ""
    if grade.status == "grader-error":
        message = ""  # the grader's internals are for the TA, not the student
    return FeedbackView(
        aid, spec.title, grade.student.id, grade.student.name, grade.status,
        STATUS_TEXT.get(grade.status, grade.status), message,
        grade.submission.submitted_at if grade.submission else None, deadline,
        grade.late.days_late, grade.late.penalty_percent, grade.raw_score, grade.adjusted_score,
        grade.final_score, grade.max_score, questions, cell_errors)


def render_feedback(config: GradingConfig, view: FeedbackView) -> tuple[str, str]:
    """(html, markdown)"""
    env = environment(config.course.timezone)
    context = {"v": view, "course": config.course.name}
    return (env.get_template("feedback.html.j2").render(context),
            env.get_template("feedback.md.j2").render(context))


def write_feedback(workspace: Path, config: GradingConfig, grades: list[StudentGrade],
                   at: datetime | None = None) -> list[Path]:
    """feedback/<student>/<assignment>/feedback.{html,md} for each student who submitted."""
    written = []
    for grade in grades:
        if grade.status == "missing":
            continue
        html, markdown = render_feedback(config, feedback_view(config, grade, at))
        folder = workspace / "feedback" / grade.student.id / grade.assignment_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "feedback.html").write_text(html, encoding="utf-8")
        (folder / "feedback.md").write_text(markdown, encoding="utf-8")
        written.append(folder / "feedback.html")
    return written
