"""The trusted grader processes of a batch.

pytest is not thread-safe, so a batch grades in a pool of processes started with "forkserver"
(no inherited locks or database connections). Each builds its grading spec and its launcher once,
through `make_launcher`, and returns results as JSON text: paths go in, the results contract comes
out, nothing of the student's is ever pickled.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..course import CourseRepo
from ..grading.grade import GradingSpec, grade_path
from ..sandbox.launch import Launcher, make_launcher

_spec: GradingSpec | None = None
_launcher: Launcher | None = None


def _start(root: str, workspace: str, assignment_id: str, sandbox: str) -> None:
    """Runs once in each pool process. Ctrl-C is the parent's to handle."""
    global _spec, _launcher
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    repo = CourseRepo(Path(root), Path(workspace))
    _spec = GradingSpec.from_repo(repo, assignment_id, hidden=True)
    _launcher = make_launcher(sandbox)
    close = getattr(_launcher, "close", None)
    if callable(close):  # a warm template ends with its grading process, not with the batch
        multiprocessing.util.Finalize(_launcher, close, exitpriority=10)


def grade_in_pool(path: str, student: str | None) -> str:
    assert _spec is not None and _launcher is not None, "pool process not initialised"
    return grade_path(_spec, Path(path), _launcher, student).model_dump_json()


def ready() -> bool:
    """A no-op task: submitting it starts one more grading process."""
    return _spec is not None


def make_pool(repo: CourseRepo, assignment_id: str, sandbox: str, workers: int) -> ProcessPoolExecutor:
    main = sys.modules["__main__"]
    if not hasattr(main, "__spec__"):  # IPython's __main__ (a TA grading from Jupyter) has none
        main.__spec__ = None
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start,
        initargs=(str(repo.root.resolve()), str(repo.workspace.resolve()), assignment_id, sandbox))
