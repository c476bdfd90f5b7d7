"""Student commands: `check` (clean run + public tests) and `submit` (the same, then a zip)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ..student.check import CleanRun, clean_run
from ..student.package import check_student_id, write_submission
from ..student.report import friendly
from .common import console
from .terminal import markup

NotebookArg = Annotated[Path, typer.Argument(help="your assignment notebook (.ipynb)")]
ReleaseOption = Annotated[Path | None, typer.Option(
    "--release", help="the assignment's release folder (default: the notebook's folder)")]
LABELS = {"passed": markup("[green]PASS[/]"), "failed": markup("[red]FAIL[/]"),
          "error": markup("[yellow]ERROR[/]")}


def _run(notebook: Path, release: Path | None, student: str | None = None) -> CleanRun:
    with console.status(f"running {notebook.name} from a clean state in a fresh Python process, "
                        "then its public tests ..."):
        return clean_run(notebook, release, student)


def print_summary(run: CleanRun) -> None:
    """Cells that failed, tests per question, and every failed test with its message."""
    result, nb = run.result, run.notebook
    cells = len(result.cells)
    console.print(markup("[bold]{}[/] (assignment {}): ran {} code cells from a clean state "
                         "in {} s", nb.path.name, run.release.id, cells,
                         f"{result.execution_time:.1f}"))
    if result.status != "graded":
        console.print(Text(f"the run ended early ({result.status}): {result.message}", "red"))
    errors = run.cell_errors
    if errors:
        console.print(markup("[yellow]warning:[/] {} cell(s) failed in the clean run:",
                             len(errors)))
        for number, first, error in errors:
            headline = error.splitlines()[0] if error else ""
            if headline.startswith("NotImplementedError"):
                headline = "NotImplementedError (not done yet)"
            console.print(Text(f"  cell {number} ({first}): {headline}"))
        if nb.ran_out_of_order:
            console.print(markup("  [yellow]hint:[/] the saved execution counts show the cells "
                                 "were run out of order in your kernel; restart it and run all "
                                 "cells top to bottom"))
    table = Table(title="Public tests", title_justify="left")
    table.add_column("question")
    table.add_column("passed", justify="right")
    for name in run.release.questions:
        tests = [t for t in result.tests if t.question == name]
        passed = sum(t.status == "passed" for t in tests)
        colour = "green" if passed == len(tests) else "red"
        table.add_row(name, markup(f"[{colour}]{{}}/{{}}[/]", passed, len(tests))
                      if tests else markup("[dim]none[/]"))
    console.print(table)
    for test in result.tests:
        if test.status != "passed":
            console.print(LABELS.get(test.status, test.status), Text(
                f"{test.name.removeprefix('public/')} ({test.question})"))
            for line in friendly(test.output).splitlines():
                console.print(Text(f"    {line}"))
    total = len(result.tests)
    colour = "green" if run.ok else "red"
    console.print(markup(f"[{colour}]{{}} of {{}} public tests passed.[/] "
                         "[dim]Grading adds hidden tests.[/]", run.tests_passed, total))


def check_command(notebook: NotebookArg, release: ReleaseOption = None) -> None:
    """Run your notebook top to bottom in a fresh process, then its public tests.

    Exits 0 only when every public test passes.

    Example: autograder check release/gradient_descent/gradient_descent.ipynb
    """
    run = _run(notebook, release)
    print_summary(run)
    if not run.ok:
        raise typer.Exit(1)


def submit_command(
    notebook: NotebookArg,
    student: Annotated[str, typer.Option("--student", help="your student id")],
    release: ReleaseOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="folder for the zip")] = Path("."),
) -> None:
    """Check your notebook from a clean state, then package it as <student>_<assignment>.zip.

    Failing public tests or failing cells are reported but do not stop the packaging.

    Example: autograder submit release/gradient_descent/gradient_descent.ipynb --student s1234567
    """
    check_student_id(student)
    run = _run(notebook, release, student)
    print_summary(run)
    target = write_submission(run, student, output)
    if not run.ok or run.cell_errors:
        console.print(markup("[yellow]warning:[/] packaged anyway, but the clean run above "
                             "shows problems; fix them and submit again if you can"))
    console.print(markup("wrote [bold]{}[/]: upload this file", target))
