"""The `autograder` command: one typer app, one small module per group of subcommands."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Annotated

import typer
from rich.text import Text

from ..errors import UserError
from ..sandbox.numba_cache import use_trusted_cache
from .authoring import pack_command, release_command, validate_command
from .batch import (
    collect_command,
    feedback_command,
    grade_all_command,
    gradebook_command,
    override_command,
    report_command,
)
from .common import console, err_console
from .exports import export_command
from .gradescope import gradescope_command
from .grading import grade_command
from .help_types import PlainHelpGroup
from .importing import import_app
from .serve import serve_command
from .student import check_command, submit_command
from .terminal import markup

app = typer.Typer(
    help="Autograder for Deep Learning for Audio: release, check, submit and grade notebooks.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
    cls=PlainHelpGroup,
)


def show_version(value: bool) -> None:
    if value:
        console.print(f"autograder {metadata.version('dl-audio-autograder')}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option(
        "--version", callback=show_version, is_eager=True,
        help="Show the version and exit.")] = False) -> None:
    """Autograder for Deep Learning for Audio: release, check, submit and grade notebooks."""


app.command("release", short_help="Build student versions in release/<id>/.")(release_command)
app.command("validate", short_help="Solution scores full marks, released stub scores zero.")(validate_command)
app.command("pack", short_help="Zip a release folder and the package for Colab.")(pack_command)
app.command("grade", short_help="Grade notebooks or zips in the sandbox; write results JSON.")(grade_command)
app.command("check", short_help="Run your notebook from a clean state, then its public tests.")(check_command)
app.command("submit", short_help="Check your notebook, then package it as a zip to upload.")(submit_command)
app.command("collect", short_help="Collect submissions (folder, zips, Moodle download).")(collect_command)
app.command("grade-all", short_help="Grade all collected submissions in parallel.")(grade_all_command)
app.command("gradebook", short_help="Print an assignment's gradebook.")(gradebook_command)
app.command("override", short_help="Replace a question's score for a student, with a comment.")(override_command)
app.command("feedback", short_help="Write per-student feedback pages (HTML, Markdown).")(feedback_command)
app.command("export", short_help="Export grades for Moodle, Canvas, nbgrader, Gradescope or as CSV.")(export_command)
app.command("report", short_help="Write the batch report with plots (for TAs).")(report_command)
app.command("serve", short_help="Run the course web app: uploads, results, manual grading.")(serve_command)
app.command("gradescope", short_help="Build the autograder zip for Gradescope.")(gradescope_command)
app.add_typer(import_app, name="import", short_help="Import an nbgrader or otter assignment.")


def run() -> None:
    """Entry point: user mistakes become one line and a non-zero exit, never a traceback."""
    use_trusted_cache()  # before anything imports numba: librosa's JIT is paid once per machine
    try:
        app()
    except UserError as exc:
        err_console.print(Text.assemble(("error: ", "red"), str(exc)), soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print(markup("[yellow]interrupted[/]"))
        sys.exit(130)


if __name__ == "__main__":
    run()
