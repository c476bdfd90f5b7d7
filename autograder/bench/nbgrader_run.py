"""Run nbgrader (from its own virtualenv) on a generated course, timed from outside.

`nbgrader autograde` grades the students one after another, each notebook in a fresh kernel.
Its log names each student as it starts ("Creating/updating student with ID ..."); the time each
line arrives splits the run into a one-time start-up (before the first student) and one interval
per submission. The scores come from nbgrader's own gradebook afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..sandbox.launch import THREAD_VARIABLES
from ..sandbox.numba_cache import cache_dir
from .nbgrader_course import NbgraderCourse

STUDENT_LINE = "Creating/updating student with ID"
SCORES = """
import json, sys
from nbgrader.api import Gradebook
with Gradebook(sys.argv[1]) as gb:
    print(json.dumps({s.student.id: [s.score, s.max_score] for s in gb.assignment_submissions(sys.argv[2])}))
"""


@dataclass
class NbgraderRun:
    startup: float = 0.0  # nbgrader's own start, before the first student
    per_student: list[float] = field(default_factory=list)
    elapsed: float = 0.0  # first student to the end
    scores: dict[str, tuple[float, float]] = field(default_factory=dict)
    error: str = ""

    @property
    def throughput(self) -> float:
        return 60.0 * len(self.per_student) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def per_submission(self) -> float:
        return sum(self.per_student) / len(self.per_student) if self.per_student else 0.0

    @property
    def full_marks(self) -> int:
        return sum(score >= top - 1e-6 and top > 0 for score, top in self.scores.values())


def environment(venv: Path) -> dict[str, str]:
    """nbgrader's environment: its venv first on PATH, one thread, and our numba cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{venv.resolve() / 'bin'}:{env.get('PATH', '/usr/bin:/bin')}"
    env.update({name: "1" for name in THREAD_VARIABLES})
    env["NUMBA_CACHE_DIR"] = str(cache_dir())
    env.pop("AUTOGRADER_WORKER", None)
    return env


def warm(venv: Path, modules: list[str], warmup: str) -> float:
    """Fill the shared numba cache for nbgrader's own librosa (the assignment's warmup.py), and
    the page cache for its imports; returns the seconds it took (a one-time cost, like our
    template start)."""
    code = "import numpy, matplotlib.pyplot, IPython, nbgrader\n"
    code += "".join(f"import {name}\n" for name in modules) + warmup
    start = time.perf_counter()
    subprocess.run([str(venv / "bin" / "python"), "-c", code], env=environment(venv), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _nbgrader(venv: Path, course: NbgraderCourse, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(venv.resolve() / "bin" / "nbgrader"), *args], cwd=course.root, env=environment(venv),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def generate(venv: Path, course: NbgraderCourse) -> None:
    proc = _nbgrader(venv, course, "generate_assignment", course.assignment_id)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment failed: {_last_error(err)}")


def autograde(venv: Path, course: NbgraderCourse, log: Path) -> NbgraderRun:
    """Time `nbgrader autograde <id>` around the subprocess, split by its log lines."""
    run = NbgraderRun()
    marks: list[float] = []
    start = time.perf_counter()
    proc = _nbgrader(venv, course, "autograde", course.assignment_id)
    assert proc.stderr is not None
    with log.open("w") as out:
        for line in proc.stderr:
            out.write(line)
            if STUDENT_LINE in line:
                marks.append(time.perf_counter())
    proc.wait()
    end = time.perf_counter()
    if proc.returncode != 0 or len(marks) != len(course.students):
        run.error = (f"nbgrader autograde exited {proc.returncode} after {len(marks)} of "
                     f"{len(course.students)} students (log: {log})")
    run.startup, run.per_student, run.elapsed = split_times(start, marks, end)
    run.scores = scores(venv, course)
    return run


def split_times(start: float, marks: list[float], end: float) -> tuple[float, list[float], float]:
    """Start-up, one interval per student (from its log line to the next one, the last to the
    end), and the time from the first student to the end."""
    if not marks:
        return end - start, [], 0.0
    per_student = [b - a for a, b in zip(marks, [*marks[1:], end], strict=True)]
    return marks[0] - start, per_student, end - marks[0]


def scores(venv: Path, course: NbgraderCourse) -> dict[str, tuple[float, float]]:
    done = subprocess.run(
        [str(venv.resolve() / "bin" / "python"), "-c", SCORES, f"sqlite:///{course.root / 'gradebook.db'}",
         course.assignment_id], cwd=course.root, env=environment(venv), capture_output=True,
        text=True)
    if done.returncode != 0:
        print(f"nbgrader gradebook unreadable: {_last_error(done.stderr)}", file=sys.stderr)
        return {}
    return {k: (float(v[0]), float(v[1])) for k, v in json.loads(done.stdout).items()}


def _last_error(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
