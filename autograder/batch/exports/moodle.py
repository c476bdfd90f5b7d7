"""Grades and feedback back into Moodle: the grading worksheet and the feedback-files zip.

Worksheet ("Upload grading worksheet", mod/assign/feedback/offline): the importer
(importgradeslib.php) finds its columns by their exact header in the Moodle user's language
(Identifier, Grade, Last modified (grade), and one column per feedback editor field, e.g.
Feedback comments), reads the participant id as what follows `get_string('hiddenuser')` in the
Identifier, and skips a row whose grade in Moodle changed after its "Last modified (grade)"
(locallib.php process_import_grades). So the worksheet the TA downloaded is written back with
only Grade and Feedback comments filled in: header, language, Identifier and "Last modified
(grade)" exactly as Moodle wrote them. Without one, an English worksheet is written from the
participant ids the gradebook knows. Grade is the final score (overrides and late policy
applied), scaled to the worksheet's Maximum Grade when Moodle's differs; a grade that is not
known (not graded, grader error, no submission) leaves the row as Moodle wrote it.

Feedback zip ("Upload multiple feedback files in a zip", feedback/file/importziplib.php): each
path part is split at `_` into name, participant id, plugin type and plugin name; a folder
`<Full name>_<participant id>_assignfeedback_file_` holds that student's feedback page.
"""

from __future__ import annotations

import csv
import html
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ...config import GradingConfig
from ...errors import UserError
from ...gradebook.grades import StudentGrade
from ..collect import AMBIGUOUS
from ..feedback import feedback_view, render_feedback
from ..moodle import Worksheet, moodle_filename
from ..names import csv_cell
from .comments import grade_comment

ENGLISH_HEADER = ("Identifier", "Full name", "Grade", "Maximum Grade",
                  "Last modified (submission)", "Last modified (grade)", "Feedback comments")
VERBATIM = ("identifier", "grade", "graded", "submitted")  # cells Moodle reads back unchanged
FEEDBACK_PAGE = "feedback.html"


@dataclass
class MoodleExport:
    """The file written for Moodle's import, and what the TA should know about it."""

    path: Path
    written: int = 0
    notes: list[str] = field(default_factory=list)


def moodle_time(moment: datetime, timezone: str) -> str:
    """Moodle's strftimedatetime in English: "Monday, 30 November 2026, 5:00 PM"."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%A}, {local.day} {local:%B %Y}, {local.hour % 12 or 12}:{local:%M %p}"


def _grade_cell(value: float) -> str:
    return f"{value:.2f}"


def _scale(sheet: Worksheet, cells: tuple[str, ...], grade: StudentGrade) -> tuple[float, str]:
    """(factor, note): 1 unless the worksheet's Maximum Grade differs from the assignment's."""
    index = sheet.columns.get("max_grade")
    if index is None or not cells[index].strip():
        return 1.0, ""
    try:
        moodle_max = float(cells[index].strip().replace(",", "."))
    except ValueError:
        return 1.0, ""
    if moodle_max <= 0 or abs(moodle_max - grade.max_score) < 1e-9:
        return 1.0, ""
    return moodle_max / grade.max_score, (f"grades scaled from {grade.max_score:g} to Moodle's "
                                          f"maximum grade {moodle_max:g}")


def worksheet_lines(grades: list[StudentGrade], sheet: Worksheet | None,
                    timezone: str) -> tuple[list[list[str]], list[str]]:
    """The worksheet's lines (header first) and notes for the TA."""
    by_participant = {g.student.lms_id: g for g in grades if g.student.lms_id}
    notes = [f"{g.student.id}: no Moodle participant id, not in the worksheet"
             for g in grades if not g.student.lms_id and g.status != "missing"]
    notes += [f"{g.student.id}: {g.submission.note}" for g in grades
              if g.submission is not None and g.submission.note.startswith(AMBIGUOUS)]
    if sheet is None:
        lines = [list(ENGLISH_HEADER)]
        for participant, g in sorted(by_participant.items(), key=lambda kv: kv[1].student.id):
            known = g.final_score is not None
            submitted = (moodle_time(g.submission.submitted_at, timezone)
                         if g.submission is not None else "-")
            lines.append([f"Participant {participant}", csv_cell(g.student.name),
                          _grade_cell(g.final_score) if known else "", f"{g.max_score:g}",
                          submitted, "-", csv_cell(html.escape(grade_comment(g))) if known else ""])
        return lines, notes
    missing = [k for k in ("grade", "graded") if k not in sheet.columns]
    if missing:
        raise UserError(f"{sheet.path}: Moodle's importer needs the column(s) "
                        f"{', '.join(missing)} (e.g. 'Grade', 'Last modified (grade)'): "
                        "download the grading worksheet again")
    if "feedback" not in sheet.columns:
        notes.append("the worksheet has no 'Feedback comments' column (the assignment's feedback "
                     "comments are off): grades only")
    keep = {sheet.columns[k] for k in VERBATIM if k in sheet.columns}
    lines = [list(sheet.header)]
    scaled = ""
    for row in sheet.rows.values():
        cells = [c if i in keep else csv_cell(c) for i, c in enumerate(row.cells)]
        g = by_participant.get(row.participant)
        if g is not None and g.final_score is not None:
            factor, scaled = _scale(sheet, row.cells, g)
            cells[sheet.columns["grade"]] = _grade_cell(g.final_score * factor)
            if "feedback" in sheet.columns:
                cells[sheet.columns["feedback"]] = csv_cell(html.escape(grade_comment(g)))
        lines.append([str(c) for c in cells])
    unknown = sorted(set(by_participant) - set(sheet.rows))
    if unknown:
        notes.append(f"not in the worksheet (not written): participant(s) {', '.join(unknown)}")
    return lines, notes + ([scaled] if scaled else [])


def write_worksheet(path: Path, grades: list[StudentGrade], sheet: Worksheet | None,
                    timezone: str) -> MoodleExport:
    lines, notes = worksheet_lines(grades, sheet, timezone)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    filled = sum(1 for g in grades if g.student.lms_id and g.final_score is not None
                 and (sheet is None or g.student.lms_id in sheet.rows))
    return MoodleExport(path, filled, notes)


def feedback_folder(name: str, participant: str) -> str:
    """The folder name Moodle's zip importer maps to a participant and the feedback-file
    plugin; the name part may not hold an underscore (it would shift the participant id)."""
    return f"{moodle_filename(name) or 'Participant'}_{participant}_assignfeedback_file_"


def write_feedback_zip(path: Path, config: GradingConfig, grades: list[StudentGrade],
                       at: datetime | None = None) -> MoodleExport:
    """One feedback page per student with a Moodle participant id who submitted something."""
    result = MoodleExport(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for grade in grades:
            if grade.status == "missing":
                continue
            if not grade.student.lms_id:
                result.notes.append(f"{grade.student.id}: no Moodle participant id, no "
                                    "feedback file")
                continue
            page, _ = render_feedback(config, feedback_view(config, grade, at))
            folder = feedback_folder(grade.student.name, grade.student.lms_id)
            archive.writestr(f"{folder}/{FEEDBACK_PAGE}", page)
            result.written += 1
    return result
