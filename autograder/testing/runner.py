"""Run (or only collect) an assignment's tests with pytest, in this trusted process."""

from __future__ import annotations

import gc
import os
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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
             # adds and removes its handlers around every phase of every test: ~0.1 s a submission
             "-p", "no:logging",
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
              questions: set[str] | None = None, keep_session: bool = True) -> list[TestOutcome]:
    """Every collected test gets an outcome, also those not reached after a fatal worker loss.

    The tests run in this process's kept session for these files (see `KeptSession`), or with
    `keep_session=False` in a pytest run of their own in the calling thread (self-check: its
    time limit is a signal, which only the main thread receives)."""
    existing = tuple(p for p in paths if p.exists())
    if not existing:
        return []
    if keep_session:
        infos, plugin = _run_kept(existing, rootdir, student, forbidden or {}, recover, questions)
    else:
        plugin = GradingPlugin(rootdir, student, forbidden, recover, questions)
        _run(existing, rootdir, plugin, collect_only=False)
        infos = plugin.infos
    outcomes = []
    for nodeid, info in infos.items():
        outcome = plugin.outcomes.get(nodeid)
        if outcome is None:
            reason = plugin.stopped or "the test did not run"
            outcome = TestOutcome(info, "error", f"not run: {reason}")
        outcomes.append(outcome)
    return outcomes


def _run_kept(paths: tuple[Path, ...], rootdir: Path, student: StudentProxy,
              forbidden: dict[str, list[str]], recover: Callable[[WorkerLost], None] | None,
              questions: set[str] | None) -> tuple[dict[str, TestInfo], GradingPlugin]:
    key = (paths, rootdir, _stamp(paths))
    kept = _kept.get(key)
    fresh = kept is None
    if kept is None:
        kept = _kept[key] = KeptSession(paths, rootdir)
    try:
        ran = kept.run(student, forbidden, recover, questions)
    except BaseException:
        if not kept.alive:
            _kept.pop(key, None)
        raise
    if fresh:
        _freeze_heap()
    return ran


def _freeze_heap() -> None:
    """Hide what the process now keeps for its life from the garbage collector.

    After a session's first run, the heap holds pytest, the test modules, their references and
    what they imported (torch): hundreds of thousands of objects that every full collection
    walked again, ~60 ms once every few submissions (17 ms a submission on gradient_descent).
    Garbage is collected first, so only live objects are frozen; later objects are collected
    as always."""
    gc.collect()
    gc.freeze()


def _stamp(paths: Sequence[Path]) -> tuple:
    """What the test files are now: a changed test file means a new session."""
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size)
                 for p in paths for f in sorted(p.rglob("*.py")))


_kept: dict[tuple, KeptSession] = {}


class KeptSession:
    """One pytest session per process and set of test files, kept open in a thread of its own.

    Starting pytest and collecting the tests (importing the test modules, which compute their
    reference values) cost more than most students' code; a grading process pays them once and
    then, for each submission, runs the collected items against the new `student`. Function
    fixtures are made anew for every test, module and session fixtures for every submission (the
    items' setup is torn down after each run), and every submission gets an empty
    `session.stash`: nothing a test keeps for one student is seen by the next. Module globals are
    computed once per process, so test modules keep only student-independent values there.
    Only one submission runs at a time: the caller waits for the run it hands over.
    """

    def __init__(self, paths: Sequence[Path], rootdir: Path) -> None:
        self.plugin = GradingPlugin(rootdir)
        self.plugin.stop_session = False  # pytest cannot unset shouldstop: the loop checks
        self.requests: queue.Queue[tuple | None] = queue.Queue()
        self.replies: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.alive = True
        self.thread = threading.Thread(target=self._main, args=(list(paths), rootdir),
                                       name="kept pytest session", daemon=True)
        self.thread.start()

    def _main(self, paths: list[Path], rootdir: Path) -> None:
        try:
            code = pytest.main(_pytest_args(paths, rootdir, collect_only=False),
                               plugins=[self.plugin, self])
            self.replies.put(("ended", code))
        except BaseException as exc:  # handed to the waiting caller
            self.replies.put(("error", exc))
        finally:
            self.alive = False

    def run(self, student: StudentProxy, forbidden: dict[str, list[str]],
            recover: Callable[[WorkerLost], None] | None,
            questions: set[str] | None) -> tuple[dict[str, TestInfo], GradingPlugin]:
        if not self.alive:
            raise UserError(f"{self.plugin.rootdir}: the test session ended")
        self.requests.put((student, forbidden, recover, questions))
        kind, value = self.replies.get()
        if kind == "error":
            raise value
        if kind == "ended":
            if self.plugin.collection_errors:
                raise UserError(f"{self.plugin.rootdir}: tests could not be loaded: "
                                f"{self.plugin.collection_errors[0]}")
            raise UserError(f"{self.plugin.rootdir}: pytest stopped with {value!r}")
        if self.plugin.grader_failure is not None:
            raise self.plugin.grader_failure
        return value, self.plugin

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        """Instead of pytest's one pass over the items: one pass per submission handed over."""
        if self.plugin.collection_errors:
            return True
        while (request := self.requests.get()) is not None:
            try:
                self.replies.put(("done", self._run_items(session, *request)))
            except BaseException as exc:  # handed to the waiting caller
                self.replies.put(("error", exc))
        return True

    def _run_items(self, session: pytest.Session, student: StudentProxy,
                   forbidden: dict[str, list[str]], recover: Callable[[WorkerLost], None] | None,
                   questions: set[str] | None) -> dict[str, TestInfo]:
        plugin = self.plugin
        plugin.student, plugin.forbidden, plugin.recover = student, forbidden, recover
        plugin.outcomes, plugin.stopped, plugin.grader_failure = {}, None, None
        session.stash = pytest.Stash()  # what tests kept for the previous student is gone
        items = [i for i in session.items
                 if questions is None or plugin.infos[i.nodeid].question in questions]
        for index, item in enumerate(items):
            following = items[index + 1] if index + 1 < len(items) else None
            item.ihook.pytest_runtest_protocol(item=item, nextitem=following)
            if (plugin.stopped or plugin.grader_failure) and following is not None:
                # what the item's own teardown kept for `following` (module fixtures) goes too;
                # the teardown hook itself already ran (a second call fails in pytest's logging)
                break
        session._setupstate.teardown_exact(None)  # session fixtures too: per submission
        plugin.student = None
        return {i.nodeid: plugin.infos[i.nodeid] for i in items}
