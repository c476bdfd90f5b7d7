"""`make demo` / `python -m autograder.demo`: the whole TA workflow on shipped sample submissions.

It zips demo/submissions/<id>/moodle/ as Moodle's "download all submissions" would, then runs the
real commands (collect with the grading worksheet, grade-all in the sandbox, gradebook, an
override, feedback, the exports, report) in a scratch workspace, course/demo/ by default, says
where everything went, and ends with the Moodle grading worksheet and feedback zip to upload. The
first assignment of grading_config.yaml with source and samples is used (in this course
gradient_descent, the quickest to grade), otherwise the tool's example course.
"""

from __future__ import annotations

import html
import os
import re
import shlex
import shutil
import sys
import time
import zipfile
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.text import Text

import autograder

from ..cli.common import console, err_console
from ..cli.main import app
from ..cli.terminal import markup
from ..course import CONFIG_NAME, CourseRepo
from ..errors import UserError
from ..gradebook.db import open_gradebook
from ..gradebook.grades import compute_grades
from . import MARKER
from .samples import MOODLE, WORKSHEET

PROJECT = Path(autograder.__file__).resolve().parents[1]
SAMPLES = PROJECT / "demo" / "submissions"
EXAMPLE_COURSE = PROJECT / "tests" / "example_course"


def choose(root: Path, requested: str | None) -> tuple[Path, str]:
    """(course root, assignment): the requested one, else the first course assignment with
    samples and tests, else the example course."""
    course = CourseRepo(root)
    candidates = [requested] if requested else list(course.config.assignments)
    for aid in candidates:
        source = root / "source" / aid
        if (aid in course.config.assignments and (SAMPLES / aid / MOODLE).is_dir()
                and (source / f"{aid}.ipynb").is_file() and any(source.glob("tests/*/test_*.py"))):
            return root, aid
    if requested:
        raise UserError(f"no samples or no source for {requested!r}: generate them with "
                        f"`python -m autograder.demo.samples {requested}`")
    return EXAMPLE_COURSE, "squares"


def fresh_workspace(path: Path) -> Path:
    if path.exists():
        if not (path / MARKER).exists():
            raise UserError(f"{path}: exists and is not a demo workspace; remove it or pass "
                            "--workspace")
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / MARKER).write_text("scratch workspace of `make demo`; safe to delete\n")
    return path


