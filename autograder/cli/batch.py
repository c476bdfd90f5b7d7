"""TA commands: collect, grade-all, gradebook, override, feedback, export, report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.orm import Session, sessionmaker

from ..batch.collect import collect
from ..batch.executor import Executor
from ..batch.feedback import write_feedback
from ..batch.grade_all import Hooks, grade_all
from ..batch.report import build_report
from ..batch.stop import RESUME
from ..course import CourseRepo
from ..errors import UserError
from ..gradebook.db import open_gradebook
from ..gradebook.grades import compute_grades
from ..gradebook.store import remove_override, set_override
from ..grading.results import Result
from .common import SandboxOption, WorkspaceOption, console, repo
from .exports import WorksheetTimezone
from .gradebook_table import STATUS_COLOURS, question_tables, totals_table
from .terminal import markup

Assignment = Annotated[str, typer.Argument(help="assignment id")]
DbOption = typer.Option(None, "--db", help="gradebook database URL "
                        "(default: SQLite file in the workspace, or $AUTOGRADER_DB)")


def _open(workspace: Path | None, db: str | None) -> tuple[CourseRepo, sessionmaker[Session]]:
    course = repo(workspace)
    return course, open_gradebook(course.workspace, db)


def _where(course: CourseRepo, path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def collect_command(
    assignment: Assignment,
    path: Annotated[Path, typer.Argument(help="folder, notebook, submission zip or Moodle zip")],
    worksheet: Annotated[Path | None, typer.Option(
        "--worksheet", help="Moodle grading worksheet CSV: the trusted submission times")] = None,
    received_at: Annotated[str | None, typer.Option(
        "--received-at", help="submission time for files the worksheet does not date, e.g. "
        "2026-11-30T17:00 (course timezone unless an offset is given)")] = None,
    worksheet_timezone: Annotated[str | None, WorksheetTimezone] = None,
    workspace: Path | None = WorkspaceOption, db: str | None = DbOption,
) -> None:
    """Copy submissions into the workspace (submitted/<student>/<assignment>/), untouched.

    Without a worksheet or --received-at, the time of collection is not a trusted submission
    time: no late penalty is charged, and the gradebook says so.

    Example: autograder collect gradient_descent ~/Downloads/moodle.zip --worksheet grades.csv
    """
    course, sessions = _open(workspace, db)
    course.config.assignment(assignment)
    when = course.config.course_time(received_at, "--received-at") if received_at else None
    with sessions() as session, console.status(f"collecting {path} ..."):
        report = collect(course, session, assignment, path, worksheet, when,
                         worksheet_timezone)
    console.print(markup("collected [bold]{}[/] submission(s) of {} into {}",
                         len(report.collected), assignment,
                         _where(course, course.workspace / "submitted")))
    if report.duplicates:
        console.print(f"{len(report.duplicates)} already collected (same content), skipped")
    for item in report.unreadable:
        console.print(markup("  [yellow]unreadable[/] {} ({}): {} - kept, it will grade as "
                             "invalid", item.origin, item.student, item.problem))
    for origin, reason, kept in report.set_aside:
        where = f" -> {_where(course, kept)}" if kept else ""
        console.print(markup("  [yellow]set aside[/] {}: {}{}", origin, reason, where))
    for warning in [*report.chosen, *report.warnings]:
        console.print(markup("  [yellow]note[/] {}", warning))
    if report.untrusted_time:
        console.print(markup("  [yellow]no trusted submission time[/] (no worksheet date, no "
                             "--received-at; no late penalty is charged): {}",
                             ", ".join(report.untrusted_time)))


def dask_executor(address: str, sandbox: str, workers: int | None) -> Executor:
    """Dask is an optional dependency: imported only when asked for."""
    try:
        from ..batch.dask_executor import DaskExecutor
    except ImportError as exc:
        raise UserError(f"--dask needs Dask ({exc.name} is missing): "
                        "pip install 'dl-audio-autograder[dask]'") from None
    return DaskExecutor(address, sandbox, workers)


class BarHooks(Hooks):
    """A progress bar with a live count of statuses."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None  # no bar before the batch holds the workspace's lock
        self.counts: dict[str, int] = {}

    def begin(self, total: int, to_grade: int) -> None:
        reused = total - to_grade
        desc = "grading the reference solution (canary)" if to_grade else "nothing to grade"
        self.task = self.progress.add_task(desc, total=to_grade, statuses=f"{reused} unchanged, "
                                           "reused" if reused else "")

    def canary(self, result: Result | None) -> None:
        self.progress.update(self.task, description="grading")

    def finished(self, student: str, result: Result) -> None:
        self.counts[result.status] = self.counts.get(result.status, 0) + 1
        text = " · ".join(markup(f"[{STATUS_COLOURS.get(s, 'magenta')}]{{}} {{}}[/]", s, n)
                          for s, n in sorted(self.counts.items()))
        self.progress.update(self.task, advance=1, statuses=text)


