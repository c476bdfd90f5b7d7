"""The grading end of a batch: what runs in a local pool process or on a Dask worker.

A `Grader` lives as long as its process and keeps what is expensive: the unpacked trusted bundles
(by content hash) and one launcher, whose warm template is started once and reused by every
submission this process grades. It takes bytes and gives JSON text; it writes no gradebook.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..grading.grade import GradingSpec, grade_submission
from ..grading.results import Result
from ..notebook import InvalidNotebook
from ..sandbox.kinds import make_launcher
from ..sandbox.launch import Launcher
from ..sandbox.numba_cache import use_trusted_cache
from ..submission import parse_submission
from .bundle import unpack
from .executor import Task


class Grader:
    """One grading process's state: unpacked bundles by hash and one launcher, kept warm."""

    def __init__(self, sandbox: str) -> None:
        use_trusted_cache()  # a trusted process: librosa's compiled code from the machine's cache
        self.sandbox = sandbox
        self.specs: dict[str, GradingSpec] = {}
        self.launcher: Launcher | None = None
        self.lock = threading.Lock()  # pytest is not thread-safe: one submission at a time

    def spec(self, sha256: str, data: bytes | None = None) -> GradingSpec:
        if sha256 not in self.specs:
            if data is None:
                raise RuntimeError(f"trusted bundle {sha256[:12]} was never delivered here")
            self.specs[sha256] = unpack(sha256, data)
        return self.specs[sha256]

    def grade(self, task: Task, bundle: str, bundle_data: bytes | None = None) -> str:
        with self.lock:
            spec = self.spec(bundle, bundle_data)
            if self.launcher is None:
                self.launcher = make_launcher(self.sandbox)
            self.launcher.resume()
            path = Path(task.name)
            try:
                submission = parse_submission(task.data, path)
            except InvalidNotebook as exc:
                return Result(submission=task.name, student=task.student,
                              assignment=spec.assignment_id, status="invalid",
                              max_score=spec.assignment.autograded_max_score,
                              message=str(exc)).model_dump_json()
            return grade_submission(spec, submission, self.launcher,
                                    task.student).model_dump_json()

    def interrupt(self) -> None:
        """Stop the grading in progress from another thread (`Launcher.interrupt`): it ends at
        once as a grader-error, which the coordinator that asked has already dropped."""
        if self.launcher is not None:
            self.launcher.interrupt()

    def close(self) -> None:
        """End the warm template with the process that started it."""
        if self.launcher is not None:
            self.launcher.close()
            self.launcher = None
