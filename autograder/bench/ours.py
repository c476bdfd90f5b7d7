"""Our engine's throughput: W grading processes, each warmed once, then N submissions timed.

Each grading process is what `grade-all` runs in its pool (a spec and a launcher built once, then
`grade_submission` per file), started with "spawn". Before the clock starts every process grades
the released stub notebook once: that starts its warm template (or, for the cold sandbox, loads
pytest and the grader's modules) and is reported as a one-time cost. Then all processes are let
go at once on a shared queue of N submissions, and the batch's wall time gives the throughput.
"""

from __future__ import annotations

import multiprocessing
import queue
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..course import CourseRepo
from ..grading.grade import GradingSpec, grade_submission
from ..sandbox.kinds import make_launcher
from ..submission import load_submission


@dataclass
class Graded:
    """One timed submission."""

    student: str
    seconds: float  # wall time of grade_submission, as one grading process saw it
    status: str
    score: float
    max_score: float


@dataclass
class RunResult:
    """One configuration (sandbox x workers) on one assignment."""

    sandbox: str
    workers: int
    elapsed: float = 0.0
    submissions: list[Graded] = field(default_factory=list)
    warmups: list[float] = field(default_factory=list)  # first grading per process (one-time)
    template_starts: list[float] = field(default_factory=list)
    error: str = ""

    @property
    def throughput(self) -> float:
        """Submissions per minute over the whole timed batch."""
        return 60.0 * len(self.submissions) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def per_submission(self) -> float:
        return statistics.mean(g.seconds for g in self.submissions) if self.submissions else 0.0

    @property
    def full_marks(self) -> int:
        return sum(g.status == "graded" and g.score >= g.max_score - 1e-6 for g in self.submissions)


def _process(root: str, assignment_id: str, sandbox: str, warmup: str,
             tasks: Any, results: Any, go: Any) -> None:
    """One grading process: warm up, report, wait for the start signal, grade until told to stop."""
    try:
        repo = CourseRepo(Path(root))
        spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
        launcher = make_launcher(sandbox)
        start = time.perf_counter()
        grade_submission(spec, load_submission(Path(warmup)), launcher, "warmup")
        results.put(("ready", time.perf_counter() - start, getattr(launcher, "last_started", None)))
    except Exception as exc:  # reported in the table, never a hang
        results.put(("failed", f"{type(exc).__name__}: {exc}"))
        return
    go.wait()
    try:
        while (item := tasks.get()) is not None:
            student, path = item
            start = time.perf_counter()
            result = grade_submission(spec, load_submission(Path(path)), launcher, student)
            results.put(("done", Graded(student, time.perf_counter() - start, result.status,
                                        result.score, result.max_score)))
    finally:
        launcher.close()


def run_batch(root: Path, assignment_id: str, sandbox: str, workers: int, warmup: Path,
              submissions: list[tuple[str, Path]], timeout: float) -> RunResult:
    """Grade `submissions` with `workers` processes; `timeout` bounds each wait for a result."""
    context = multiprocessing.get_context("spawn")
    tasks, results, go = context.Queue(), context.Queue(), context.Event()
    for student, path in submissions:
        tasks.put((student, str(path)))
    for _ in range(workers):
        tasks.put(None)
    procs = [context.Process(target=_process, daemon=True,
                             args=(str(root), assignment_id, sandbox, str(warmup), tasks, results, go))
             for _ in range(workers)]
    run = RunResult(sandbox, workers)
    for proc in procs:
        proc.start()
    try:
        for _ in procs:
            message = results.get(timeout=timeout)
            if message[0] == "failed":
                run.error = message[1]
                return run
            run.warmups.append(message[1])
            if message[2] is not None:
                run.template_starts.append(message[2])
        start = time.perf_counter()
        go.set()
        for _ in submissions:
            run.submissions.append(results.get(timeout=timeout)[1])
        run.elapsed = time.perf_counter() - start
    except queue.Empty:
        run.error = f"no result within {timeout:.0f} s"
    finally:
        go.set()
        for proc in procs:
            proc.join(timeout=0 if run.error else 60)
            if proc.is_alive():
                proc.kill()  # its sandboxes die with it (bubblewrap's --die-with-parent)
    return run
