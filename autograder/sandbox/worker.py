"""The untrusted worker: executes a notebook's cells and answers the grader's calls.

Started as `python -m autograder.sandbox.worker` (inside bubblewrap, or bare with
`--sandbox none`), or forked from the warm template (see template.py). Its protocol stream is the
process's original stdin/stdout; the student's prints go to stderr, which the grader drains.
"""

from __future__ import annotations

import builtins
import os
import sys
from typing import Any

from .channel import Channel, ChannelClosed
from .codec import CodecError, Decoder, RemoteException, encode
from .display_capture import Drawing, drawn_outputs, run_capturing
from .host import Host, describe_exception
from .launch import SANDBOXED_ENV
from .namespaces import deny_sysv_ipc
from .numba_cache import seed_private_cache
from .views import install_stand_ins


def _no_input(*_: Any, **__: Any) -> str:
    raise RuntimeError("input() is not available while grading: the notebook must run unattended")


def make_shell() -> Any:
    """An IPython shell with grading-friendly defaults (no colours, Agg plots, no input).

    A warm template makes it before forking; a forked worker's call then returns that instance
    (IPython's shell is a singleton) and re-applies the cheap settings."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file: nothing written outside the cells
    shell = InteractiveShell.instance(config=config, colors="NoColor", autocall=0)
    shell.user_ns["input"] = _no_input
    builtins.input = _no_input
    try:  # %matplotlib inline needs a kernel; keep plots off-screen instead
        shell.register_magic_function(lambda line="": None, "line", "matplotlib")
    except Exception:  # magics are optional
        pass
    return shell


class Worker:
    """The untrusted side: runs the notebook's cells in IPython and answers the grader's calls
    over the channel."""

    def __init__(self, channel: Channel, shell: Any) -> None:
        self.channel = channel
        self.shell = shell
        self.host = Host(shell.user_ns)
        self.drawings: dict[int, Drawing] = {}  # answer cell index -> its figures being drawn

    def reply(self, request_id: int, value: Any) -> None:
        try:
            enc = encode(value, fallback=self.host.handle_for)
        except (CodecError, RecursionError) as exc:
            enc = encode(RemoteException("EncodingError", f"the value could not be sent back: {exc}"))
        except Exception as exc:  # student objects may fail to convert
            enc = encode(describe_exception(exc, skip_frames=0))
        self.channel.send({"id": request_id, "r": enc.tree}, enc.buffers)

    def invoke_callback(self, ref: int, args: tuple, kwargs: dict) -> Any:
        enc = encode([list(args), kwargs], fallback=self.host.handle_for)
        self.channel.send({"cb": ref, "a": enc.tree}, enc.buffers)
        message, buffers = self.channel.recv()
        value = self.decoder(buffers).decode(message.get("cbr"))
        if isinstance(value, RemoteException):
            raise RuntimeError(f"the test's helper function failed: {value.message}")
        return value

    def decoder(self, buffers: list[bytes]) -> Decoder:
        return Decoder(
            buffers,
            on_handle=self.host.resolve_handle,
            on_callback=self.host.callback_wrapper(self.invoke_callback),
        )

    def run_cell(self, source: str, answer: int | None = None) -> dict[str, Any]:
        """Run one cell; an answer cell (its index in `answer`) also returns what it displayed,
        its figures later (`drawn`)."""
        outputs = None
        if answer is not None:
            protocol = (self.channel.read_fd, self.channel.write_fd)
            result, outputs, drawing = run_capturing(self.shell, source, protocol)
            if drawing is not None:
                self.drawings[answer] = drawing
        else:
            result = self.shell.run_cell(source, store_history=False)
        error = result.error_before_exec or result.error_in_exec
        sys.stdout.flush()
        sys.stderr.flush()
        reply = {"ok": error is None, "error": describe_exception(error, 0) if error else None}
        if outputs is not None:
            reply["outputs"] = outputs
            reply["drawing"] = answer in self.drawings
        return reply

    def handle(self, op: str, a: Any) -> Any:
        if op == "run_cell":
            answer = a.get("answer")
            return self.run_cell(a["source"], answer if type(answer) is int else None)
        if op == "drawn":
            return drawn_outputs(self.drawings.pop(a["cell"], None))
        return self.host.dispatch(op, a)

    def serve(self) -> None:
        self.reply(0, {"ready": True})
        while True:
            try:
                message, buffers = self.channel.recv()
            except ChannelClosed:
                return
            request_id = message.get("id")
            try:
                args = self.decoder(buffers).decode(message.get("a"))
                value = self.handle(message.get("op"), args)
            except Exception as exc:  # report, keep serving
                value = RemoteException("WorkerError", f"{type(exc).__name__}: {exc}")
            self.reply(request_id, value)


def take_protocol_fds() -> Channel:
    """Move the protocol off fds 0/1 so that student output cannot corrupt it."""
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)  # lives as long as the process
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    return Channel(proto_in, proto_out)


def main() -> None:
    if os.environ.get(SANDBOXED_ENV):
        deny_sysv_ipc()  # before any student code: see namespaces.deny_sysv_ipc
    channel = take_protocol_fds()
    install_stand_ins()
    seed_private_cache()
    Worker(channel, make_shell()).serve()


if __name__ == "__main__":
    main()
