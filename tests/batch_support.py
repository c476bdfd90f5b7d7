"""Shared by the batch fault and Dask tests: slow notebooks, process trees, the CLI as a process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import psutil
from sqlalchemy import select

from autograder.authoring.solved import notebook_bytes, solved_notebook
from autograder.batch.collect import collect
from autograder.course import CourseRepo
from autograder.gradebook.models import SubmissionRow


def slow_notebook(course: CourseRepo, seconds: float, marker_dir: Path | None = None,
                  tag: str = "") -> bytes:
    """A correct notebook with a cell that sleeps; with `marker_dir` (only writable without a
    sandbox) that cell first leaves a file named by its pid holding its parent's pid: the grading
    process a test may kill."""
    nb = solved_notebook(course, "squares")
    source = f"# {tag}\nimport os, time\n"
    if marker_dir is not None:
        source += (f"open(os.path.join({str(marker_dir)!r}, str(os.getpid())), 'w')"
                   ".write(str(os.getppid()))\n")
    nb.cells.append(nbformat.v4.new_code_cell(source + f"time.sleep({seconds})\n"))
    return notebook_bytes(nb)


def collect_files(course: CourseRepo, sessions, inbox: Path, files: dict[str, bytes]) -> None:
    inbox.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (inbox / f"{name}.ipynb").write_bytes(data)
    with sessions() as session:
        collect(course, session, "squares", inbox)


def results(sessions) -> dict[str, dict]:
    """Each student's stored results contract, from the gradebook."""
    with sessions() as session:
        rows = session.scalars(select(SubmissionRow))
        return {r.student_id: r.result.contract().model_dump() for r in rows
                if r.result is not None}


def summary_of(result: dict) -> tuple:
    """What must be equal between two gradings of the same notebook."""
    return (result["status"], result["score"],
            tuple(sorted((t["name"], t["status"], t["score"]) for t in result["tests"])))


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


SLOW_CELL = "import ctypes, time\nctypes.CDLL(None).prctl(15, b'slowcell', 0, 0, 0)\ntime.sleep(300)"


def slow_cells() -> list[psutil.Process]:
    """This process's descendants running `SLOW_CELL` (found by the name the cell gives itself,
    its comm: whatever sandbox runs it)."""
    found = []
    for process in descendants(os.getpid()):
        with contextlib.suppress(psutil.NoSuchProcess):  # ended while we looked
            if process.name() == "slowcell":
                found.append(process)
    return found


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def gone(processes: list[psutil.Process], timeout: float = 60) -> list[psutil.Process]:
    """Those of `processes` still alive after `timeout` seconds (zombies count as gone)."""
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    left = []
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.status() != psutil.STATUS_ZOMBIE:
                left.append(process)
    return left


def kill_next_grader(marker_dir: Path, seen: set[str], timeout: float = 90) -> int:
    """Wait for a sandbox-less worker to leave a new marker, then kill -9 its grading process."""
    def fresh() -> Path | None:
        return next((p for p in marker_dir.iterdir()
                     if p.name not in seen and p.stat().st_size), None)

    marker = wait_for(fresh, timeout, f"a new marker in {marker_dir}")
    assert isinstance(marker, Path)
    seen.add(marker.name)
    pid = int(marker.read_text())
    os.kill(pid, signal.SIGKILL)
    return pid


def cli(course: CourseRepo, out: Path, *args: str) -> subprocess.Popen:
    """`autograder <args>` as its own process (output in `out`), as a TA's shell runs it."""
    env = dict(os.environ, AUTOGRADER_WORKSPACE=str(course.workspace), PYTHONUNBUFFERED="1",
               COLUMNS="200")
    env.pop("AUTOGRADER_ROOT", None)
    env.pop("AUTOGRADER_DB", None)
    return subprocess.Popen([sys.executable, "-m", "autograder.cli.main", *args],
                            cwd=course.root, env=env, stdin=subprocess.DEVNULL,
                            stdout=out.open("wb"), stderr=subprocess.STDOUT)
