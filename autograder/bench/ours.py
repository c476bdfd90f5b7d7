"""Our engine's throughput: W grading processes, each warmed once, then N submissions timed.

Each grading process is what `grade-all` runs in its pool (a spec and a launcher built once, then
`grade_submission` per file), started with "spawn". Before the clock starts every process grades
the released stub notebook once: that starts its warm template (or, for the cold sandbox, loads
pytest and the grader's modules) and is reported as a one-time cost. Then all processes are let
go at once on a shared queue of N submissions, and the batch's wall time gives the throughput.

A paired run (one process) measures the overhead: before each grading, a process of its own runs
the same notebook and all its tests in-process (`inprocess.serve`, the student's own time), so
that both sides of every difference see the same moment of a shared, noisy machine. Its
throughput is then counted over the gradings alone.
"""

from __future__ import annotations

import json
import multiprocessing
import queue
import statistics
import subprocess
import sys
import tempfile
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
    own: float | None = None  # a paired run: the same notebook in-process, just before


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
    paired: bool = False
    own_first: float = 0.0  # a paired run's first in-process round (imports, JIT): one-time
    own_tests: str = ""  # "passed/count tests" of its last in-process round

    @property
    def own_seconds(self) -> float | None:
        """A paired run's in-process time: the median of its rounds."""
        owns = [g.own for g in self.submissions if g.own is not None]
        return statistics.median(owns) if owns else None

    @property
    def pairs(self) -> list[float]:
        """A paired run's differences, graded minus in-process, one per submission."""
        return [g.seconds - g.own for g in self.submissions if g.own is not None]

    @property
    def overhead(self) -> float | None:
        """A paired run's overhead: the median of its pairs."""
        pairs = self.pairs
        return statistics.median(pairs) if pairs else None

    @property
    def overhead_spread(self) -> tuple[float, float] | None:
        """The middle half of the pairs (first to third quartile): how far one run's median can
        be trusted on a machine whose speed moves from minute to minute."""
        pairs = self.pairs
        if len(pairs) < 2:
            return None
        first, _, third = statistics.quantiles(pairs, n=4, method="inclusive")
        return first, third

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


def _process(root: str, assignment_id: str, sandbox: str, warmup: str, paired: bool,
             tasks: Any, results: Any, go: Any) -> None:
    """One grading process: warm up, report, wait for the start signal, grade until told to stop
    (a paired one runs the solution in-process before each grading: trusted notebooks only)."""
    try:
        repo = CourseRepo(Path(root))
        spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
        launcher = make_launcher(sandbox)
        start = time.perf_counter()
        grade_submission(spec, load_submission(Path(warmup)), launcher, "warmup")
        warm = time.perf_counter() - start
        own = _InProcess(root, assignment_id) if paired else None
        results.put(("ready", warm, getattr(launcher, "last_started", None),
                     own.first["total"] if own else 0.0))
    except Exception as exc:  # reported in the table, never a hang
        results.put(("failed", f"{type(exc).__name__}: {exc}"))
        return
    go.wait()
    try:
        while (item := tasks.get()) is not None:
            student, path = item
            round_ = own.round() if own else None
            start = time.perf_counter()
            result = grade_submission(spec, load_submission(Path(path)), launcher, student)
            graded = Graded(student, time.perf_counter() - start, result.status, result.score,
                            result.max_score, round_["total"] if round_ else None)
            results.put(("done", graded,
                         f"{round_['passed']}/{round_['count']} tests" if round_ else ""))
    finally:
        launcher.close()
        if own:
            own.close()


class _InProcess:
    """The student's own time, from `python -m autograder.bench.inprocess serve`."""

    def __init__(self, root: str, assignment_id: str) -> None:
        self.log = Path(tempfile.gettempdir()) / f"bench-inprocess-{assignment_id}.log"
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "autograder.bench.inprocess", "serve", assignment_id],
                cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        self.first = self._answer()

    def round(self) -> dict:
        assert self.proc.stdin is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        return self._answer()

    def _answer(self) -> dict:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the in-process run ended (exit code {self.proc.wait()}, "
                               f"log: {self.log})")
        return json.loads(line)

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def run_batch(root: Path, assignment_id: str, sandbox: str, workers: int, warmup: Path,
              submissions: list[tuple[str, Path]], timeout: float,
              paired: bool = False) -> RunResult:
    """Grade `submissions` with `workers` processes; `timeout` bounds each wait for a result."""
    context = multiprocessing.get_context("spawn")
    tasks, results, go = context.Queue(), context.Queue(), context.Event()
    for student, path in submissions:
        tasks.put((student, str(path)))
    for _ in range(workers):
        tasks.put(None)
    procs = [context.Process(target=_process, daemon=True,
                             args=(str(root), assignment_id, sandbox, str(warmup), paired, tasks,
                                   results, go))
             for _ in range(workers)]
    run = RunResult(sandbox, workers, paired=paired)
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
            run.own_first = message[3]
        start = time.perf_counter()
        go.set()
        for _ in submissions:
            _, graded, run.own_tests = results.get(timeout=timeout)
            run.submissions.append(graded)
        run.elapsed = time.perf_counter() - start
        if paired:  # the in-process rounds are not grading time
            run.elapsed = sum(g.seconds for g in run.submissions)
    except queue.Empty:
        run.error = f"no result within {timeout:.0f} s"
    finally:
        go.set()
        for proc in procs:
            proc.join(timeout=0 if run.error else 60)
            if proc.is_alive():
                proc.kill()  # its sandboxes die with it (bubblewrap's --die-with-parent)
    return run
