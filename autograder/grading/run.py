"""One submission's life in workers: run its cells, serve the tests, survive whatever it does.

A cell or a test call that kills the worker, times out or runs out of memory costs only itself:
the session records it, starts a fresh worker, replays the earlier cells (skipping the fatal ones)
and carries on, up to `max_restarts` times and within the submission's wall-clock limit.

Every request's deadline is bounded by what is left of that limit, and a watchdog thread kills the
current worker at the limit plus `WATCHDOG_MARGIN` seconds whatever the grader is doing, so the
run then ends with status `timeout` at its next step.
"""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import CourseLimits
from ..notebook import CodeCell
from ..sandbox.codec import Decoder, Encoded, RemoteException, encode
from ..sandbox.display_capture import MAX_OUTPUTS
from ..sandbox.launch import Launcher, ResourceLimits
from ..sandbox.process import OutputSink, WorkerProcess
from ..sandbox.transport import CallbackServer, Decode, WorkerLost
from ..sandbox.views import FULL_VIEW, WorkerView
from .answers import checked_outputs
from .results import AnswerOutput

WATCHDOG_MARGIN = 5.0
# A run whose workers sent more than this ends with a full garbage collection: the tracebacks of
# failed tests keep the student's values alive in reference cycles with pytest's records until
# the oldest generation is collected, and a batch process would pile them up (hundreds of MiB
# over a few submissions). A full collection costs ~0.5 s with torch loaded, so only then.
COLLECT_AFTER_BYTES = 64 * 1024 * 1024


def _decode_plain(tree: Any, buffers: list[bytes]) -> Any:
    return Decoder(buffers).decode(tree)


@dataclass
class CellOutcome:
    """How one code cell ran."""

    index: int
    cell_id: str
    status: str  # ok | error | timeout | memory | crashed | skipped
    error: str = ""


