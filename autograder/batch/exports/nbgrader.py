"""The CSV that `nbgrader export` writes, for departments whose scripts read that.

Columns and meanings from nbgrader/plugins/export.py (CsvExportPlugin): assignment, duedate,
timestamp, student_id, last_name, first_name, email, raw_score, late_submission_penalty (in
points), score (= raw_score - penalty, at least 0) and max_score, one line per student. As in
nbgrader, a student who submitted nothing gets 0.0 and an empty timestamp; unlike nbgrader, a
grade that is not known (not graded yet, grader error) leaves its score cells empty, never a
zero. raw_score includes TA overrides (nbgrader's score includes its manual grades). Times are
UTC without an offset, as nbgrader stores them.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from ...config import GradingConfig
from ...gradebook.grades import StudentGrade
from ..names import csv_cell

COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
           "email", "raw_score", "late_submission_penalty", "score", "max_score")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def nbgrader_line(config: GradingConfig, grade: StudentGrade) -> list[object]:
    first, _, last = grade.student.name.rpartition(" ")
    if not first:
        first, last = last, ""
    due = _utc(config.deadline(grade.assignment_id, grade.student.id))
    timestamp = _utc(grade.submission.submitted_at) if grade.submission is not None else ""
    if grade.status == "missing":
        raw, penalty, score = 0.0, 0.0, 0.0
    elif grade.adjusted_score is None or grade.final_score is None:
        raw = penalty = score = ""
    else:
        raw, score = grade.adjusted_score, grade.final_score
        penalty = round(raw - score, 6)
    return [csv_cell(v) for v in (grade.assignment_id, due, timestamp, grade.student.id, last,
                                  first, "", raw, penalty, score, grade.max_score)]


def write_nbgrader(path: Path, config: GradingConfig, grades: list[StudentGrade]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(nbgrader_line(config, g) for g in grades)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path
