"""`autograder export`: grades and feedback in the formats LMSs and other tools import."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..batch.exports.canvas import read_roster, write_canvas
from ..batch.exports.gradescope import write_gradescope
from ..batch.exports.moodle import MoodleExport, write_feedback_zip, write_worksheet
from ..batch.exports.nbgrader import write_nbgrader
from ..batch.exports.staff_csv import write_csv
from ..batch.moodle import read_worksheet
from ..course import CourseRepo
from ..errors import UserError
from ..gradebook.db import open_gradebook
from ..gradebook.grades import compute_grades
from .common import WorkspaceOption, console, repo
from .terminal import markup

WorksheetTimezone = typer.Option(
    "--worksheet-timezone", help="time zone of the Moodle user who downloaded the worksheet "
    "(their profile's), when it is not the course's, e.g. Europe/Berlin")


class Format(StrEnum):
    csv = "csv"
    moodle = "moodle"
    moodle_feedback_zip = "moodle-feedback-zip"
    canvas = "canvas"
    nbgrader = "nbgrader"
    gradescope = "gradescope"


DEFAULT_NAMES = {Format.csv: "{a}-grades.csv", Format.moodle: "{a}-moodle-worksheet.csv",
                 Format.moodle_feedback_zip: "{a}-moodle-feedback.zip",
                 Format.canvas: "{a}-canvas-import.csv", Format.nbgrader: "{a}-nbgrader.csv",
                 Format.gradescope: "gradescope"}


def _where(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _notes(notes: list[str]) -> None:
    for note in notes:
        console.print(markup("  [yellow]note[/] {}", note))


def export_command(
    assignment: Annotated[str, typer.Argument(help="assignment id")],
    format: Annotated[Format, typer.Option("--format", help="csv, moodle (grading worksheet), "
                                           "moodle-feedback-zip, canvas, nbgrader or "
                                           "gradescope")] = Format.csv,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (folder for "
                                                "gradescope)")] = None,
    worksheet: Annotated[Path | None, typer.Option(
        "--worksheet", help="moodle: the grading worksheet downloaded from Moodle (default: the "
        "one given to collect)")] = None,
    worksheet_timezone: Annotated[str | None, WorksheetTimezone] = None,
    canvas_roster: Annotated[Path | None, typer.Option(
        "--canvas-roster", help="canvas: the course's gradebook export CSV from Canvas (its "
        "student and assignment ids)")] = None,
    workspace: Path | None = WorkspaceOption,
    db: Annotated[str | None, typer.Option("--db", help="gradebook database URL")] = None,
) -> None:
    """Export grades: final scores (overrides and late policy applied), never a hidden test's
    message; a grade not known yet is left empty, never a zero.

    Example: autograder export gradient_descent --format moodle
    """
    course = repo(workspace)
    with open_gradebook(course.workspace, db)() as session:
        grades = compute_grades(session, course.config, assignment)
    target = output or (course.workspace / "exports" / assignment
                        / DEFAULT_NAMES[format].format(a=assignment))
    if format is Format.csv:
        write_csv(target, course.config, grades)
        console.print(f"wrote {sum(g.status != 'missing' for g in grades)} row(s) to "
                      f"{_where(target)}")
    elif format is Format.gradescope:
        written, skipped = write_gradescope(target, grades,
                                            course.config.gradescope.hidden_tests)
        console.print(f"wrote {len(written)} results.json under {_where(target)}")
        if skipped:
            console.print(markup("[yellow]not exported (no grade yet)[/]: {}", ", ".join(skipped)))
    elif format is Format.moodle:
        done = _moodle_worksheet(course, assignment, target, grades, worksheet,
                                 worksheet_timezone)
        console.print(f"wrote {done.written} grade(s) into the Moodle grading worksheet "
                      f"{_where(target)}: upload it with 'Upload grading worksheet'")
        _notes(done.notes)
    elif format is Format.moodle_feedback_zip:
        done = write_feedback_zip(target, course.config, grades)
        console.print(f"wrote {done.written} feedback page(s) into {_where(target)}: upload it "
                      "with 'Upload multiple feedback files in a zip'")
        _notes(done.notes)
    elif format is Format.canvas:
        if canvas_roster is None:
            raise UserError("--format canvas needs --canvas-roster: the CSV of Canvas's "
                            "Gradebook > Export (it carries the Canvas ids)")
        spec = course.config.assignment(assignment)
        result = write_canvas(target, spec.title, assignment, grades, read_roster(canvas_roster))
        console.print(f"wrote {result.written} grade(s) to {_where(target)}: import it in "
                      "Canvas's Gradebook > Import")
        _notes(result.notes)
    else:
        write_nbgrader(target, course.config, grades)
        console.print(f"wrote {len(grades)} line(s) in nbgrader's export format to "
                      f"{_where(target)}")


def _moodle_worksheet(course: CourseRepo, assignment: str, target: Path, grades: list,
                      worksheet: Path | None, timezone: str | None) -> MoodleExport:
    zone = timezone or course.config.course.timezone
    kept = course.workspace / "lms" / assignment / "moodle-worksheet.csv"
    source = worksheet or (kept if kept.is_file() else None)
    sheet = read_worksheet(source, zone) if source is not None else None
    done = write_worksheet(target, grades, sheet, zone)
    if sheet is None:
        done.notes.append("no Moodle worksheet (collect --worksheet, or --worksheet here): wrote "
                          "an English one from the participant ids the gradebook knows")
    return done
