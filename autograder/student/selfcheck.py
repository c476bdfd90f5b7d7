"""Self-check inside the student's notebook: the public tests against the live kernel.

The released notebook's first cell runs `check, check_all = enable_checks("<id>")`. `check("stft")`
runs that question's public tests against the functions the student's cells defined, and returns a
`CheckReport` that the notebook shows as HTML (plain text outside Jupyter). Nothing here needs a
sandbox or Linux: the student's own code is only a danger to the student, and grading happens
elsewhere. Values still cross the strict codec, so a test sees what it will see when graded.

The release folder (assignment.json + tests/public/) is found as described in `released.py`; in
Colab, unzip `<id>-colab.zip` into /content (SELF_CHECK.md in the folder says how) and it is
found, or say where: `enable_checks("<id>", folder="/content/<id>")`. The release folder becomes
the working directory, so the notebook's relative paths (`data/...`) work wherever the notebook
was opened from. Problems never raise in the first cell (that would stop "Run all"): they are
reported when `check` is called. `check_all()` reports the questions in the notebook's order.

While being graded (`AUTOGRADER_WORKER` is set in the worker) both functions do nothing.
"""

from __future__ import annotations

import difflib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..sandbox.transport import WorkerLost
from ..testing.local import LocalTransport
from ..testing.runner import run_tests
from ..testing.student import StudentProxy
from .released import ReleasedAssignment, find_release
from .report import ALL, CheckLine, CheckReport


def _user_namespace() -> dict[str, Any]:
    """The kernel's globals: IPython's user namespace, or __main__ in a plain interpreter."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        get_ipython = None  # type: ignore[assignment]
    shell = get_ipython() if get_ipython else None
    if shell is not None:
        return shell.user_ns
    return vars(sys.modules["__main__"])


class SelfCheck:
    """The state behind `check` and `check_all`: where the tests are and whose code they test."""

    def __init__(self, assignment_id: str, release: ReleasedAssignment | None,
                 namespace: dict[str, Any], problem: str = "") -> None:
        self.assignment_id = assignment_id
        self.release = release
        self.namespace = namespace
        self.problem = problem

    def check(self, question: str | None = None) -> CheckReport:
        """Run the public tests of one question, e.g. `check("stft")`."""
        if self.release is None:
            return CheckReport(self.assignment_id, question or ALL, problem=self.problem)
        known = self.release.questions
        if question not in known:
            return CheckReport(self.assignment_id, str(question), problem=self._unknown(question))
        return self._run(question, {question})

    def check_all(self) -> CheckReport:
        """Run the public tests of every question."""
        if self.release is None:
            return CheckReport(self.assignment_id, ALL, problem=self.problem)
        return self._run(ALL, None)

    def _unknown(self, question: object) -> str:
        known = self.release.questions if self.release else []
        listing = ", ".join(f'"{q}"' for q in known)
        if question is None:
            return (f"Say which question to check, e.g. check(\"{known[0]}\"), or run "
                    f"check_all(). The questions are: {listing}.")
        close = difflib.get_close_matches(str(question), known, n=1)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        return f"There is no question {question!r} in {self.assignment_id}.{hint} " \
               f"The questions are: {listing}."

    def _run(self, scope: str, questions: set[str] | None) -> CheckReport:
        assert self.release is not None
        student = StudentProxy(LocalTransport(self.namespace),
                               call_timeout=self.release.limits.call_timeout)
        try:
            outcomes = run_tests([self.release.public_tests], self.release.tests_root, student,
                                 self.release.forbidden, recover=_stop_at_timeout,
                                 questions=questions, keep_session=False)
        except UserError as exc:
            return CheckReport(self.assignment_id, scope, problem=str(exc))
        order = {q: i for i, q in enumerate(self.release.questions)}
        lines = sorted((CheckLine.from_outcome(o) for o in outcomes),
                       key=lambda line: order.get(line.question, len(order)))
        return CheckReport(self.assignment_id, scope, lines)


def _stop_at_timeout(lost: WorkerLost) -> None:
    """The first call that runs out of time ends the self-check: the rest would wait as long."""
    raise WorkerLost(lost.status, f"self-check stopped after a call ran out of time ({lost})")


def _graded_noop(*_: object, **__: object) -> None:
    return None


def enable_checks(assignment_id: str, folder: str | Path | None = None,
                  namespace: dict[str, Any] | None = None
                  ) -> tuple[Callable[..., CheckReport | None], Callable[[], CheckReport | None]]:
    """Give the notebook `check(question)` and `check_all()`.

    `folder` is the release folder when it is not next to the notebook (e.g. in Colab).
    """
    if os.environ.get("AUTOGRADER_WORKER"):  # being graded: the grader runs the tests itself
        return _graded_noop, _graded_noop
    ns = namespace if namespace is not None else _user_namespace()
    try:
        release: ReleasedAssignment | None = find_release(assignment_id, folder)
        problem = ""
    except UserError as exc:
        release, problem = None, str(exc)
        print(f"Self-check is not available yet: {problem}")
    if release is not None:
        _work_in(release.folder)
    checker = SelfCheck(assignment_id, release, ns, problem)
    return checker.check, checker.check_all


def _work_in(folder: Path) -> None:
    """Make the release folder the working directory: the notebook reads `data/...` from there."""
    if Path.cwd().resolve() != folder.resolve():
        os.chdir(folder)
        print(f"Self-check: working directory is now {folder} (tests and data are there).")
