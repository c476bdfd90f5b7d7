"""Run (or only collect) an assignment's tests with pytest, in this trusted process."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from ..errors import UserError
from ..sandbox.transport import WorkerLost
from .plugin import GradingPlugin, TestInfo, TestOutcome
from .student import StudentProxy


def _pytest_args(paths: Sequence[Path], rootdir: Path, collect_only: bool) -> list[str]:
    args = [str(p) for p in paths]
    args += ["-c", os.devnull, "--rootdir", str(rootdir), "--import-mode=importlib",
             "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:stepwise",
             # these two run a full garbage collection around every test: half the run time
             "-p", "no:unraisableexception", "-p", "no:threadexception",
             "--capture=no", "-W", "ignore::pytest.PytestAssertRewriteWarning",
             "-o", "python_files=test_*.py"]
    if collect_only:
        args.append("--collect-only")
    return args


def _run(paths: Sequence[Path], rootdir: Path, plugin: GradingPlugin, collect_only: bool) -> None:
    existing = [p for p in paths if p.exists()]
    if not existing:
        return
    code = pytest.main(_pytest_args(existing, rootdir, collect_only), plugins=[plugin])
    if plugin.grader_failure is not None:
        raise plugin.grader_failure
    if plugin.collection_errors:
        raise UserError(f"{rootdir}: tests could not be loaded: {plugin.collection_errors[0]}")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED,
                    pytest.ExitCode.NO_TESTS_COLLECTED, pytest.ExitCode.INTERRUPTED):
        raise UserError(f"{rootdir}: pytest stopped with {code!r}")


def collect_tests(paths: Sequence[Path], rootdir: Path) -> list[TestInfo]:
    plugin = GradingPlugin(rootdir)
    _run(paths, rootdir, plugin, collect_only=True)
    return list(plugin.infos.values())


def run_tests(paths: Sequence[Path], rootdir: Path, student: StudentProxy,
              forbidden: dict[str, list[str]] | None = None,
              recover: Callable[[WorkerLost], None] | None = None,
              questions: set[str] | None = None) -> list[TestOutcome]:
    """Every collected test gets an outcome, also those not reached after a fatal worker loss."""
    plugin = GradingPlugin(rootdir, student, forbidden, recover, questions)
    _run(paths, rootdir, plugin, collect_only=False)
    outcomes = []
    for nodeid, info in plugin.infos.items():
        outcome = plugin.outcomes.get(nodeid)
        if outcome is None:
            reason = plugin.stopped or "the test did not run"
            outcome = TestOutcome(info, "error", f"not run: {reason}")
        outcomes.append(outcome)
    return outcomes
