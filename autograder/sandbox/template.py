"""The warm template: runs inside bubblewrap, imports the heavy modules once, forks workers.

Trusted code only runs here until a fork. Each worker gets, before any student code:
new user, mount and PID namespaces (siblings cannot be seen, signalled or traced), new IPC and
network namespaces (no SysV or POSIX IPC object, abstract unix socket or loopback port shared with
a sibling; its IPC objects die with it), a private tmpfs as /tmp with its own home and another as
/dev/shm, an empty read-only /dev/pts, a private copy of the numba cache, its resource limits, no
capabilities and no way to regain them. Everything else it sees is read-only (see launch.py).
The process tree of one submission is

    template (subreaper) -> init (PID 1 of the submission's namespace, reaps) -> worker (PID 2)

and the grader stops a submission by asking the template to kill its init, which takes the
whole namespace with it.

Control messages (JSON over a SOCK_SEQPACKET socket, fds passed with SCM_RIGHTS):
grader -> template: {"op": "spawn", "token", "memory", "nproc", "fsize", "tmp"} + 3 fds
(requests, replies, output), {"op": "kill", "token"}; template -> grader: {"ready"},
{"spawned": token}, {"exited": token, "code": exit code}.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
from typing import Any

from . import namespaces as ns
from .exit_status import INIT_FAILED, pass_on
from .host import describe_exception
from .launch import SHM_BYTES, Bubblewrap, ResourceLimits
from .numba_cache import seed_private_cache
from .views import CURRENT, ModuleWithheld, StandIn
from .worker import make_shell

CONTROL_FD_ENV = "AUTOGRADER_CONTROL_FD"
PRELOAD_ENV = "AUTOGRADER_PRELOAD"  # modules to import before forking (JSON list)
WARMUP_ENV = "AUTOGRADER_WARMUP"  # the assignment's trusted warm-up code
REBIND_ENV = "AUTOGRADER_REBIND"  # [[kept copy, original path under /tmp], ...]
DATA_DIR = "/opt/autograder/data"
HOME = Bubblewrap.HOME  # the same home as a cold worker

BASE_MODULES = ("numpy", "IPython.core.interactiveshell", "matplotlib.pyplot")


def warm_up(preload: list[str], warmup: str) -> None:
    """Import what every worker needs and what the assignment preloads, then run its trusted
    warm-up code (source/<id>/warmup.py), so that forked workers start hot. The course's modules
    are named by the assignment, never here."""
    for name in [*BASE_MODULES, *preload]:
        importlib.import_module(name)
    shell = make_shell()  # each forked worker finds its own copy (saves ~40 ms per submission)
    _draw_once()
    if warmup:
        exec(compile(warmup, "warmup.py", "exec"), {"__name__": "__warmup__"})  # trusted: the course's
    _run_first_cells(shell)  # last: a traceback maps every module imported so far to its file


def _run_first_cells(shell: Any) -> None:
    """Run a cell and format the errors a failing cell gives (an exception, one raised by a
    withheld module's stand-in, a syntax error), as a worker does: IPython builds its cell
    machinery and its verbose traceback's parts on first use, which every forked worker
    otherwise does again (measured: the first cell 8-12 ms instead of 0.5, the first error
    80 ms instead of 8). Nothing of it stays where a student's code could see it."""
    shell.run_cell("%matplotlib inline", store_history=False)  # our no-op: see make_shell
    for failing in ("def failing():\n    return 1 / 0\nfailing()",
                    "StandIn('warm_up.stand_in')()"):
        try:
            exec(compile(failing, "<warm-up>", "exec"), {"StandIn": StandIn})
        except (ZeroDivisionError, ModuleWithheld) as exc:
            shell.InteractiveTB.structured_traceback(type(exc), exc, exc.__traceback__)
            describe_exception(exc)
    CURRENT.refused = None
    try:
        compile("1 +", "<warm-up>", "exec")
    except SyntaxError as exc:
        shell.SyntaxTB.structured_traceback(type(exc), exc, exc.__traceback__)


def _draw_once() -> None:
    """Draw and save one figure through matplotlib's lazily built parts (fonts and their glyphs,
    the mathtext parser that log-scale ticks use, contours, tight layout, PNG), which otherwise
    every forked worker builds again on its first plot: measured, 0.14 s of gradient_descent's
    cells."""
    import io

    import matplotlib.pyplot as plt
    import numpy as np

    grid = np.linspace(1.0, 2.0, 8)
    figure, axes = plt.subplots(1, 3)
    axes[0].contour(*np.meshgrid(grid, grid), np.outer(grid, grid), levels=3)
    axes[0].set(title="θ₂ ŷ", xlabel="x", ylabel="y")
    for log_axes, low in zip(axes[1:], (-12.0, 0.0), strict=True):  # log tick labels: mathtext
        log_axes.loglog(grid, grid, ":", marker=".", label="θ₁")
        log_axes.set(xlim=(10 ** low, 10 ** (low + 12)), ylim=(10 ** low, 10 ** (low + 12)))
    axes[1].legend()
    figure.tight_layout()
    figure.savefig(io.BytesIO(), format="png")  # as display_capture saves answer figures
    plt.close("all")


def _send(ctl: socket.socket, message: dict[str, Any]) -> None:
    ctl.send(json.dumps(message).encode())


def _run_init(fds: list[int], request: dict[str, Any]) -> None:
    """PID 1 of the submission's namespace: private mounts, limits, then fork the worker."""
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        ns.mount_tmpfs("/tmp", int(request["tmp"]))
        ns.mount_tmpfs("/dev/shm", SHM_BYTES)  # POSIX shared memory: its own, gone with it
        ns.mount_tmpfs("/dev/pts", 4096, read_only=True)  # no pseudo-terminals to share
        for kept, original in json.loads(os.environ.get(REBIND_ENV, "[]")):
            os.makedirs(original, exist_ok=True)  # e.g. a virtualenv that lives under /tmp
            ns.bind_mount(kept, original)
        os.makedirs(HOME)
        if os.path.isdir(DATA_DIR):
            os.symlink(DATA_DIR, f"{HOME}/data")
        seed_private_cache()
        os.chdir(HOME)
        ns.prctl(ns.PR_SET_DUMPABLE, 0)
        ns.drop_capabilities()
        worker = os.fork()
        if worker == 0:
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            os.closerange(3, 65536)
            ResourceLimits(int(request["memory"]), int(request["nproc"]), int(request["fsize"])).apply(True)
            from .worker import main

            main()
            os._exit(0)
        for fd in fds:
            os.close(fd)
        while True:
            pid, status = os.wait()
            if pid == worker:
                os._exit(pass_on(os.waitstatus_to_exitcode(status)))
    except BaseException:  # never return into the template's loop
        os._exit(INIT_FAILED)


def spawn(ctl: socket.socket, fds: list[int], request: dict[str, Any]) -> int:
    """Fork a submission's namespace; returns the pid of its init (in the template's view), or
    -1 when it cannot (the grader sees the pipes' end and the answer says so)."""
    try:
        return _fork_namespace(ctl, fds, request)
    except OSError:  # the running submission used up the process limit: a spare's fork fails
        return -1
    finally:
        for fd in fds:
            os.close(fd)


def _fork_namespace(ctl: socket.socket, fds: list[int], request: dict[str, Any]) -> int:
    """A middle process enters the new namespaces, forks their init and says its pid."""
    uid, gid = os.getuid(), os.getgid()
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb", buffering=0) as answer:
        try:
            middle = os.fork()
        except OSError:
            os.close(write_end)
            raise
        if middle == 0:
            try:
                ctl.close()
                answer.close()
                ns.unshare(ns.CLONE_NEWUSER | ns.CLONE_NEWNS | ns.CLONE_NEWPID | ns.CLONE_NEWIPC
                           | ns.CLONE_NEWNET)
                ns.map_ids_to_self(uid, gid)
                init = os.fork()
                if init == 0:
                    os.close(write_end)
                    _run_init(fds, request)
                os.write(write_end, str(init).encode())
            finally:
                os._exit(0)
        os.close(write_end)
        os.waitpid(middle, 0)
        text = answer.read(32)
    return int(text) if text else -1


def serve(ctl: socket.socket) -> None:
    """Answer the grader; a child's exit wakes the loop at once (SIGCHLD through a pipe)."""
    tokens: dict[int, Any] = {}
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    while True:
        ready, _, _ = select.select([ctl, wake_read], [], [], 5.0)
        if wake_read in ready:
            _drain(wake_read)
        _reap(ctl, tokens)
        if ctl not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(ctl, 65536, 3)
        if not data:
            return
        _answer(ctl, json.loads(data), fds, tokens)


def _drain(fd: int) -> None:
    """Empty the wake-up pipe: its bytes only say that a signal came."""
    while True:
        try:
            if not os.read(fd, 4096):
                return
        except BlockingIOError:
            return


def _reap(ctl: socket.socket, tokens: dict[int, Any]) -> None:
    """Tell the grader about every submission whose init has exited."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in tokens:
            _send(ctl, {"exited": tokens.pop(pid), "code": os.waitstatus_to_exitcode(status)})


def _answer(ctl: socket.socket, request: dict[str, Any], fds: list[int],
            tokens: dict[int, Any]) -> None:
    """One request of the grader: fork a submission, or kill one."""
    if request.get("op") == "spawn" and len(fds) == 3:
        pid = spawn(ctl, fds, request)
        if pid > 0:
            tokens[pid] = request["token"]
        _send(ctl, {"spawned": request["token"], "ok": pid > 0})
    elif request.get("op") == "kill":
        for pid, token in tokens.items():
            if token == request.get("token"):
                os.kill(pid, signal.SIGKILL)
    else:
        for fd in fds:
            os.close(fd)

def main() -> None:
    ctl = socket.socket(fileno=int(os.environ[CONTROL_FD_ENV]))
    ns.prctl(ns.PR_SET_CHILD_SUBREAPER, 1)
    ns.prctl(ns.PR_SET_DUMPABLE, 0)
    seed_private_cache()
    warm_up(json.loads(os.environ.pop(PRELOAD_ENV, "[]")), os.environ.pop(WARMUP_ENV, ""))
    sys.stdout.flush()
    gc.freeze()  # the warm objects: a worker's collections never touch (and so copy) their pages
    _send(ctl, {"ready": True})
    serve(ctl)


if __name__ == "__main__":
    main()
