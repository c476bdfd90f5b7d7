"""Per-student feedback (HTML and Markdown) from the gradebook: what to do first, then detail.

What a student may see, and nothing else: per-question scores (TA overrides with their comment),
public tests with their messages, hidden tests as name, points and pass/fail only (and only after
the due date when the assignment says `after_due_date`), the errors their own cells raised, and
the late penalty. Feedback is built from `Result.public_view()`, which drops hidden tests'
messages (unless the test's author marked one safe for students).

The page opens with the first useful thing to do: a submission that could not be graded says
why and what to upload instead; failures are traced back to the earliest failing function the
others build on ("Fix hann_window first: stft, melspectrogram and mfcc use it"); questions not
attempted yet are named apart from wrong answers. Tests are grouped by question with failures
first and passing tests collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from ..config import GradingConfig
from ..gradebook.grades import StudentGrade
from ..gradebook.models import now
from ..student.report import friendly
from .render import environment
from .root_causes import RootCause, join_names, root_causes, short_test_name

STUB_ERROR = "NotImplementedError"
MAX_CAUSES = 3

STATUS_TEXT = {
    "timeout": "Part of your notebook ran out of time; what finished before still counts.",
    "memory": "Part of your notebook ran out of memory; what finished before still counts.",
    "crashed": "Your notebook stopped the grading worker; what was earned before still counts.",
    "invalid": "Your upload could not be read as a notebook of this assignment.",
    "grader-error": "Your submission could not be graded because of a problem on our side. "
                    "This is not a zero: the teaching team will regrade it.",
    "ungraded": "Your submission has not been graded yet.",
    "missing": "No submission was received.",
}


def upload_instead(assignment_id: str) -> str:
    """What a student whose upload was invalid should upload."""
    return (f"Upload your {assignment_id}.ipynb (the notebook from the assignment's folder, "
            f"saved after your last change), or the zip that `autograder submit` writes.")


@dataclass
class FeedbackLine:
    """One test as its student may see it."""

    name: str
    status: str
    score: float
    max_score: float
    output: str  # empty for hidden tests
    hidden: bool = False
    because: str = ""  # the failing function this test builds on, when there is one

    @property
    def short_name(self) -> str:
        return short_test_name(self.name)


@dataclass
class CaseGroup:
    """The cases of one test function, shown as one entry: `test_stft_random` (10 cases)."""

    name: str
    hidden: bool
    names: list[str] = field(default_factory=list)  # every case's full name

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def cases(self) -> str:
        """' (10 cases)' or ''."""
        return f" ({self.count} cases)" if self.count > 1 else ""

    @property
    def note(self) -> str:
        """' (10 cases, hidden)', ' (hidden)', ''."""
        parts = ([f"{self.count} cases"] if self.count > 1 else []) + (
            ["hidden"] if self.hidden else [])
        return f" ({', '.join(parts)})" if parts else ""


def group_cases(lines: list[FeedbackLine]) -> list[CaseGroup]:
    """One entry per test function, its parametrized cases counted, in first-seen order."""
    groups: dict[tuple[str, bool], CaseGroup] = {}
    for line in lines:
        base = line.short_name.partition("[")[0]
        groups.setdefault((base, line.hidden), CaseGroup(base, line.hidden)).names.append(line.name)
    return list(groups.values())


@dataclass
class QuestionView:
    """One question of a feedback page: score, comments, failed tests first."""

    name: str
    score: float | None
    max_score: float
    override_comment: str | None
    ta_comment: str | None = None  # a published manual question's comment
    failed: list[FeedbackLine] = field(default_factory=list)
    passed: list[FeedbackLine] = field(default_factory=list)
    withheld: int = 0  # hidden tests whose pass/fail is shown only after the due date

    @property
    def tests(self) -> list[FeedbackLine]:
        return self.failed + self.passed

    @property
    def failed_with_messages(self) -> list[FeedbackLine]:
        """Visible failures, and hidden ones whose author marked the message safe."""
        return [t for t in self.failed if not t.hidden or t.output]

    @property
    def failed_hidden(self) -> list[CaseGroup]:
        return group_cases([t for t in self.failed if t.hidden and not t.output])

    @property
    def passed_groups(self) -> list[CaseGroup]:
        return group_cases(self.passed)

    @property
    def not_attempted(self) -> bool:
        """Every failure we can read is a stub still raising NotImplementedError."""
        readable = [t for t in self.failed if t.output]
        return bool(readable) and not self.passed and all(STUB_ERROR in t.output for t in readable)


@dataclass
class FeedbackView:
    """Everything one student's feedback page shows, and nothing more."""

    assignment_id: str
    title: str
    student_id: str
    student_name: str
    status: str
    status_text: str  # empty when graded: the scores say it all
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
    causes: list[RootCause] = field(default_factory=list)

    @property
    def not_attempted(self) -> list[str]:
        return [q.name for q in self.questions if q.not_attempted]

    @property
    def hidden_only(self) -> list[str]:
        """Questions that lose points only to hidden tests: their inputs stay private."""
        return [q.name for q in self.questions
                if q.failed and all(t.hidden for t in q.failed)]

    @property
    def all_passed(self) -> bool:
        return self.status == "graded" and not any(q.failed for q in self.questions)

    @property
    def other_steps(self) -> list[str]:
        """What to do besides fixing the root causes (plain text)."""
        steps = []
        if self.not_attempted:
            steps.append(f"Not attempted yet: {join_names(self.not_attempted)} (still raising "
                         f"{STUB_ERROR}).")
        if self.hidden_only:
            steps.append(f"Only hidden tests fail in {join_names(self.hidden_only)}: try your "
                         "functions on other inputs (sizes, dtypes, edge cases).")
        return steps

    @property
    def first_steps(self) -> list[str]:
        """The lines a student reads first, most useful first (plain text)."""
        return [c.advice for c in self.causes] + self.other_steps


