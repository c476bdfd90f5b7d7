"""`python -m autograder.bench` (what `make bench` runs): the whole benchmark, one table."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from ..course import CourseRepo
from ..errors import UserError
from ..grading.grade import GradingSpec
from ..sandbox.launch import THREAD_VARIABLES
from ..sandbox.numba_cache import build_numba_cache, cache_dir
from .measure import AssignmentBench, bench_assignment, load_average
from .report import print_report
from .scale import scale_numbers, scale_table

console = Console()
if not console.is_terminal:  # `make bench > file`: wide enough for the tables
    console = Console(width=110)
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


def ready_assignments(repo: CourseRepo, requested: list[str]) -> tuple[list[str], list[str]]:
    """Assignments with a source notebook and a release; and notes on those left out."""
    ready, skipped = [], []
    for aid in requested or list(repo.config.assignments):
        repo.config.assignment(aid)  # an unknown id is the user's mistake: say so
        missing = [f"{path.relative_to(repo.root)}" for path in (
            repo.root / "source" / aid / f"{aid}.ipynb", repo.release_dir(aid)) if not path.exists()]
        if missing:
            skipped.append(f"{aid} left out: no {' and no '.join(missing)} yet")
        else:
            ready.append(aid)
    return ready, skipped


@app.command()
def bench(
    n: Annotated[int, typer.Option("--n", min=1, help="Submissions per engine and assignment.")] = 8,
    cold_n: Annotated[int, typer.Option(
        "--cold-n", min=0, help="Submissions for the cold sandbox, for reference (0: skip).")] = 3,
    workers: Annotated[int, typer.Option(
        "--workers", min=1, help="Most grading processes tried (default: the core count).")]
    = os.cpu_count() or 1,
    assignment: Annotated[list[str] | None, typer.Option(
        "--assignment", "-a", help="Only these assignments (repeatable).")] = None,
    nbgrader_venv: Annotated[Path, typer.Option(
        "--nbgrader-venv", help="Virtualenv with nbgrader (made by `make bench`).")]
    = Path(".venv-bench"),
    skip_nbgrader: Annotated[bool, typer.Option(
        "--skip-nbgrader", help="Do not run nbgrader.")] = False,
    scale_n: Annotated[int, typer.Option(
        "--scale-n", min=0, help="Submissions for the executors and coordinator (0: skip).")] = 12,
) -> None:
    """Time our grading (warm and cold sandbox) next to nbgrader's on the course's notebooks.

    Example: python -m autograder.bench --n 8 -a gradient_descent
    """
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    repo = CourseRepo.discover()
    aids, skipped = ready_assignments(repo, assignment or [])
    if not aids:
        raise UserError("no assignment has both source/<id>/<id>.ipynb and release/<id>/ yet")
    venv = None if skip_nbgrader else nbgrader_venv
    if venv is not None and not (venv / "bin" / "nbgrader").exists():
        raise UserError(f"{venv}: no nbgrader here; run `make bench` (it builds this virtualenv) "
                        "or pass --skip-nbgrader")
    cold = min(cold_n, n)
    notes = [*skipped, f"start: {load_average()}"]
    started = time.perf_counter()
    for aid in aids:
        build_numba_cache(GradingSpec.from_repo(repo, aid).warmup)
    if time.perf_counter() - started > 1:
        notes.append(f"our numba cache was built first ({time.perf_counter() - started:.0f} s, "
                     "once per machine), outside every number")
    steps = 1 + 1 + (workers > 1) + (cold > 0) + (venv is not None)
    results: list[AssignmentBench] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("bench", total=steps * len(aids))
        for aid in aids:
            first = True

            def step(what: str, aid: str = aid) -> None:
                nonlocal first
                if not first:
                    progress.advance(task)
                first = False
                progress.update(task, description=f"{aid}: {what}")

            results.append(bench_assignment(repo, aid, n, cold, workers, venv, step))
            progress.advance(task)
    notes += [
        f"end: {load_average()}; other engineers share these {os.cpu_count()} cores, expect noise",
        "submissions: the reference solution notebook copied under N student ids; "
        "'full marks' counts those that earned every point",
        "s / submission: wall time of one grading as its grading process saw it; subs / min: "
        "N over the timed batch's wall time (all workers, start signal to last result)",
        "overhead: grading time minus the student's own time, the same notebook's cells in the "
        "worker's IPython shell (what the worker lacks, e.g. librosa, as the same stand-ins), "
        "then ALL its tests through LocalTransport, in a process of its "
        "own just before each grading (1 worker: the median of those N differences, its "
        "subs / min over the gradings alone; more workers: their mean minus the in-process "
        "median); the first in-process round pays imports and JIT and is not counted",
        f"cold sandbox: {cold} submissions, for reference (--cold-n); warm and nbgrader: {n} (--n)",
        "one-time costs are paid before the clock starts: our warm template per grading process, "
        "nbgrader's own start per batch",
        f"{', '.join(THREAD_VARIABLES[:3])} = 1 for everyone; nbgrader's kernels use our numba "
        f"cache dir ({cache_dir()}, NUMBA_CACHE_DIR), warmed for its own librosa first, so "
        "neither side pays librosa's JIT per submission",
        "nbgrader runs each notebook in a fresh Jupyter kernel, with test cells that run the same "
        "pytest tests in-process (StudentProxy(LocalTransport(globals()))); its kernels render the "
        "notebooks' inline plots as Jupyter does, our workers keep plots off-screen (Agg)",
        "self-check: autograder.student.timing.time_check, the first check() in a fresh process",
    ]
    print_report(console, results, workers, notes)
    if scale_n:
        with console.status(f"{aids[0]}: local pool, Dask LocalCluster, coordinator"):
            rates, coordinator = scale_numbers(repo, aids[0], scale_n, workers)
        console.print(scale_table(aids[0], rates, coordinator))


def run() -> None:
    try:
        app()
    except UserError as exc:
        Console(stderr=True).print(Text.assemble(("error: ", "red"), str(exc)), soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    run()