@dataclass
class SubmissionRun:
    """One submission's notebook running in a worker: its cells in order, a fresh worker that
    replays them after a crash, and what went wrong where."""

    launcher: Launcher
    cells: list[CodeCell]
    limits: CourseLimits
    data: Path | None = None
    view: WorkerView = FULL_VIEW
    worker: WorkerProcess | None = None
    fatal: set[int] = field(default_factory=set)
    incidents: list[str] = field(default_factory=list)
    restarts: int = 0
    received: int = 0  # bytes its workers sent
    answer_outputs: dict[int, list[AnswerOutput]] = field(default_factory=dict)
    drawing: set[int] = field(default_factory=set)  # answer cells whose figures the worker draws
    output: OutputSink = field(init=False)
    deadline: float = field(init=False)
    expired: bool = field(init=False, default=False)
    watchdog: threading.Timer = field(init=False)

    def __post_init__(self) -> None:
        self.output = OutputSink(self.limits.output_kb * 1024)
        self.deadline = time.monotonic() + self.limits.submission_timeout
        self.watchdog = threading.Timer(self.limits.submission_timeout + WATCHDOG_MARGIN,
                                        self._expire)
        self.watchdog.daemon = True
        self.watchdog.start()

    def _expire(self) -> None:
        """The watchdog: the submission's time is up, whatever state it is in."""
        self.expired = True
        worker = self.worker
        if worker is not None:
            worker.expire()

    # -- transport for the `student` proxy --------------------------------------------------------
    def request(self, op: str, args: Encoded, timeout: float | None,
                serve_callback: CallbackServer | None, decode: Decode) -> Any:
        if self.worker is None:
            raise WorkerLost("crashed", "no worker is running for this submission")
        return self.worker.request(op, args, self._bounded(timeout), serve_callback, decode)

    def _bounded(self, timeout: float | None) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or self.expired:
            raise WorkerLost("timeout", "the submission used up its total time limit")
        return min(timeout or remaining, remaining)

    # -- cells -----------------------------------------------------------------------------------
    def _run_cell(self, cell: CodeCell) -> CellOutcome:
        assert self.worker is not None
        timeout = self._bounded(self.limits.cell_timeout)
        request = {"source": cell.source, "answer": cell.index if cell.answer is not None else None}
        reply = self.worker.request("run_cell", encode(request), timeout, None, _decode_plain)
        if not isinstance(reply, dict) or "ok" not in reply:
            return CellOutcome(cell.index, cell.cell_id, "error", "the cell's result was garbled")
        if cell.answer is not None:  # kept for the TA who grades the manual question
            self.answer_outputs[cell.index] = checked_outputs(reply.get("outputs"))
            if reply.get("drawing") is True:
                self.drawing.add(cell.index)
        error = reply.get("error")
        if reply["ok"] or not isinstance(error, RemoteException):
            return CellOutcome(cell.index, cell.cell_id, "ok")
        status = "memory" if error.type_name == "MemoryError" else "error"
        if status == "memory":
            self.incidents.append("memory")
        return CellOutcome(cell.index, cell.cell_id, status,
                           f"{error.type_name}: {error.message}"[:2000])

    def run_cells(self) -> list[CellOutcome]:
        """Run every code cell in order; a fatal cell is recorded and skipped."""
        outcomes: list[CellOutcome] = []
        self._start(upto=0)  # no student code has run yet: a failure here is the grader's
        for position, cell in enumerate(self.cells):
            try:
                outcomes.append(self._run_cell(cell))
            except WorkerLost as lost:
                self.fatal.add(position)
                self.incidents.append(lost.status)
                outcomes.append(CellOutcome(cell.index, cell.cell_id, lost.status, str(lost)))
                try:
                    self._restart(upto=position + 1)
                except WorkerLost as final:
                    outcomes += [CellOutcome(c.index, c.cell_id, "skipped", str(final))
                                 for c in self.cells[position + 1:]]
                    break
        return outcomes

    def collect_drawings(self) -> None:
        """The answer cells' figures, which the worker drew while the grading went on. A worker
        lost now costs only its figures: every test has run."""
        for index in sorted(self.drawing):
            try:
                raw = self.request("drawn", encode({"cell": index}), None, None, _decode_plain)
            except WorkerLost:
                return
            kept = self.answer_outputs.get(index, []) + checked_outputs(raw)
            self.answer_outputs[index] = kept[:MAX_OUTPUTS]
        self.drawing.clear()

    # -- workers ---------------------------------------------------------------------------------
    def _start(self, upto: int) -> None:
        self.drawing.clear()
        self.worker = WorkerProcess(self.launcher, ResourceLimits(self.limits.memory_mb * 1024 * 1024),
                                    self.output, self.data, self.view)
        self.worker.start()
        for position, cell in enumerate(self.cells[:upto]):
            if position in self.fatal:
                continue
            try:
                self._run_cell(cell)
            except WorkerLost:
                self.fatal.add(position)
                raise

    def _restart(self, upto: int) -> None:
        while True:
            self._stop_worker()
            if self.expired:
                raise WorkerLost("timeout", "the submission used up its total time limit")
            if self.restarts >= self.limits.max_restarts:
                raise WorkerLost("crashed", f"gave up after {self.restarts} fresh workers")
            self.restarts += 1
            try:
                self._start(upto)
                return
            except WorkerLost as lost:
                self.incidents.append(lost.status)

    def recover(self, lost: WorkerLost) -> None:
        """Called by the test plugin after a test call lost the worker."""
        self.incidents.append(lost.status)
        if lost.status == "timeout" and self.deadline <= time.monotonic():
            raise lost
        self._restart(upto=len(self.cells))

    def stop_soon(self) -> None:
        """Have the worker killed without waiting for it (`close` waits)."""
        if self.worker is not None:
            self.worker.stop_soon()

    def close(self) -> None:
        """The end of the run: the watchdog stands down, the worker stops, and what it sent is
        freed (see COLLECT_AFTER_BYTES)."""
        self.watchdog.cancel()
        self._stop_worker()
        if self.received > COLLECT_AFTER_BYTES:
            self.received = 0
            gc.collect()

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.kill()
            self.received += self.worker.received
            self.worker = None
