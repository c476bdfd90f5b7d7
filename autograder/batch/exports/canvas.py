"""Canvas: the gradebook import CSV, built against the course's own Canvas gradebook export.

Canvas's "Import" in the Gradebook takes the layout of its own "Export": the columns Student,
ID, SIS User ID, SIS Login ID, Section, then one column per assignment titled
"<assignment name> (<Canvas assignment id>)", and a second line whose Student cell is
"Points Possible" (Canvas guides, "How do I import grades in the Gradebook?" and "How do I
export grades in the Gradebook?"). A student is found by ID (Canvas's user id), so the roster
comes from the TA's own export: `--canvas-roster` names that file. Our student id is matched
exactly against its SIS User ID, SIS Login ID or ID. The assignment column is the export's
column of the same name when there is one (its Canvas id kept); otherwise the title alone,
which Canvas offers to create as a new assignment. A grade that is not known is left empty
(Canvas leaves that cell's grade as it is), never written as a zero.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import UserError
from ...gradebook.grades import StudentGrade
from ..names import csv_cell

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE = "Points Possible"
ASSIGNMENT_COLUMN = re.compile(r"^(?P<title>.*\S)\s*\((?P<id>\d+)\)$")


@dataclass
class CanvasRoster:
    """Canvas's gradebook export: its students and assignment columns, to write back into."""

    path: Path
    students: list[dict[str, str]]  # the identity cells of each student line
    assignments: dict[str, str]  # title -> the export's column header "<title> (<id>)"


@dataclass
class CanvasExport:
    """The file written for Canvas's import, and what the TA should know about it."""

    path: Path
    written: int = 0
    notes: list[str] = field(default_factory=list)


def read_roster(path: Path) -> CanvasRoster:
    """Canvas's gradebook export CSV: its students and its assignment columns."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot be read as a UTF-8 CSV file: {exc}") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in IDENTITY if c not in header]
    if missing:
        raise UserError(f"{path}: not a Canvas gradebook export: no column "
                        f"{', '.join(repr(c) for c in missing)}")
    assignments = {}
    for text_ in header:
        match = ASSIGNMENT_COLUMN.match(text_)
        if match is not None:
            assignments[match["title"]] = text_
    students = []
    for cells in reader:
        record = dict(zip(header, (c.strip() for c in cells), strict=False))
        student = record.get("Student", "")
        if not any(record.values()) or POINTS_POSSIBLE in student or student == "Student, Test":
            continue  # Canvas's points line and its test student
        students.append({c: record.get(c, "") for c in IDENTITY})
    return CanvasRoster(path, students, assignments)


def _match(roster: CanvasRoster, grade: StudentGrade) -> dict[str, str] | None:
    for line in roster.students:
        if grade.student.id in (line["SIS User ID"], line["SIS Login ID"], line["ID"]):
            return line
    return None


def write_canvas(path: Path, title: str, assignment_id: str, grades: list[StudentGrade],
                 roster: CanvasRoster) -> CanvasExport:
    column = roster.assignments.get(title) or roster.assignments.get(assignment_id)
    result = CanvasExport(path)
    if column is None:
        column = title
        result.notes.append(f"{roster.path} has no column {title!r} with a Canvas id: Canvas "
                            "will offer to create a new assignment")
    max_score = grades[0].max_score if grades else 0.0
    lines: list[list[object]] = [[*IDENTITY, column],
                                 [POINTS_POSSIBLE, "", "", "", "", f"{max_score:g}"]]
    for grade in grades:
        line = _match(roster, grade)
        if line is None:
            if grade.status != "missing":
                result.notes.append(f"{grade.student.id}: not in the Canvas roster, not written")
            continue
        score = "" if grade.final_score is None else f"{round(grade.final_score, 2):g}"
        lines.append([*(csv_cell(line[c]) for c in IDENTITY), score])
        result.written += score != ""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return result
