"""`autograder import nbgrader|otter`: bring an existing assignment over into this format."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UserError
from ..importers.assignment import (
    ImportedAssignment,
    config_block,
    default_due,
    identifier,
    merge_config,
    write_assignment,
)
from ..importers.nbgrader import import_notebook, notebooks_of
from ..importers.otter import import_master
from .common import console, repo
from .terminal import markup

import_app = typer.Typer(help="Bring an nbgrader or otter assignment over (notebook with our "
                         "markers, pytest files, grading_config.yaml block).",
                         no_args_is_help=True)

IdOption = Annotated[str | None, typer.Option("--id", help="assignment id (default: from the "
                                              "file or folder name)")]
DueOption = Annotated[str | None, typer.Option("--due", help="due date, e.g. '2026-12-01 23:59' "
                                               "(default: in two weeks; check it)")]
MergeOption = Annotated[bool, typer.Option("--merge", help="add the block to "
                                           "grading_config.yaml instead of printing it")]
ForceOption = Annotated[bool, typer.Option("--force", help="overwrite source/<id>/")]


def _due(text: str | None) -> datetime:
    if text is None:
        return default_due()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise UserError(f"--due: {text!r} is not a date-time like 2026-12-01 23:59") from None


def _finish(imported: ImportedAssignment, due: datetime, merge: bool, force: bool) -> None:
    course = repo()
    target = write_assignment(course, imported, force)
    block = config_block(imported, due)
    console.print(markup("imported [bold]{}[/] from {} -> {} ({} tests)", imported.id,
                         imported.source, target.relative_to(course.root), len(imported.tests)))
    if merge:
        merge_config(course, block, imported.id)
        console.print("added to grading_config.yaml (check the due date and titles)")
    else:
        console.print("add this under `assignments:` in grading_config.yaml:")
        console.print(block)
    for name, q in imported.questions.items():
        if q.manual:
            console.print(markup("  manual question [bold]{}[/] ({} points, {}): add its rubric "
                                 "in grading_config.yaml", name, f"{q.points:g}", q.origin))
    for note in imported.skipped:
        console.print(markup("  [yellow]not carried over[/]: {}", note))
    console.print(f"next: autograder validate {imported.id} && autograder release {imported.id}")


@import_app.command("nbgrader")
def nbgrader_command(
    path: Annotated[Path, typer.Argument(help="an nbgrader source notebook, assignment folder "
                                         "or course folder (with source/<assignment>/)")],
    assignment_id: IdOption = None, due: DueOption = None, merge: MergeOption = False,
    force: ForceOption = False,
) -> None:
    """Import nbgrader notebooks: solutions, autograder tests (hidden parts to hidden tests),
    points and manually graded cells.

    Example: autograder import nbgrader ~/nbgrader-course/source/ps1/problem1.ipynb
    """
    books = notebooks_of(path)
    if assignment_id and len(books) > 1:
        raise UserError(f"{path}: --id names one assignment, but {len(books)} notebooks were "
                        "found; import them one by one")
    for book, aid in books:
        chosen = identifier(assignment_id, "assignment") if assignment_id else aid
        _finish(import_notebook(book, chosen), _due(due), merge, force)


@import_app.command("otter")
def otter_command(
    path: Annotated[Path, typer.Argument(help="otter master notebook (format v1)")],
    assignment_id: IdOption = None, due: DueOption = None, merge: MergeOption = False,
    force: ForceOption = False,
) -> None:
    """Import an otter-grader master notebook: questions, solutions, public and hidden tests.

    Example: autograder import otter demo.ipynb --id otter_demo
    """
    if not path.is_file():
        raise UserError(f"{path}: no such notebook")
    chosen = identifier(assignment_id, "assignment") if assignment_id else None
    _finish(import_master(path, chosen), _due(due), merge, force)
