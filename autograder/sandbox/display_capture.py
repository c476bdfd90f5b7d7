"""What an answer cell displays (plots, printed text), captured in the worker as plain data.

Jupyter's inline backend shows every open matplotlib figure at the end of a cell and closes it;
the worker draws with Agg and shows nothing, so for a cell marked as an answer it does the same
by hand: figures left open by earlier cells are closed first (inline would have closed them), and
the cell's figures are saved as PNG afterwards. Only PNG and plain text are kept (never HTML a
student wrote), within the bounds below; the grader checks them again on its side.

Saving is most of an answer cell's cost (0.1-0.3 s a figure, matplotlib laying out text) and
nothing after the cell needs it, so a forked copy of the worker draws while the grading goes on
(`Drawing`), and the grader asks for the PNGs at the end. A worker that cannot fork draws at once.
"""

from __future__ import annotations

import base64
import fcntl
import io
import os
import select
import signal
import struct
import sys
import time
from typing import Any

MAX_OUTPUTS = 8
MAX_OUTPUT_BYTES = 1024 * 1024
MAX_TEXT_BYTES = 20_000
MAX_FIGURE_PIXELS = 4000 * 4000
FIGURE_DPI = 80
DRAWING_WAIT = 20.0  # seconds the worker waits for its drawing copy before giving up on it
PIPE_BYTES = 1024 * 1024  # the copy's pipe (Linux's default ceiling for unprivileged users)
_FRAME = struct.Struct(">?I")  # is-PNG, length; then the bytes


def _figures() -> list[tuple[str, bytes]]:
    """PNGs of the open figures, closed afterwards; nothing when the cell never used pyplot."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    outputs = []
    for number in plt.get_fignums():
        figure = plt.figure(number)
        width, height = figure.get_size_inches() * FIGURE_DPI
        if width * height > MAX_FIGURE_PIXELS:
            outputs.append(("text/plain", f"(figure {number} is too large to keep: "
                                          f"{width:.0f} x {height:.0f} pixels)".encode()))
            continue
        buffer = io.BytesIO()
        # one drawing pass: bbox_inches="tight", as Jupyter saves, draws twice (measured on
        # gradient_descent's answer figure: 0.45 s instead of 0.27 s, in every submission)
        figure.savefig(buffer, format="png", dpi=FIGURE_DPI)
        outputs.append(("image/png", buffer.getvalue()))
    plt.close("all")
    return outputs


def _displayed(outputs: list[Any]) -> list[tuple[str, bytes]]:
    """`display(...)` calls: their PNG, else their plain text."""
    kept = []
    for output in outputs:
        data = getattr(output, "data", None) or {}
        png = data.get("image/png")
        if png is not None:
            kept.append(("image/png", base64.b64decode(png) if isinstance(png, str) else png))
        elif isinstance(data.get("text/plain"), str):
            kept.append(("text/plain", data["text/plain"].encode()))
    return kept


def _bounded(outputs: list[tuple[str, bytes]]) -> list[list[Any]]:
    kept: list[list[Any]] = []
    for mime, data in outputs:
        if not data.strip():
            continue
        if mime == "text/plain":
            data = data[:MAX_TEXT_BYTES]
        elif len(data) > MAX_OUTPUT_BYTES:
            mime, data = "text/plain", f"(an image of {len(data)} bytes, too large to keep)".encode()
        kept.append([mime, bytes(data)])
    return kept[:MAX_OUTPUTS]


class Drawing:
    """An answer cell's figures, saved as PNG by a forked copy of the worker."""

    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid = pid
        self.read_fd = read_fd

    @classmethod
    def start(cls, private_fds: tuple[int, ...]) -> Drawing | None:
        """Fork a copy that draws the open figures; None when there are none or it cannot fork
        (the student used up the process limit: then the caller draws them itself).

        The copy closes `private_fds` (the protocol) and its output: the grader must see the
        worker's end when the worker ends, whatever the copy is doing."""
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None or not plt.get_fignums():
            return None
        try:
            read_fd, write_fd = os.pipe()
        except OSError:
            return None
        _widen(write_fd)
        try:
            pid = os.fork()
        except OSError:
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the copy: draw, write, leave without running anything of the parent's
            try:
                for fd in (read_fd, *private_fds):
                    os.close(fd)
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                os.dup2(devnull, 2)
                with os.fdopen(write_fd, "wb") as out:
                    for mime, data in _figures():
                        out.write(_FRAME.pack(mime == "image/png", len(data)) + data)
            finally:
                os._exit(0)
        os.close(write_fd)
        plt.close("all")
        return cls(pid, read_fd)

    def outputs(self) -> list[tuple[str, bytes]]:
        """What the copy drew (waiting at most DRAWING_WAIT), then the copy is gone."""
        try:
            data, complete = self._read()
        finally:
            os.close(self.read_fd)
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:  # already reaped by the student's own os.wait()
                pass
        outputs, offset = [], 0
        while offset + _FRAME.size <= len(data):
            is_png, length = _FRAME.unpack_from(data, offset)
            offset += _FRAME.size
            outputs.append(("image/png" if is_png else "text/plain", data[offset:offset + length]))
            offset += length
        if not complete:
            outputs.append(("text/plain", b"(the cell's figures could not be drawn in time)"))
        return outputs

    def _read(self) -> tuple[bytes, bool]:
        data, deadline = bytearray(), time.monotonic() + DRAWING_WAIT
        poller = select.poll()
        poller.register(self.read_fd, select.POLLIN)
        while len(data) <= MAX_OUTPUTS * (MAX_OUTPUT_BYTES + _FRAME.size):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                return bytes(data), False
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                return bytes(data), True
            data += chunk
        return bytes(data), True


def _widen(fd: int) -> None:
    """Let the pipe hold a usual figure whole: the copy then writes it, ends and is freed while
    the tests run, instead of when the grader asks for it at the end."""
    try:
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # the user's pipe memory is used up: the default size only costs time
        pass


def run_capturing(shell: Any, source: str, private_fds: tuple[int, ...] = ()
                  ) -> tuple[Any, list[list[Any]], Drawing | None]:
    """Run a cell; return IPython's result, its outputs as [mime, bytes] pairs and the drawing
    of its figures under way (None: there were none, or they are among the outputs)."""
    from IPython.utils.capture import capture_output

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
    with capture_output(stdout=True, stderr=False, display=True) as captured:
        result = shell.run_cell(source, store_history=False)
    outputs = [("text/plain", captured.stdout.encode())] + _displayed(captured.outputs)
    drawing = Drawing.start(private_fds)
    if drawing is None:
        outputs += _figures()
    return result, _bounded(outputs), drawing


def drawn_outputs(drawing: Drawing | None) -> list[list[Any]]:
    """The figures of a drawing started by `run_capturing`, bounded as every output is."""
    return _bounded(drawing.outputs()) if drawing is not None else []
