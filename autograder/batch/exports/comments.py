"""The short comment that goes back to the LMS with a grade: safe for the student to read.

Built from numbers and fixed phrases only (scores per question, the late penalty, the status
in plain words) and the TA's override comments, which the TA writes for the student. Nothing
from a test's messages (a hidden test's message may carry expected values) and nothing a
student wrote (file names, notebook output) goes in.
"""

from __future__ import annotations

from ...gradebook.grades import StudentGrade
from ..feedback import STATUS_TEXT

MAX_COMMENT = 1000


def _num(value: float | None) -> str:
    return "–" if value is None else f"{round(value, 2):g}"


def grade_comment(grade: StudentGrade) -> str:
    """One paragraph: status, total, per-question points, late penalty, TA comments."""
    parts = [STATUS_TEXT.get(grade.status, "")]
    if grade.final_score is not None:
        parts.append(f"Score {_num(grade.final_score)} of {_num(grade.max_score)}.")
        parts.append("By question: " + ", ".join(
            f"{name} {_num(q.score)}/{_num(q.max_score)}" for name, q in grade.questions.items())
            + ".")
    if grade.late.penalty_percent:
        parts.append(f"Late by {grade.late.days_late} day(s): "
                     f"{grade.late.penalty_percent:g} % deducted.")
    for name in grade.overridden:
        override = grade.questions[name].override
        if override is not None and override.comment:
            parts.append(f"{name}: {override.comment}")
    text = " ".join(" ".join(p.split()) for p in parts if p)
    return text if len(text) <= MAX_COMMENT else text[:MAX_COMMENT - 1] + "…"
