"""Numbers for grading at scale: the two executors on the same submissions, and the coordinator.

`executor_rate` drives an executor (local pool or Dask LocalCluster) exactly as the batch engine
does, on N copies of the reference notebook, after two warm-up tasks per worker (templates start
outside the clock). `coordinator_cost` runs a whole `grade_all` on 200 distinct copies in a scratch
workspace with the grading replayed (every task answered at once with a real result), so the CPU
time it takes is the coordinator's own: what one coordinator spends per submission however many
workers feed it.
"""

from __future__ import annotations

import queue
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from ..batch.bundle import Bundle
from ..batch.collect import collect
from ..batch.executor import Done, Executor, Outcome, Task
from ..batch.grade_all import grade_all
from ..batch.pool import LocalPool
from ..course import CourseRepo
from ..gradebook.db import open_gradebook
from ..grading.grade import GradingSpec
from ..grading.results import Result


@dataclass
class Rate:
    engine: str
    per_minute: float
    graded: int  # how many ended `graded` with full marks
    n: int
    sample: str  # one result (JSON), replayed to time the coordinator alone


def _run(executor: Executor, tasks: list[Task]) -> list[Outcome]:
    outcomes: queue.Queue[Outcome] = queue.Queue()
    for task in tasks:
        executor.submit(task, lambda _t, o: outcomes.put(o))
    return [outcomes.get(timeout=1800) for _ in tasks]


def executor_rate(engine: str, executor: Executor, spec: GradingSpec, notebook: bytes,
                  n: int) -> Rate:
    capacity = executor.start(Bundle.of(spec))
    try:
        warmup = 2 * capacity  # twice as many as workers: every worker surely gets one
        _run(executor, [Task(-i, None, "warmup.ipynb", notebook) for i in range(1, warmup + 1)])
        tasks = [Task(i, f"s{i:03d}", "submission.ipynb", notebook) for i in range(n)]
        started = time.perf_counter()
        outcomes = _run(executor, tasks)
        elapsed = time.perf_counter() - started
    finally:
        executor.close(now=False)
    full, sample = 0, ""
    for outcome in outcomes:
        if outcome.kind == "result":
            result = Result.model_validate_json(outcome.text)
            full += result.status == "graded" and result.score == result.max_score
            sample = outcome.text
    return Rate(engine, 60 * n / elapsed, full, n, sample)


class _Replay:
    """An executor that answers every task at once with a real result graded earlier: what is
    left to time is the coordinator alone."""

    def __init__(self, result: str) -> None:
        self.result = result
        self.first_task: float | None = None  # perf_counter when the first task came

    def start(self, bundle: Bundle) -> int:
        return 64

    def submit(self, task: Task, done: Done) -> None:
        if self.first_task is None:
            self.first_task = time.perf_counter()
        done(task, Outcome("result", self.result))

    def close(self, now: bool) -> None: ...


@dataclass
class Coordinator:
    cpu_per_submission: float  # seconds of the coordinator's CPU, per submission
    startup: float  # seconds from calling grade_all to its first task (the canary) being sent


def coordinator_cost(repo: CourseRepo, assignment_id: str, notebook: bytes, result: str,
                     n: int) -> Coordinator:
    """Seconds of the coordinator's CPU per submission in a whole grade-all (planning, the
    canary, sending, receiving, gradebook commits, result files) with the grading replayed, and
    the batch's start-up: the lock, reading the gradebook and planning all n submissions."""
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as scratch:
        root = Path(scratch)
        course = CourseRepo(repo.root, root / "workspace")
        sessions = open_gradebook(course.workspace)
        inbox = root / "inbox"
        inbox.mkdir()
        for i in range(n):  # distinct content: nothing is reused
            (inbox / f"s{i:04d}.ipynb").write_bytes(notebook.rstrip() + b"\n" + b" " * i)
        with sessions() as session:
            collect(course, session, assignment_id, inbox)
        replay = _Replay(result)
        started, wall = time.process_time(), time.perf_counter()
        grade_all(course, sessions, assignment_id, executor=replay)
        cpu = (time.process_time() - started) / n
        return Coordinator(cpu, (replay.first_task or wall) - wall)


def scale_numbers(repo: CourseRepo, assignment_id: str, n: int,
                  workers: int) -> tuple[list[Rate], Coordinator]:
    spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
    notebook = repo.source(assignment_id).notebook.read_bytes()
    rates = [executor_rate(f"local pool, {w} worker(s)", LocalPool("bwrap", w), spec, notebook, n)
             for w in sorted({1, workers})]
    try:
        from ..batch.dask_executor import DaskExecutor
    except ImportError:
        pass
    else:
        rates.append(executor_rate(f"Dask LocalCluster, {workers} worker(s)",
                                   DaskExecutor("local", "bwrap", workers), spec, notebook, n))
    sample = next(r.sample for r in rates if r.sample)
    return rates, coordinator_cost(repo, assignment_id, notebook, sample, 200)


def scale_table(assignment_id: str, rates: list[Rate], coordinator: Coordinator) -> Table:
    table = Table(title=f"Scale ({assignment_id}, the reference notebook, warm sandboxes)",
                  title_justify="left")
    for column in ("executor", "subs / min", "vs local pool, same workers", "full marks"):
        table.add_column(column, justify="left" if column == "executor" else "right")
    pool = {r.engine.split(", ")[1]: r.per_minute for r in rates if r.engine.startswith("local")}
    for rate in rates:
        same = pool.get(rate.engine.split(", ")[1])
        table.add_row(rate.engine, f"{rate.per_minute:.1f}",
                      f"{rate.per_minute / same:.2f}" if same else "", f"{rate.graded}/{rate.n}")
    table.caption = (f"coordinator's own CPU per submission in grade-all: "
                     f"{coordinator.cpu_per_submission * 1000:.1f} ms (goal < 5 ms); batch "
                     f"start-up, from grade_all to its first task, 200 submissions planned: "
                     f"{coordinator.startup:.2f} s (goal < 1 s; the workers' own warm-up is the "
                     "one-time cost above)")
    return table
