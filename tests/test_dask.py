"""grade-all on Dask: a LocalCluster of two worker processes (one thread each), each with its own
warm sandbox; a worker killed mid-batch costs only its in-flight submission, which Dask reschedules.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
from pathlib import Path

import nbformat
import psutil
import pytest
from batch_support import (
    SLOW_CELL,
    collect_files,
    descendants,
    gone,
    results,
    slow_cells,
    slow_notebook,
    wait_for,
)
from builders import wrong_notebook

from autograder.authoring.solved import notebook_bytes, solved_notebook
from autograder.batch.bundle import Bundle
from autograder.batch.executor import Task
from autograder.batch.grade_all import grade_all
from autograder.gradebook.db import open_gradebook
from autograder.grading.grade import GradingSpec
from autograder.grading.results import Result

pytest.importorskip("distributed", reason="the dask extra is not installed")

from distributed import LocalCluster  # after importorskip: the dask extra

from autograder.batch.dask_executor import DaskExecutor


def _dask_workers() -> list:
    """This process's Dask worker processes that hold a warm template (bubblewrap) by now."""
    found = []
    for process in descendants(os.getpid()):
        with contextlib.suppress(psutil.NoSuchProcess):  # ended while we looked
            if any(c.name() == "bwrap" for c in process.children()):
                found.append(process)
    return found


def _cluster_processes(before: set[int]) -> list:
    """Processes started since `before` other than multiprocessing's resource tracker."""
    found = []
    for process in descendants(os.getpid()):
        with contextlib.suppress(psutil.NoSuchProcess):
            if process.pid not in before and "resource_tracker" not in " ".join(
                    process.cmdline()):
                found.append(process)
    return found


def test_a_local_cluster_grades_and_survives_a_killed_worker(example_course,
                                                            tmp_path: Path) -> None:
    sessions = open_gradebook(example_course.workspace)
    files = {f"s{i}": slow_notebook(example_course, 2, tag=str(i)) for i in range(4)}
    files["wrong"] = notebook_bytes(wrong_notebook(example_course))
    collect_files(example_course, sessions, tmp_path / "inbox", files)
    before = {p.pid for p in descendants(os.getpid())}
    killed: list = []

    class KillOneWorker:
        """After the first stored result both workers are busy: kill -9 one of them."""

        def begin(self, total: int, to_grade: int) -> None: ...

        def canary(self, result) -> None: ...

        def finished(self, student: str, result) -> None:
            if not killed:
                victim = wait_for(_dask_workers, 60, "a warm Dask worker")[0]
                victim.send_signal(signal.SIGKILL)
                killed.append(victim)

    summary = grade_all(example_course, sessions, "squares",
                        executor=DaskExecutor("local", "bwrap", workers=2),
                        hooks=KillOneWorker())
    assert killed and summary.errors == []
    stored = results(sessions)
    assert set(stored) == set(files)
    for student in files:
        if student != "wrong":
            assert (stored[student]["status"], stored[student]["score"]) == ("graded", 5.0)
    assert stored["wrong"]["status"] == "graded" and 0 < stored["wrong"]["score"] < 5
    assert gone(_cluster_processes(before), timeout=30) == []  # the cluster ended with it


@pytest.mark.parametrize("sandbox", ["bwrap", "bwrap-cold"])
def test_a_batch_stopped_at_once_on_a_shared_cluster_stops_its_running_grading(
        example_course, tmp_path: Path, sandbox: str) -> None:
    """On a cluster the batch does not own (a scheduler address, as on several machines), the
    submission being graded when the batch stops at once (Ctrl-C) stops within seconds on its
    worker, which lives on and grades the next batch. A cold sandbox has no warm template to
    kill: its worker is killed, and no fresh one replays the cells."""
    nb = solved_notebook(example_course, "squares")
    nb.cells.append(nbformat.v4.new_code_cell(SLOW_CELL))
    bundle = Bundle.of(GradingSpec.from_repo(example_course, "squares"))

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0, silence_logs=logging.ERROR) as cluster:
        batch = DaskExecutor(cluster.scheduler_address, sandbox)
        batch.start(bundle)
        batch.submit(Task(1, "slow", "slow.ipynb", notebook_bytes(nb)), lambda t, o: None)
        running = wait_for(slow_cells, 180, "the slow cell running on the Dask worker")
        batch.close(now=True)
        assert gone(running, timeout=15) == []
        later = DaskExecutor(cluster.scheduler_address, sandbox)  # the worker grades on
        later.start(bundle)
        outcomes: queue.Queue = queue.Queue()
        later.submit(Task(2, "next", "next.ipynb",
                          notebook_bytes(solved_notebook(example_course, "squares"))),
                     lambda t, o: outcomes.put(o))
        outcome = outcomes.get(timeout=180)
        later.close(now=False)
    assert outcome.kind == "result"
    result = Result.model_validate_json(outcome.text)
    assert (result.status, result.score) == ("graded", 5.0)
