"""Ctrl-C and SIGTERM during a batch: stop soon and cleanly, or at once when asked twice.

The first signal only raises a flag that the batch checks between results, so it never lands in
the middle of a gradebook write; the batch then ends its graders and returns. A second Ctrl-C
exits at once (status 130) with one line: every result stored so far is committed, and the
graders die with this process (they watch their parent).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

RESUME = "finished results are saved: run the same command again to continue"


class StopRequest:
    """Ctrl-C or SIGTERM during a batch, turned into a request the engine checks between steps."""

    def __init__(self) -> None:
        self.signal: str | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signal is not None:
            os.write(sys.stderr.fileno(), f"\nstopped at once; {RESUME}\n".encode())
            os._exit(128 + signum)
        self.signal = signal.Signals(signum).name
        os.write(sys.stderr.fileno(), b"\nstopping: ending the graders (Ctrl-C again to stop "
                                      b"at once)\n")

    @property
    def requested(self) -> bool:
        return self.signal is not None
