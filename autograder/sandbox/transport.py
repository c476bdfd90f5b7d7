"""The grader's side of a call into the student's code, whatever runs it: the transport contract.

A `Transport` carries one request to wherever the student's code runs (a sandboxed worker, a bare
one, or the student's own kernel during self-check) and returns the encoded reply; the student's
code may call back into grader-side functions meanwhile (`CallbackServer`). How it can fail is
part of the contract: `WorkerLost` is the submission's doing (its status says how: `timeout`,
`memory`, `crashed`), `SandboxError` is the grader's own failure and never a student's zero.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .codec import Encoded, RemoteException

CallbackServer = Callable[[int, Any, list[bytes]], Encoded]
Decode = Callable[[Any, list[bytes]], Any]


class WorkerLost(Exception):
    """The worker died, ran out of time or memory, or broke the protocol; `status` says which."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status


class SandboxError(RuntimeError):
    """The trusted side failed (a worker could not start, the warm template died): the grader's
    problem, never the student's."""


class Transport(Protocol):
    """Carries one request to wherever the student's code runs and returns the decoded reply.

    `decode` turns the reply into values on the grader's side; a reply it refuses is the
    submission's doing and ends in `WorkerLost("crashed")`."""

    def request(self, op: str, args: Encoded, timeout: float | None,
                serve_callback: CallbackServer | None, decode: Decode) -> Any: ...


def run_callback(callbacks: dict[int, Callable[..., Any]], ref: int, payload: Any) -> Any:
    """Run a grader-side callback for the student's code; its failures become plain exceptions.

    A `WorkerLost` inside the callback (it touched a student object, which asked the busy worker
    a nested question) is not the callback's failure: it ends the call."""
    fn = callbacks.get(ref)
    if fn is None or not isinstance(payload, list) or len(payload) != 2:
        return RemoteException("CallbackError", "unknown callback")
    args, kwargs = payload
    try:
        return fn(*args, **kwargs)
    except (WorkerLost, SandboxError):
        raise
    except Exception as exc:  # report to the student's code as data
        return RemoteException(type(exc).__name__[:200], str(exc)[:2000])
