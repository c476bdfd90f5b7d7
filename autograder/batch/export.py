"""Exports for the LMS: one CSV row per student, or Gradescope results.json per submission.

CSV: per-question columns (overrides applied), raw score, late penalty and final score; the
columns `overridden` and `override_comments` mark every TA override; `time_trusted` says whether
the submission time came from the LMS or the TA (no late penalty is charged otherwise) and
`collect_note` what collect said (several files, not a notebook). Every text cell is guarded
against spreadsheet formula injection. A grade that is not known (ungraded, grader error) leaves
the score cells empty: never a zero. Gradescope: the final score, the tests as a student may
see them (hidden tests' messages dropped), overrides and the late penalty in `output` and
`extra_data`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from ..config import GradingConfig
from ..gradebook.grades import StudentGrade
from ..gradescope.results import Visibility, results_json
from .names import csv_cell, safe_id


def csv_rows(config: GradingConfig, grades: list[StudentGrade]) -> list[list[object]]:
    zone = ZoneInfo(config.course.timezone)
    questions = list(next(iter(grades)).questions) if grades else []
    header = ["student", "Identifier", "Full name", "status", "submitted_at", "attempts",
             *questions, "raw_score", "adjusted_score", "days_late", "late_penalty_percent",
             "final_score", "max_score", "overridden", "override_comments",
             "time_trusted", "collect_note"]
    rows: list[list[object]] = [header]
    for g in grades:
        submitted = g.submission.submitted_at.astimezone(zone).isoformat() if g.submission else ""
        comments = "; ".join(f"{q}: {g.questions[q].override.comment}" for q in g.overridden)
        row = [g.student.id, f"Participant {g.student.lms_id}" if g.student.lms_id else "",
               g.student.name, g.status, submitted, g.attempts,
               *(_num(g.questions[q].score) for q in questions),
               _num(g.raw_score), _num(g.adjusted_score), g.late.days_late,
               g.late.penalty_percent, _num(g.final_score), g.max_score,
               " ".join(g.overridden), comments,
               "" if g.submission is None else ("yes" if g.late.trusted else "no"),
               g.submission.note if g.submission is not None else ""]
        rows.append([csv_cell(cell) for cell in row])
    return rows


def _num(value: float | None) -> object:
    return "" if value is None else value


def write_csv(path: Path, config: GradingConfig, grades: list[StudentGrade]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(csv_rows(config, grades))
    return path


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
