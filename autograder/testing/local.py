"""In-process transport: the student's live kernel answers the tests (self-check in the notebook).

Values still pass through the codec both ways, so the student's code gets copies, results come back
as plain data, and a test sees exactly what it would see when graded in the sandbox.

Time limit: there is no second process to kill, so each call into the student's code runs under a
SIGALRM interval timer (`signal.setitimer`, main thread only, where Jupyter and IPython run
cells). At the limit the handler raises `CallTimedOut` inside the student's code, and again every
second should the code catch it; the call then ends in `WorkerLost("timeout")`. A thread with a
deadline was not chosen: Python cannot stop a thread, so the endless loop would keep running.
Off the main thread, or where there is no SIGALRM (Windows), calls have no time limit.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from ..sandbox.codec import Decoder, Encoded, RemoteException, encode
from ..sandbox.host import Host
from ..sandbox.transport import CallbackServer, Decode, WorkerLost


class CallTimedOut(BaseException):
    """Raised inside the student's code when a call runs past its time limit."""


def _alarm_usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


class LocalTransport:
    """The student proxy's transport to the live kernel in this process (self-check)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.host = Host(namespace)

    def request(self, op: str, args: Encoded, timeout: float | None,
                serve_callback: CallbackServer | None, decode: Decode) -> Any:
        def invoke(ref: int, cb_args: tuple, cb_kwargs: dict) -> Any:
            enc = encode([list(cb_args), cb_kwargs], fallback=self.host.handle_for)
            reply = serve_callback(ref, enc.tree, enc.buffers)
            value = Decoder(reply.buffers, on_handle=self.host.resolve_handle).decode(reply.tree)
            if isinstance(value, RemoteException):
                raise RuntimeError(f"the test's helper function failed: {value.message}")
            return value

        decoded = Decoder(args.buffers, on_handle=self.host.resolve_handle,
                          on_callback=self.host.callback_wrapper(invoke)).decode(args.tree)
        value = self._dispatch(op, decoded, timeout)
        try:
            out = encode(value, fallback=self.host.handle_for)
        except Exception as exc:  # same message the sandbox would give
            out = encode(RemoteException("EncodingError", f"the value could not be sent back: {exc}"))
        return decode(out.tree, out.buffers)

    def _dispatch(self, op: str, decoded: Any, timeout: float | None) -> Any:
        """Answer one request, within `timeout` seconds when the alarm can be used."""
        if not timeout or not _alarm_usable():
            return self.host.dispatch(op, decoded)
        fired = False

        def on_alarm(*_: Any) -> None:
            nonlocal fired
            fired = True
            raise CallTimedOut

        previous = signal.signal(signal.SIGALRM, on_alarm)
        value = None
        try:
            try:
                signal.setitimer(signal.ITIMER_REAL, timeout, 1.0)
                value = self.host.dispatch(op, decoded)
            finally:  # an alarm due right now may still interrupt this: caught below
                signal.setitimer(signal.ITIMER_REAL, 0)
        except CallTimedOut:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous)
        if fired:
            raise WorkerLost("timeout", f"your code did not finish within {timeout:g} s, the "
                                        "course's time limit for one call")
        return value
