"""`autograder grade`: grade notebooks or submission zips, write the results contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ..gradescope.results import contract_json
from ..grading.grade import GradingSpec, grade_path
from ..grading.results import Result
from .common import SandboxOption, console, launcher, repo, with_progress
from .terminal import markup


def summary_table(results: list[Result]) -> Table:
    table = Table(title="Grading results")
    for column in ("submission", "status", "score", "time (s)", "note"):
        table.add_column(column)
    for r in results:
        colour = {"graded": "green", "invalid": "yellow", "grader-error": "red"}.get(r.status, "magenta")
        failed = sum(t.status != "passed" for t in r.tests)
        note = r.message or (f"{failed} of {len(r.tests)} tests failed" if r.tests else "")
        table.add_row(Path(r.submission).name, markup(f"[{colour}]{{}}[/]", r.status),
                      f"{r.score:g}/{r.max_score:g}", f"{r.execution_time:.1f}", note)
    return table


def grade_command(
    assignment: Annotated[str, typer.Argument(help="assignment id")],
    submissions: Annotated[list[Path], typer.Argument(help="notebooks (.ipynb) or zips")],
    json_out: Annotated[Path | None, typer.Option("--json", help="write results here")] = None,
    sandbox: str = SandboxOption,
) -> None:
    """Grade submissions (public + hidden tests) and write results JSON.

    Example: autograder grade spectrogram_features alice.ipynb bob.zip --json results.json
    """
    course = repo()
    spec = GradingSpec.from_repo(course, assignment)
    runner = launcher(sandbox)
    results = [grade_path(spec, path, runner) for path in
               with_progress(submissions, "grading", "graded", label=lambda path: path.name)]
    console.print(summary_table(results))
    if json_out is not None:
        payload = [contract_json(r) for r in results]
        json_out.write_text(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2))
        console.print(f"results written to {json_out}")
    if any(r.status == "grader-error" for r in results):
        raise typer.Exit(1)