def moodle_download(samples: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((samples / MOODLE).rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(samples / MOODLE).as_posix())
    return target


def partial_credit(course: CourseRepo, aid: str, student: str) -> tuple[str, float, float]:
    """(question, tests' score, new score): the first question the student lost points on, and
    half the missing points given back, which is what the demo's override comment says."""
    with open_gradebook(course.workspace)() as session:
        (grade,) = compute_grades(session, course.config, aid, student)
    for name, q in grade.questions.items():
        if q.auto_score is not None and q.auto_score < q.max_score:
            return name, q.auto_score, round((q.auto_score + q.max_score) / 2, 2)
    raise UserError(f"{student} lost no points on {aid}: nothing to give partial credit for")


def show_part(text: str, start: str, end: str, caption: str) -> None:
    """Print the part of a page the demo wrote from `start` up to `end`, as its reader meets it
    (list items of an HTML page as plain lines)."""
    part = text.partition(start)[2].partition(end)[0].strip()
    items = re.findall(r"<li>(.*?)</li>", part, re.DOTALL)
    if items:
        part = "\n".join(f"- {html.unescape(item)}" for item in items)
    if part:
        console.print(Panel(Text(part), title=caption, title_align="left"))


def step(title: str, *args: str) -> None:
    if title:
        console.rule(markup("[bold]{}", title))
    console.print(f"$ autograder {shlex.join(args)}", style="cyan")
    code = app(list(args), standalone_mode=False)
    if code not in (None, 0):
        raise UserError(f"`autograder {shlex.join(args)}` failed (exit {code})")


demo_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@demo_app.command(help="Run the TA workflow on sample submissions (see the module docstring).")
def run_demo(
    assignment: Annotated[str | None, typer.Option(
        help="assignment id (default: the first one with samples)")] = None,
    workspace: Annotated[Path, typer.Option(help="scratch workspace")] = PROJECT / "course" / "demo",
    sandbox: Annotated[str, typer.Option(help="bwrap (default), bwrap-cold or none")] = "bwrap",
    root: Annotated[Path | None, typer.Option(
        help="course repository (default: this project)")] = None,
) -> None:
    root = (root or (PROJECT if (PROJECT / CONFIG_NAME).is_file()
                     else EXAMPLE_COURSE)).resolve()
    root, aid = choose(root, assignment)
    workspace = fresh_workspace(workspace.resolve())
    os.environ["AUTOGRADER_ROOT"] = str(root)
    os.environ["AUTOGRADER_WORKSPACE"] = str(workspace)
    os.environ.pop("AUTOGRADER_DB", None)
    started = time.monotonic()
    samples = SAMPLES / aid
    download = moodle_download(samples, workspace / "downloads" / f"{aid}-moodle-download.zip")
    console.print(markup("Demo of the TA workflow on [bold]{}[/] (course: {}); sample "
                         "submissions from {} (see SAMPLES.md there)", aid, root, samples))
    step("1. Collect the Moodle download; times come from the grading worksheet",
         "collect", aid, str(download), "--worksheet", str(samples / WORKSHEET))
    step("2. Grade everything in parallel (reference solution first, as a canary)",
         "grade-all", aid, "--sandbox", sandbox)
    step("3. Grade again: unchanged work is reused, nothing runs", "grade-all", aid,
         "--sandbox", sandbox)
    question, earned, credit = partial_credit(CourseRepo(root, workspace), aid, "1101")
    step(f"4. A TA override: 1101 earned {earned:g} on {question}; partial credit for a correct "
         f"idea makes it {credit:g} (survives regrading, marked in every export)", "override", aid,
         "1101", question, f"{credit:g}", "--comment", "demo: partial credit for a correct idea")
    step("5. The gradebook", "gradebook", aid)
    step("6. Feedback for every student", "feedback", aid)
    for student in ("1003", "1105"):
        page = workspace / "feedback" / student / aid / "feedback.md"
        if page.is_file():
            show_part(page.read_text(encoding="utf-8"), "## What to do first", "## Score",
                      f"{student}'s feedback.md: what to do first")
    step("7. Exports: Moodle's grading worksheet and feedback zip, and more", "export", aid,
         "--format", "moodle")
    step("", "export", aid, "--format", "moodle-feedback-zip")
    step("", "export", aid, "--format", "csv")
    step("", "export", aid, "--format", "gradescope")
    step("8. The report", "report", aid)
    report = (workspace / "reports" / aid / "report.html").read_text(encoding="utf-8")
    show_part(report, 'id="next"', "</ul>", "report.html: what to do next")
    console.rule(markup("[bold]Where everything is"))
    places = {
        "submissions (originals, untouched)": workspace / "submitted",
        "files set aside": workspace / "rejected",
        "results (results contract JSON)": workspace / "autograded",
        "gradebook (SQLite)": workspace / "gradebook.sqlite",
        "feedback of the hostile student": workspace / "feedback" / "1106" / aid / "feedback.html",
        "LMS CSV": workspace / "exports" / aid / f"{aid}-grades.csv",
        "Gradescope results": workspace / "exports" / aid / "gradescope",
        "report": workspace / "reports" / aid / "report.html",
    }
    for label, path in places.items():
        console.print(f"  {label + ':':38} {path}")
    console.rule(markup("[bold]Ready to upload to Moodle"))
    exports = workspace / "exports" / aid
    uploads = {"Upload grading worksheet": f"{aid}-moodle-worksheet.csv",
               "Upload multiple feedback files in a zip": f"{aid}-moodle-feedback.zip"}
    for action, name in uploads.items():
        console.print(f"  {action + ':':41} {exports / name}")
    console.print(f"done in {time.monotonic() - started:.0f} s; the workspace is scratch: "
                  f"delete {workspace} when done")



def main(argv: list[str] | None = None) -> None:
    """The demo's command line (typer, like `autograder`); a usage mistake is a UserError."""
    try:
        demo_app(sys.argv[1:] if argv is None else argv, standalone_mode=False)
    except typer.TyperException as exc:  # a usage mistake: --bogus, a missing value
        raise UserError(str(exc)) from None


if __name__ == "__main__":
    try:
        main()
    except UserError as exc:
        err_console.print(markup("[red]error:[/] {}", exc))
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print(markup("[yellow]interrupted[/]"))
        sys.exit(130)
