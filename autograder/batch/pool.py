"""The local executor: a pool of trusted grading processes on this machine.

pytest is not thread-safe, so a batch grades in processes, started with "forkserver" (no
inherited locks, database connections or lock files). pebble's pool is used rather than the
standard library's because a pool process that dies (the OOM killer, a kill -9) fails only the
task it was running, and pebble replaces the process; the standard pool breaks as a whole and
fails every pending task. Each process watches its parent (PR_SET_PDEATHSIG): if grade-all is
killed, its graders and their sandboxes (bubblewrap's --die-with-parent) go with it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import signal
import sys

from pebble import ProcessExpired, ProcessPool

from ..sandbox.namespaces import PR_SET_PDEATHSIG, prctl
from .bundle import Bundle
from .executor import Done, Task, future_outcome
from .grader import Grader

_grader: Grader | None = None
_bundle: tuple[str, bytes] | None = None


def _start(sandbox: str, bundle_sha: str, bundle_data: bytes) -> None:
    """Runs once in each pool process. Ctrl-C and SIGTERM are the coordinator's to handle."""
    global _grader, _bundle
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _grader = Grader(sandbox)
    _bundle = (bundle_sha, bundle_data)
    atexit.register(_grader.close)


def grade_in_pool(task: Task) -> str:
    assert _grader is not None and _bundle is not None, "pool process not initialised"
    return _grader.grade(task, *_bundle)


class LocalPool:
    """`workers` grading processes; a dead one costs only its own task."""

    def __init__(self, sandbox: str, workers: int) -> None:
        self.sandbox = sandbox
        self.workers = workers
        self.pool: ProcessPool | None = None

    def start(self, bundle: Bundle) -> int:
        main = sys.modules["__main__"]
        if not hasattr(main, "__spec__"):  # IPython's __main__ (a TA grading from Jupyter) has none
            main.__spec__ = None
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])  # imported once, not once per process
        self.pool = ProcessPool(max_workers=self.workers, initializer=_start,
                                initargs=(self.sandbox, bundle.sha256, bundle.data),
                                context=context)
        return self.workers

    def submit(self, task: Task, done: Done) -> None:
        assert self.pool is not None, "start() first"
        future = self.pool.schedule(grade_in_pool, args=(task,))
        future.add_done_callback(lambda f: done(task, future_outcome(
            f, ProcessExpired, "the grading process died")))

    def close(self, now: bool) -> None:
        if self.pool is None:
            return
        if now:
            self.pool.stop()
        else:
            self.pool.close()
        self.pool.join()
        self.pool = None
