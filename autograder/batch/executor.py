"""The seam between the batch engine and where grading runs (a local pool, or Dask).

The engine decides what to grade and stores what comes back; an executor only runs `Task`s
somewhere and reports each one's `Outcome` through a callback (from any thread). What travels is
plain data: the submission's bytes in, the results contract as JSON text out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .bundle import Bundle


@dataclass(frozen=True)
class Task:
    """One submission to grade: its bytes, where it was collected (named in the result), and
    whose it is."""

    key: int
    student: str | None
    name: str
    data: bytes


@dataclass(frozen=True)
class Outcome:
    """`result`: the results contract (JSON). `lost`: the grading process or machine died under
    the task (`final` when the executor already retried it as often as it allows). `error`: the
    grading function itself failed. Neither of the last two is ever the student's doing."""

    kind: Literal["result", "lost", "error"]
    text: str
    final: bool = False


Done = Callable[[Task, Outcome], None]


def future_outcome(future: Any, lost: type[BaseException], lost_text: str,
                   final: bool = False) -> Outcome:
    """The outcome of a finished future (the standard library's, pebble's or Dask's): an
    exception of type `lost` means the grading process died under the task."""
    if future.cancelled():
        return Outcome("lost", "the batch stopped before this submission was graded")
    exc = future.exception()
    if exc is None:
        return Outcome("result", future.result())
    if isinstance(exc, lost):
        return Outcome("lost", f"{lost_text} ({exc})", final)
    return Outcome("error", f"{type(exc).__name__}: {exc}")


class Executor(Protocol):
    """Runs tasks against one assignment's trusted bundle; knows nothing of gradebooks."""

    def start(self, bundle: Bundle) -> int:
        """Get ready to grade this bundle; returns how many tasks run at once."""
        ...

    def submit(self, task: Task, done: Done) -> None:
        """Run `task` and call `done` exactly once with its outcome."""
        ...

    def close(self, now: bool) -> None:
        """Release everything; `now` ends what is running instead of waiting for it."""
        ...
