"""One running worker, seen from the grader: requests with deadlines, "status classes out".

Any way the worker can fail a request ends in `WorkerLost` with a status: `timeout` (deadline
passed, the worker is killed), `memory` (it died out of memory), `crashed` (it died, or sent
anything but a well-formed reply to the question asked: malformed, over-deep, out of step). A
worker that died because the trusted side failed under it (the warm template was killed) is a
`SandboxError` instead: the grader's problem, never the student's. Student output on stderr is
drained continuously and only the first part is kept.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from .channel import Channel, ChannelClosed, ChannelTimeout
from .codec import CodecError, Encoded
from .launch import Launcher, ResourceLimits, Spawned
from .transport import CallbackServer, Decode, SandboxError, WorkerLost
from .views import FULL_VIEW, WorkerView

MEMORY_SIGNS = (b"MemoryError", b"std::bad_alloc", b"Cannot allocate memory", b"out of memory")
OUT_OF_STEP = "the notebook interfered with the grader's connection to it"


class OutputSink:
    """Keeps the first `limit` bytes of a stream and counts the rest; never blocks the writer."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.total = 0
        self.tail = b""

    def drain(self, fd: int) -> threading.Thread:
        def run() -> None:
            while True:
                try:
                    chunk = os.read(fd, 1 << 16)
                except OSError:
                    break
                if not chunk:
                    break
                self.total += len(chunk)
                room = self.limit - len(self.kept)
                if room > 0:
                    self.kept += chunk[:room]
                self.tail = (self.tail + chunk)[-4096:]

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def text(self) -> str:
        dropped = self.total - len(self.kept)
        note = f"\n[... {dropped} more bytes of output not kept]" if dropped > 0 else ""
        return self.kept.decode("utf-8", "replace") + note


class WorkerProcess:
    """The grader's handle on one worker: starts it, talks to it with deadlines, and ends it
    with everything it started."""

    def __init__(self, launcher: Launcher, limits: ResourceLimits, output: OutputSink,
                 data: Path | None = None, view: WorkerView = FULL_VIEW,
                 startup_timeout: float = 180.0) -> None:
        self.launcher = launcher
        self.data = data
        self.view = view
        self.limits = limits
        self.output = output
        self.startup_timeout = startup_timeout
        self.spawned: Spawned | None = None
        self.channel: Channel | None = None
        self._drainer: threading.Thread | None = None
        self._next_id = 0
        self._busy = False
        self.expired = False
        self.received = 0  # bytes the worker sent, over all its channels

    def start(self) -> None:
        self.spawned = self.launcher.spawn(self.data, self.limits, self.view)
        self.channel = Channel(self.spawned.reply_fd, self.spawned.request_fd, nonblocking=True)
        self._drainer = self.output.drain(self.spawned.output_fd)
        try:
            self._await(0, time.monotonic() + self.startup_timeout, None, lambda t, b: t)
        except WorkerLost as lost:
            if self.expired:  # the watchdog stopped it: the submission's time, not our failure
                raise
            detail = self.output.tail.decode("utf-8", "replace").strip().splitlines()
            raise SandboxError(f"the worker did not start ({lost}): "
                               f"{detail[-1] if detail else 'no output'}") from None

    def request(self, op: str, args: Encoded, timeout: float | None,
                serve_callback: CallbackServer | None, decode: Decode) -> Any:
        """Ask the worker and wait for its decoded reply; at most `timeout` seconds in all."""
        if self.channel is None:
            raise WorkerLost("crashed", "the worker is not running")
        if self._busy:  # a callback's code asked the worker something while it waits for it
            self.kill()
            raise WorkerLost("crashed", OUT_OF_STEP)
        self._next_id += 1
        request_id = self._next_id
        deadline = time.monotonic() + timeout if timeout else None
        self._busy = True
        try:
            self.channel.send({"id": request_id, "op": op, "a": args.tree}, args.buffers,
                              deadline)
            return self._await(request_id, deadline, serve_callback, decode)
        except ChannelTimeout:
            self.kill()
            raise WorkerLost("timeout", "your code did not finish within the time limit") from None
        except ChannelClosed:
            raise self._lost() from None
        finally:
            self._busy = False

    def _await(self, request_id: int, deadline: float | None,
               serve_callback: CallbackServer | None, decode: Decode) -> Any:
        """Replies until the one to `request_id`; anything else is the notebook's doing."""
        try:
            while True:
                if self.channel is None:
                    raise WorkerLost("crashed", OUT_OF_STEP)
                message, buffers = self.channel.recv(deadline)
                if "cb" in message and serve_callback is not None and type(message["cb"]) is int:
                    reply = serve_callback(message["cb"], message.get("a"), buffers)
                    if self.channel is None:
                        raise WorkerLost("crashed", OUT_OF_STEP)
                    self.channel.send({"cbr": reply.tree}, reply.buffers, deadline)
                    continue
                if message.get("id") != request_id or "r" not in message:
                    self.kill()
                    raise WorkerLost("crashed", OUT_OF_STEP)
                return decode(message["r"], buffers)
        except ChannelTimeout:
            self.kill()
            raise WorkerLost("timeout", "your code did not finish within the time limit") from None
        except ChannelClosed:
            raise self._lost() from None
        except (CodecError, ValueError, RecursionError) as exc:
            self.kill()
            raise WorkerLost("crashed", f"the worker sent a malformed reply ({exc})") from None

    def expire(self) -> None:
        """The submission's watchdog: stop the worker from another thread, whatever it does."""
        self.expired = True
        self.stop_soon()

    def stop_soon(self) -> None:
        """Have the worker killed without waiting for it (thread-safe); `kill` waits for its end."""
        spawned = self.spawned
        if spawned is not None:
            spawned.kill_soon()

    def _lost(self) -> WorkerLost | SandboxError:
        """The worker went away: find out how it died."""
        code = self.spawned.wait(timeout=2) if self.spawned is not None else None
        failure = self.spawned.grader_failure() if self.spawned is not None else None
        self.kill()
        if self.expired:
            return WorkerLost("timeout", "the submission used up its total time limit")
        if failure is not None:
            return SandboxError(failure)
        if any(sign in self.output.tail for sign in MEMORY_SIGNS):
            return WorkerLost("memory", "your code ran out of memory")
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else code
            return WorkerLost("crashed", f"the worker was killed by signal {name}")
        return WorkerLost("crashed", f"the worker exited (code {code}); did the notebook call "
                                     "exit() or os._exit()?")

    def kill(self) -> None:
        if self.channel is not None:
            self.received += self.channel.received
        spawned, self.spawned, self.channel = self.spawned, None, None
        if spawned is not None:
            spawned.kill()
        if self._drainer is not None:
            self._drainer.join(timeout=5)
            self._drainer = None
        if spawned is not None:
            spawned.close()
