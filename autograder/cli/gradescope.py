"""`autograder gradescope`: the autograder zip to upload to Gradescope."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..gradescope.bundle import build_zip
from .common import console, repo
from .terminal import markup


def gradescope_command(
    assignment: Annotated[str, typer.Argument(help="assignment id")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="zip to write "
                      "(default: course/gradescope/<id>-autograder.zip)")] = None,
) -> None:
    """Build the autograder zip for Gradescope (setup.sh, run_autograder, tests incl. hidden).

    Example: autograder gradescope spectrogram_features
    """
    course = repo()
    target = output or course.workspace / "gradescope" / f"{assignment}-autograder.zip"
    build_zip(course, assignment, target)
    console.print(markup("autograder zip for [bold]{}[/] -> {}", assignment, target))
    a = course.config.assignment(assignment)
    console.print(f"Upload it under the Gradescope assignment's Configure Autograder (zip file "
                  f"upload, an Ubuntu base image). The autograder is worth "
                  f"{a.autograded_max_score:g} points; manual questions "
                  f"({', '.join(a.manual) or 'none'}) are graded as Gradescope questions. It holds "
                  "the hidden tests: share it with staff only.")