def _line(test: dict, causes: dict[str, str]) -> FeedbackLine:
    hidden = test["visibility"] != "visible"
    because = next((causes[f] for f in test.get("calls", []) if f in causes), "")
    return FeedbackLine(test["name"], test["status"], test["score"], test["max_score"],
                        friendly(test["output"]), hidden, because)


def _blame(causes: list[RootCause]) -> dict[str, str]:
    """function -> the root cause it builds on (for 'probably because of hann_window')."""
    return {dependent: cause.function for cause in causes for dependent in cause.dependents}


def feedback_view(config: GradingConfig, grade: StudentGrade,
                  at: datetime | None = None) -> FeedbackView:
    aid = grade.assignment_id
    spec = config.assignment(aid)
    deadline = config.deadline(aid, grade.student.id)
    past_due = (at or now()) >= deadline
    public = grade.result.public_view() if grade.result is not None else {"tests": [], "cells": []}
    shown = [t for t in public["tests"] if t["visibility"] != "after_due_date" or past_due]
    causes = [replace(c, message=friendly(c.message))
              for c in root_causes(shown, list(spec.questions))[:MAX_CAUSES]]
    blame = _blame(causes)
    questions = []
    for name, q in grade.questions.items():
        view = QuestionView(name, q.score, q.max_score,
                            q.override.comment if q.override is not None else None, q.comment)
        for test in public["tests"]:
            if test["question"] != name:
                continue
            if test not in shown:
                view.withheld += 1
                continue
            line = _line(test, blame)
            (view.passed if line.status == "passed" else view.failed).append(line)
        questions.append(view)
    cell_errors = [(c["index"], c["status"], c["error"]) for c in public["cells"]
                   if c["status"] != "ok"]
    message = grade.result.message if grade.result is not None else ""
    if grade.status == "grader-error":
        message = ""  # the grader's internals are for the TA, not the student
    status_text = STATUS_TEXT.get(grade.status, "")
    if grade.status == "invalid":
        status_text = f"{status_text} {upload_instead(aid)}"
    return FeedbackView(
        aid, spec.title, grade.student.id, grade.student.name, grade.status, status_text, message,
        grade.submission.submitted_at if grade.submission else None, deadline,
        grade.late.days_late, grade.late.penalty_percent, grade.raw_score, grade.adjusted_score,
        grade.final_score, grade.max_score, questions, cell_errors, causes)


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
