"""The pytest plugin that runs assignment tests in the trusted grader against a `student` proxy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..sandbox.transport import SandboxError, WorkerLost
from .student import StudentError, StudentProxy

MAX_MESSAGE = 4000


@dataclass
class TestInfo:
    """A collected test: where it is, which question it serves, and its weight."""

    name: str
    question: str | None
    weight: float
    visibility: str  # "visible" for public tests, "hidden" for hidden ones
    property_test: bool = False  # checks a property (inputs unchanged, dtype...), not the values
    builds_on: tuple[str, ...] = ()  # functions the tested ones use (feedback traces failures)
    safe_message: bool = False  # the author says its failure message reveals nothing hidden


@dataclass
class TestOutcome:
    """One test's outcome as pytest reported it, and which notebook functions it called."""

    info: TestInfo
    status: str  # passed | failed | error
    message: str = ""
    called: frozenset[str] = frozenset()  # the notebook functions the test called


def _visibility(path: Path) -> str:
    return "hidden" if "hidden" in path.parts else "visible"


def _without_introspection(message: str) -> str:
    """`assert ok, "teaching message"`: keep the author's message, drop pytest's `assert ...` dump."""
    head, sep, _ = message.partition("\nassert ")
    return head if sep and head.strip() else message


def describe_failure(exc: BaseException) -> tuple[str, str]:
    """Status and the message a student may see (for public tests) for a failing test."""
    if isinstance(exc, WorkerLost):
        return "error", str(exc)
    if isinstance(exc, StudentError):
        text = f"your code raised {exc.type_name}: {exc}"
        if exc.student_traceback:
            text += "\n" + exc.student_traceback
        return "error", text[:MAX_MESSAGE]
    if isinstance(exc, AssertionError):
        return "failed", _without_introspection(str(exc))[:MAX_MESSAGE]
    return "failed", f"{type(exc).__name__}: {exc}"[:MAX_MESSAGE]


class GradingPlugin:
    """Provides the `student` fixture and records one outcome per test."""

    def __init__(self, rootdir: Path, student: StudentProxy | None = None,
                 forbidden: dict[str, list[str]] | None = None,
                 recover: Callable[[WorkerLost], None] | None = None,
                 questions: set[str] | None = None) -> None:
        self.rootdir = rootdir
        self.questions = questions
        self.student = student
        self.forbidden = forbidden or {}
        self.recover = recover
        self.infos: dict[str, TestInfo] = {}
        self.outcomes: dict[str, TestOutcome] = {}
        self.collection_errors: list[str] = []
        self.stopped: str | None = None
        self.grader_failure: SandboxError | None = None  # ends the run: never the student's
        self.stop_session = True  # a kept session stops its own loop instead (see runner.py)

    @pytest.fixture(name="student")
    def student_fixture(self) -> StudentProxy:
        if self.student is None:
            raise RuntimeError("no student notebook is attached to this test run")
        return self.student

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "question(name, weight=1): the question a test serves")
        config.addinivalue_line("markers", "property_test: earns points only when the functions "
                                "it calls are also correct")
        config.addinivalue_line("markers", "builds_on(*functions): the notebook functions that "
                                "the functions this test calls use")
        config.addinivalue_line("markers", "safe_message: a hidden test whose failure message "
                                "students may read")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext[-2000:]}")

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("question")
            name = marker.args[0] if marker and marker.args else None
            weight = float(marker.kwargs.get("weight", 1.0)) if marker else 1.0
            path = Path(str(item.path))
            rel = path.relative_to(self.rootdir) if path.is_relative_to(self.rootdir) else path
            test_name = f"{rel.as_posix()}::{item.name}"
            builds_on = tuple(dict.fromkeys(
                str(f) for mark in item.iter_markers("builds_on") for f in mark.args))
            self.infos[item.nodeid] = TestInfo(test_name, name, weight, _visibility(rel),
                                               item.get_closest_marker("property_test") is not None,
                                               builds_on,
                                               item.get_closest_marker("safe_message") is not None)
        if self.questions is not None:
            keep = [i for i in items if self.infos[i.nodeid].question in self.questions]
            config.hook.pytest_deselected(items=[i for i in items if i not in keep])
            items[:] = keep
            self.infos = {i.nodeid: self.infos[i.nodeid] for i in keep}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        info = self.infos.get(item.nodeid)
        if self.student is not None and info is not None:
            self.student.question = info.question
            self.student.forbidden = list(self.forbidden.get(info.question or "", []))
            self.student.called = set()
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        yield
        info = self.infos.get(item.nodeid)
        if info is None or call.when == "teardown":
            return
        called = frozenset(self.student.called) if self.student is not None else frozenset()
        if call.excinfo is None:
            if call.when == "call":
                self.outcomes[item.nodeid] = TestOutcome(info, "passed", called=called)
            return
        exc = call.excinfo.value
        if call.excinfo.errisinstance(pytest.skip.Exception):
            self.outcomes[item.nodeid] = TestOutcome(info, "failed", "skipped")
            return
        status, message = describe_failure(exc)
        self.outcomes[item.nodeid] = TestOutcome(info, status, message, called)
        try:
            if isinstance(exc, SandboxError):
                raise exc
            if isinstance(exc, WorkerLost) and self.recover is not None:
                self.recover(exc)
        except WorkerLost as fatal:
            self.stopped = str(fatal)
        except SandboxError as failure:
            self.grader_failure = failure
        if self.stop_session and (self.stopped or self.grader_failure):
            item.session.shouldstop = self.stopped or str(self.grader_failure)