def grade_all_command(
    assignment: Assignment,
    workers: Annotated[int | None, typer.Option("--workers", "-j", min=1,
                                                help="parallel graders (default: cores)")] = None,
    student: Annotated[str | None, typer.Option("--student",
                                                help="regrade only this student")] = None,
    force: Annotated[bool, typer.Option("--force", help="regrade everything, even unchanged "
                                        "work")] = False,
    dask: Annotated[str | None, typer.Option(
        "--dask", help="grade on a Dask cluster: its scheduler's address (tcp://host:8786), or "
        "'local' for a cluster on this machine")] = None,
    reuse_canary: Annotated[bool, typer.Option(
        "--reuse-canary", help="reuse the reference solution's passing run of an earlier batch "
        "when nothing it depends on changed (the web app's one-upload batches)")] = False,
    sandbox: str = SandboxOption, workspace: Path | None = WorkspaceOption,
    db: str | None = DbOption,
) -> None:
    """Grade every student's latest submission in parallel; resumable, unchanged work reused.

    Example: autograder grade-all gradient_descent --workers 4
    """
    course, sessions = _open(workspace, db)
    executor = dask_executor(dask, sandbox, workers) if dask else None
    columns = (TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[statuses]}"))
    with Progress(*columns, console=console, transient=False) as progress:
        summary = grade_all(course, sessions, assignment, sandbox, workers, student, force,
                            BarHooks(progress), executor, reuse_canary)
    if summary.canary is not None:
        c = summary.canary
        when = ("kept from an earlier batch, nothing changed"
                if summary.canary_kept else f"{c.execution_time:.1f} s")
        console.print(f"canary: reference solution {c.score:g}/{c.max_score:g} ({when})")
    if summary.total == 0:
        console.print(f"nothing collected for {assignment}: run `autograder collect "
                      f"{assignment} <folder or zip>` first")
        return
    counts = ", ".join(f"{status} {n}" for status, n in sorted(summary.statuses.items()))
    console.print(f"{assignment}: {summary.total} student(s); graded {summary.graded}, "
                  f"reused {summary.reused}; {counts or 'no results yet'}")
    for result in summary.errors:
        console.print(markup("  [red]grader-error[/] {}: {}", result.student or "?",
                             result.message))
    if summary.interrupted:
        console.print(markup("[yellow]stopped ({})[/]: {}", summary.interrupted, RESUME))
        raise typer.Exit(143 if summary.interrupted == "SIGTERM" else 130)
    if summary.errors:
        console.print("grader errors are not zeros: run grade-all again to retry them")
        raise typer.Exit(1)
    console.print(f"next: autograder gradebook {assignment} · feedback · export · report")


def gradebook_command(assignment: Assignment, workspace: Path | None = WorkspaceOption,
                      db: str | None = DbOption) -> None:
    """Print the gradebook: raw score + overrides + late penalty = final, then per question.

    Example: autograder gradebook gradient_descent
    """
    course, sessions = _open(workspace, db)
    with sessions() as session:
        grades = compute_grades(session, course.config, assignment)
    console.print(totals_table(assignment, grades))
    for table in question_tables(grades, console.width):
        console.print(table)
    untrusted = [g.student.id for g in grades if g.submission is not None and not g.late.trusted]
    if untrusted:
        console.print(markup("  [yellow]no trusted submission time[/] (no late penalty charged): "
                             "{}", ", ".join(untrusted)))
    for g in grades:
        for question in g.outdated_overrides:
            console.print(markup(
                "  [yellow]override not applied[/]: {} {}: made against an older submission; "
                "confirm it with autograder override {} {} {} <score> --comment ...",
                g.student.id, question, assignment, g.student.id, question))
    for g in grades:  # what collect said: several files, not a notebook, unreadable
        if g.submission is not None and g.submission.note:
            console.print(markup("  [yellow]{}[/]: {}", g.student.id, g.submission.note))


def override_command(
    assignment: Assignment,
    student: Annotated[str, typer.Argument(help="student id")],
    question: Annotated[str, typer.Argument(help="question name")],
    score: Annotated[float | None, typer.Argument(help="the question's new score")] = None,
    comment: Annotated[str, typer.Option("--comment", help="why (shown to the student)")] = "",
    remove: Annotated[bool, typer.Option("--remove", help="remove the override")] = False,
    workspace: Path | None = WorkspaceOption, db: str | None = DbOption,
) -> None:
    """Replace one question's score for one student, with a comment; survives regrading.

    Example: autograder override gradient_descent s1234567 backprop 4 --comment "sign slip only"
    """
    course, sessions = _open(workspace, db)
    with sessions() as session:
        if remove:
            remove_override(session, assignment, student, question)
            message = f"removed the override of {question} for {student}"
        elif score is None:
            raise UserError("give the new score, or --remove to remove the override")
        else:
            set_override(session, course.config, assignment, student, question, score, comment)
            message = f"{student} {question}: {score:g} (override)"
        session.commit()
    console.print(message)


def feedback_command(
    assignment: Assignment,
    student: Annotated[str | None, typer.Option("--student", help="only this student")] = None,
    workspace: Path | None = WorkspaceOption, db: str | None = DbOption,
) -> None:
    """Write each student's feedback (HTML and Markdown) to feedback/<student>/<assignment>/.

    Example: autograder feedback gradient_descent
    """
    course, sessions = _open(workspace, db)
    with sessions() as session:
        grades = compute_grades(session, course.config, assignment, student)
    written = write_feedback(course.workspace, course.config, grades)
    console.print(f"wrote feedback for {len(written)} student(s) under "
                  f"{_where(course, course.workspace / 'feedback')}")


def report_command(
    assignment: Assignment,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="HTML file")] = None,
    workspace: Path | None = WorkspaceOption, db: str | None = DbOption,
) -> None:
    """Write the batch report: score, question, test and runtime plots, most-failed tests.

    Example: autograder report gradient_descent
    """
    course, sessions = _open(workspace, db)
    with sessions() as session:
        grades = compute_grades(session, course.config, assignment)
    target = output or course.workspace / "reports" / assignment / "report.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(build_report(course.config, assignment, grades), encoding="utf-8")
    console.print(f"wrote {_where(course, target)}")
