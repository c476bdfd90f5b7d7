"""Instructor commands: release and validate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..authoring.release import release
from ..authoring.validate import validate
from ..student.pack import pack
from .common import SandboxOption, console, launcher, repo, with_progress
from .terminal import markup

Ids = Annotated[list[str] | None, typer.Argument(help="assignment ids (default: all)")]


def release_command(assignments: Ids = None) -> None:
    """Build the student versions in release/<id>/ from source/<id>/.

    Example: autograder release gradient_descent
    """
    course = repo()
    for aid in course.assignment_ids(assignments):
        target = release(course, aid)
        console.print(markup("released [bold]{}[/] -> {}", aid, target.relative_to(course.root)))


def pack_command(
    assignment: Annotated[str, typer.Argument(help="assignment id")],
    output: Annotated[Path, typer.Option("--output", "-o", help="folder for the zip")] = Path("."),
) -> None:
    """Zip a release folder with the autograder package, for students to upload to Colab.

    Example: autograder pack gradient_descent -o dist
    """
    with console.status(f"building the package's wheel and zipping release/{assignment} ..."):
        target = pack(repo(), assignment, output)
    console.print(f"wrote {target}: students upload it to Colab and follow SELF_CHECK.md inside")


def validate_command(assignments: Ids = None, sandbox: str = SandboxOption) -> None:
    """Check that each solution scores full marks and each released stub scores zero.

    Example: autograder validate spectrogram_features
    """
    course = repo()
    runner = launcher(sandbox)
    failed = False
    for aid in with_progress(course.assignment_ids(assignments), "validating", "validated"):
        report = validate(course, aid, runner)
        ref, stub = report.reference, report.stub
        console.print(markup("[bold]{}[/]: solution {}/{} ({} s), stub {}/{}", aid,
                             f"{ref.score:g}", f"{ref.max_score:g}", f"{ref.execution_time:.1f}",
                             f"{stub.score:g}", f"{stub.max_score:g}"))
        for problem in report.problems:
            console.print(markup("  [red]problem[/]: {}", problem))
        failed |= not report.ok
    if failed:
        raise typer.Exit(1)
