"""Length-prefixed messages over a pair of file descriptors, with deadlines on the reading side.

A frame is: 4-byte big-endian header length, a JSON header (the codec tree plus the buffer
lengths), then the raw buffers. Every length is checked against the limits before reading.
"""

from __future__ import annotations

import os
import selectors
import struct
import time
from typing import Any

from .codec import DEFAULT_LIMITS, CodecError, CodecLimits, dumps_header, loads_header

MAX_HEADER = 64 * 1024 * 1024


class ChannelClosed(Exception):
    """The other side went away (the worker died, or closed its end)."""


class ChannelTimeout(Exception):
    """No complete message arrived before the deadline."""


class Channel:
    def __init__(self, read_fd: int, write_fd: int, limits: CodecLimits = DEFAULT_LIMITS) -> None:
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.limits = limits

    def send(self, message: dict[str, Any], buffers: list[bytes] = ()) -> None:  # type: ignore[assignment]
        header = dumps_header({"m": message, "b": [len(b) for b in buffers]})
        self._write_all(struct.pack(">I", len(header)) + header)
        for buf in buffers:
            self._write_all(buf)

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self.write_fd, view)
            except (BrokenPipeError, OSError) as exc:
                raise ChannelClosed(str(exc)) from exc
            view = view[written:]

    def recv(self, deadline: float | None = None) -> tuple[dict[str, Any], list[bytes]]:
        (length,) = struct.unpack(">I", self._read_exact(4, deadline))
        if length > MAX_HEADER:
            raise CodecError(f"message header of {length} bytes is over the limit")
        header = loads_header(self._read_exact(length, deadline))
        if type(header) is not dict or type(header.get("m")) is not dict:
            raise CodecError("malformed message")
        sizes = header.get("b")
        if type(sizes) is not list or not all(type(s) is int and s >= 0 for s in sizes):
            raise CodecError("malformed message")
        if sum(sizes) > self.limits.max_bytes or len(sizes) > self.limits.max_nodes:
            raise CodecError(f"message of {sum(sizes)} bytes is over the limit")
        buffers = [self._read_exact(size, deadline) for size in sizes]
        return header["m"], buffers

    def _read_exact(self, n: int, deadline: float | None) -> bytes:
        chunks = bytearray()
        while len(chunks) < n:
            if deadline is not None:
                self._wait_readable(deadline)
            try:
                data = os.read(self.read_fd, min(n - len(chunks), 1 << 20))
            except OSError as exc:
                raise ChannelClosed(str(exc)) from exc
            if not data:
                raise ChannelClosed("end of stream")
            chunks += data
        return bytes(chunks)

    def _wait_readable(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ChannelTimeout()
        with selectors.DefaultSelector() as sel:
            sel.register(self.read_fd, selectors.EVENT_READ)
            if not sel.select(remaining):
                raise ChannelTimeout()
