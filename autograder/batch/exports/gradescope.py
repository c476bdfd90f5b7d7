"""Gradescope's results.json for each student, from the gradebook (`export --format gradescope`).

The final score, the tests as a student may see them (hidden tests' messages only when marked
safe), overrides and the late penalty in `output` and `extra_data`, by the same rules as the
Gradescope autograder's (gradescope/results.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from ...gradebook.grades import StudentGrade
from ...gradescope.results import Visibility, results_json
from ..names import safe_id


def gradescope_results(grade: StudentGrade, hidden_tests: Visibility = "visible") -> dict:
    """The student's results.json, by the same rules as the Gradescope autograder's."""
    assert grade.result is not None and grade.final_score is not None
    notes = [f"Status: {grade.status}."]
    for q in grade.overridden:
        override = grade.questions[q].override
        notes.append(f"TA override on {q}: {override.score:g} points ({override.comment})")
    if grade.late.penalty_percent:
        notes.append(f"Late by {grade.late.days_late} day(s): "
                     f"penalty {grade.late.penalty_percent:g} %")
    extra = {"student": grade.student.id, "status": grade.status, "raw_score": grade.raw_score,
             "adjusted_score": grade.adjusted_score, "days_late": grade.late.days_late,
             "late_penalty_percent": grade.late.penalty_percent,
             "overrides": {q: {"score": grade.questions[q].override.score,
                               "comment": grade.questions[q].override.comment}
                           for q in grade.overridden}}
    return results_json(grade.result, hidden_tests=hidden_tests, score=grade.final_score,
                        notes=notes, extra=extra)


def write_gradescope(folder: Path, grades: list[StudentGrade],
                     hidden_tests: Visibility = "visible") -> tuple[list[Path], list[str]]:
    """results.json per student with a known grade; the others are named, not written.
    `hidden_tests` is the course's `gradescope.hidden_tests` setting."""
    written, skipped = [], []
    for grade in grades:
        if grade.result is None or grade.final_score is None:
            if grade.status != "missing":
                skipped.append(f"{grade.student.id} ({grade.status})")
            continue
        target = folder / safe_id(grade.student.id) / "results.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = gradescope_results(grade, hidden_tests)
        target.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        written.append(target)
    return written, skipped
