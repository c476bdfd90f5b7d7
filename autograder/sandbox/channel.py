"""Length-prefixed messages over a pair of file descriptors, with deadlines both ways.

A frame is: 4-byte big-endian header length, a JSON header (the codec tree plus the buffer
lengths), then the raw buffers. Every length is checked against the limits before reading.

The grader's side makes its fds non-blocking (`nonblocking=True`) and waits (poll) with the
caller's deadline whenever a read or write would block: a worker that stops reading its input pipe
makes the grader's write end in `ChannelTimeout` at the deadline instead of blocking it forever
once the pipe's buffer is full. A blocking channel (the worker's) waits first when given a
deadline.
"""

from __future__ import annotations

import os
import select
import struct
import time
from typing import Any

from .codec import DEFAULT_LIMITS, CodecError, CodecLimits, dumps_header, loads_header

MAX_HEADER = 64 * 1024 * 1024
JOIN_BELOW = 1 << 20  # a frame up to this size is copied into one write
READ_AHEAD = 1 << 16  # a read asks for at least this much: the rest of a small frame comes along
READ_CHUNK = 1 << 20


class ChannelClosed(Exception):
    """The other side went away (the worker died, or closed its end)."""


class ChannelTimeout(Exception):
    """No complete message arrived before the deadline."""


class Channel:
    """Framed messages (a JSON header and raw buffers) over a pair of pipes, every read and
    write bounded in size and time.

    A small frame goes out in one write and is read in as few reads as the pipe allows: each
    extra write would wake the other side once more (a call into the notebook is a few round
    trips, and tests make hundreds of them)."""

    def __init__(self, read_fd: int, write_fd: int, limits: CodecLimits = DEFAULT_LIMITS,
                 nonblocking: bool = False) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.limits = limits
        self.nonblocking = nonblocking
        self.received = 0  # bytes read so far
        self._pending = bytearray()  # read from the pipe, not yet taken by a frame
        self._readable = select.poll()
        self._readable.register(read_fd, select.POLLIN)
        self._writable = select.poll()
        self._writable.register(write_fd, select.POLLOUT)
        if nonblocking:
            os.set_blocking(read_fd, False)
            os.set_blocking(write_fd, False)

    def send(self, message: dict[str, Any], buffers: list[bytes] = (),  # type: ignore[assignment]
             deadline: float | None = None) -> None:
        header = dumps_header({"m": message, "b": [len(b) for b in buffers]})
        parts = [struct.pack(">I", len(header)), header, *buffers]
        if sum(map(len, parts)) <= JOIN_BELOW:
            parts = [b"".join(parts)]
        for part in parts:
            self._write_all(part, deadline)

    def _write_all(self, data: bytes, deadline: float | None) -> None:
        view = memoryview(data)
        while view:
            if not self.nonblocking and deadline is not None:
                _wait(self._writable, deadline)
            try:
                written = os.write(self.write_fd, view)
            except BlockingIOError:
                _wait(self._writable, deadline)
                continue
            except OSError as exc:
                raise ChannelClosed(str(exc)) from exc
            view = view[written:]

    def recv(self, deadline: float | None = None) -> tuple[dict[str, Any], list[bytes]]:
        (length,) = struct.unpack(">I", self._take(4, deadline))
        if length > MAX_HEADER:
            raise CodecError(f"message header of {length} bytes is over the limit")
        header = loads_header(self._take(length, deadline))
        if type(header) is not dict or type(header.get("m")) is not dict:
            raise CodecError("malformed message")
        sizes = header.get("b")
        if type(sizes) is not list or not all(type(s) is int and s >= 0 for s in sizes):
            raise CodecError("malformed message")
        if sum(sizes) > self.limits.max_bytes or len(sizes) > self.limits.max_nodes:
            raise CodecError(f"message of {sum(sizes)} bytes is over the limit")
        buffers = [self._take(size, deadline) for size in sizes]
        return header["m"], buffers

    def _take(self, n: int, deadline: float | None) -> bytes:
        """The next `n` bytes of the stream; reads ahead at most `READ_CHUNK` beyond them."""
        while len(self._pending) < n:
            if not self.nonblocking and deadline is not None:
                _wait(self._readable, deadline)
            try:
                data = os.read(self.read_fd, min(max(n - len(self._pending), READ_AHEAD),
                                                 READ_CHUNK))
            except BlockingIOError:
                _wait(self._readable, deadline)
                continue
            except OSError as exc:
                raise ChannelClosed(str(exc)) from exc
            if not data:
                raise ChannelClosed("end of stream")
            self.received += len(data)
            self._pending += data
        with memoryview(self._pending) as pending:  # one copy: a frame may be hundreds of MB
            taken = bytes(pending[:n])
        del self._pending[:n]
        return taken


def _wait(poller: select.poll, deadline: float | None) -> None:
    """Until the fd is ready (or closed: the read or write then says so) or the deadline passes."""
    if deadline is None:
        poller.poll()
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not poller.poll(remaining * 1000):
        raise ChannelTimeout()
