"""One assignment's measurements, each step in its own processes so none warms another."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..course import CourseRepo
from ..grading.grade import GradingSpec
from . import nbgrader_run
from .nbgrader_course import build_course
from .ours import RunResult, run_batch


@dataclass
class AssignmentBench:
    assignment_id: str
    check_question: str = ""
    check_seconds: float | None = None
    runs: list[RunResult] = field(default_factory=list)
    nbgrader: nbgrader_run.NbgraderRun | None = None
    nbgrader_warm: float = 0.0
    notes: list[str] = field(default_factory=list)

    def run(self, sandbox: str, workers: int) -> RunResult | None:
        return next((r for r in self.runs if r.sandbox == sandbox and r.workers == workers
                     and not r.error), None)

    @property
    def paired(self) -> RunResult | None:
        """The run that measured the student's own time next to each grading."""
        return next((r for r in self.runs if r.paired and not r.error), None)

    @property
    def student_seconds(self) -> float | None:
        """The notebook's cells and all its tests in-process, warm (median of the rounds)."""
        return self.paired.own_seconds if self.paired else None


def _probe(args: list[str], timeout: float) -> dict:
    """Run `python -m autograder.bench.inprocess ...` and read its JSON answer."""
    done = subprocess.run(
        [sys.executable, "-m", "autograder.bench.inprocess", *args], capture_output=True,
        text=True, timeout=timeout)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["no output"]
        raise RuntimeError(lines[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def copies(folder: Path, notebook: Path, n: int) -> list[tuple[str, Path]]:
    """N submissions: the reference solution under N student ids, each its own file."""
    subs = []
    for i in range(1, n + 1):
        student = f"s{i:03d}"
        path = folder / student / notebook.name
        path.parent.mkdir(parents=True)
        shutil.copyfile(notebook, path)
        subs.append((student, path))
    return subs


def bench_assignment(repo: CourseRepo, assignment_id: str, n: int, cold_n: int, workers: int,
                     venv: Path | None, step: Callable[[str], None]) -> AssignmentBench:
    """Everything for one assignment; `step` is told what starts next (the progress bar)."""
    spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
    limits = repo.config.limits
    notebook = repo.source(assignment_id).notebook
    stub = repo.release_dir(assignment_id) / f"{assignment_id}.ipynb"
    out = AssignmentBench(assignment_id)
    timeout = float(limits.submission_timeout)

    step("self-check time")
    out.check_question = next(iter(spec.assignment.questions))
    try:
        out.check_seconds = _probe(["check", assignment_id, out.check_question], timeout)["check"]
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        out.notes.append(f"self-check timing failed: {exc}")

    with tempfile.TemporaryDirectory(prefix=f"bench-{assignment_id}-") as tmp:
        subs = copies(Path(tmp) / "submissions", notebook, n)
        plan = [("bwrap", 1, subs, True)]  # paired with the student's own time
        if workers > 1:
            plan.append(("bwrap", workers, subs, False))
        if cold_n > 0:
            plan.append(("bwrap-cold", 1, subs[:cold_n], False))
        for sandbox, count, batch, paired in plan:
            step(f"ours: {sandbox}, {count} worker{'s' * (count > 1)}, {len(batch)} submissions"
                 + (", each after an in-process run" if paired else ""))
            out.runs.append(run_batch(repo.root, assignment_id, sandbox, count, stub, batch,
                                      timeout, paired))
        if venv is not None:
            step(f"nbgrader autograde, {n} submissions")
            try:
                out.nbgrader_warm = nbgrader_run.warm(venv, spec.assignment.warm_modules,
                                                     spec.warmup)
                course = build_course(Path(tmp) / "nbgrader", spec, notebook,
                                      [s for s, _ in subs], int(limits.cell_timeout))
                nbgrader_run.generate(venv, course)
                log = Path(tempfile.gettempdir()) / f"bench-nbgrader-{assignment_id}.log"
                out.nbgrader = nbgrader_run.autograde(venv, course, log)
            except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
                out.notes.append(f"nbgrader could not run: {exc}")
    return out


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) at {time.strftime('%H:%M:%S')}"
