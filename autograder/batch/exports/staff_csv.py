"""The staff CSV: one row per student with everything the gradebook knows.

Per-question columns (overrides applied), raw score, late penalty and final score; the columns
`overridden` and `override_comments` mark every TA override, `override_outdated` the overrides
made against an older submission (not applied until the TA confirms them); `time_trusted` says whether the
submission time came from the LMS or the TA (no late penalty is charged otherwise) and
`collect_note` what collect said (several files, not a notebook). Every text cell is guarded
against spreadsheet formula injection. A grade that is not known (ungraded, grader error) leaves
the score cells empty: never a zero.
"""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

from ...config import GradingConfig
from ...gradebook.grades import StudentGrade
from ..names import csv_cell


def csv_rows(config: GradingConfig, grades: list[StudentGrade]) -> list[list[object]]:
    zone = ZoneInfo(config.course.timezone)
    questions = list(next(iter(grades)).questions) if grades else []
    header = ["student", "Identifier", "Full name", "status", "submitted_at", "attempts",
             *questions, "raw_score", "adjusted_score", "days_late", "late_penalty_percent",
             "final_score", "max_score", "overridden", "override_comments",
             "override_outdated", "time_trusted", "collect_note"]
    rows: list[list[object]] = [header]
    for g in grades:
        submitted = g.submission.submitted_at.astimezone(zone).isoformat() if g.submission else ""
        comments = "; ".join(f"{q}: {g.questions[q].override.comment}" for q in g.overridden)
        row = [g.student.id, f"Participant {g.student.lms_id}" if g.student.lms_id else "",
               g.student.name, g.status, submitted, g.attempts,
               *(_num(g.questions[q].score) for q in questions),
               _num(g.raw_score), _num(g.adjusted_score), g.late.days_late,
               g.late.penalty_percent, _num(g.final_score), g.max_score,
               " ".join(g.overridden), comments, " ".join(g.outdated_overrides),
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
