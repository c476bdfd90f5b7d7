"""Grader side of the warm template: one bubblewrap sandbox per batch, one fork per submission.

Import and JIT costs (torch, librosa) are paid once when the template starts; each submission
then costs a fork. The template is keyed by what it warmed and which data it mounts, and is
restarted if either changes or if it died.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .exit_status import worker_code
from .launch import OWN_PROCESSES, Bubblewrap, Launcher, ResourceLimits, Spawned, start_process
from .pids_cgroup import PidsCgroup
from .template import CONTROL_FD_ENV, DATA_DIR, PRELOAD_ENV, REBIND_ENV, WARMUP_ENV
from .transport import SandboxError
from .views import FULL_VIEW, WorkerView, view_environment

TMP_BYTES = 512 * 1024 * 1024
SPARE_WAIT = 30.0  # seconds a spare still starting is waited for before a fresh fork is asked
KEEP_DIR = "/opt/autograder/keep"


class TemplateWorker(Spawned):
    """A worker forked by the template: its pipes, and its end as the template reports it."""

    def __init__(self, launcher: TemplateLauncher, token: int, fds: tuple[int, int, int]) -> None:
        super().__init__(*fds)
        self.launcher = launcher
        self.token = token

    def wait(self, timeout: float) -> int | None:
        return self.launcher.exit_code(self.token, timeout)

    def kill(self) -> None:
        self.launcher.kill(self.token)

    def kill_soon(self) -> None:
        self.launcher.kill_soon(self.token)

    def grader_failure(self) -> str | None:
        """The worker died with its template (killed, e.g. by the OOM killer): not the student."""
        if self.token in self.launcher.finished:
            return None  # the template reported the worker's own exit: it was alive
        if self.launcher.template_alive():
            return None
        return f"the warm sandbox template died under the worker: {self.launcher.log_tail()}"


@dataclass
class Asked:
    """A worker asked of the template, whose answer may still be on its way."""

    token: int
    request: dict[str, Any]
    fds: tuple[int, int, int]  # the grader's ends: requests, replies, output

    def discard(self) -> None:
        for fd in self.fds:
            os.close(fd)


class TemplateLauncher(Launcher):
    """One warm template in bubblewrap (template.py), asked over a socket to fork each worker.

    Each worker handed out is followed by a request for the next one (`spare`), so that a
    worker's start (its namespaces, mounts and interpreter set-up, ~20 ms) happens while the
    previous submission runs. A spare is a fresh fork of the template like any other: it has run
    no student code and shares nothing with the worker before it."""

    name = "bwrap"
    sandboxed = True

    def __init__(self, startup_timeout: float = 300.0) -> None:
        super().__init__()
        self.cold = Bubblewrap()
        self.startup_timeout = startup_timeout
        self.key: tuple | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.ctl: socket.socket | None = None
        self.log = tempfile.TemporaryFile()
        self.tokens = 0
        self.exits: dict[int, int] = {}
        self.finished: set[int] = set()
        self.last_started = 0.0
        self.broken = False  # the control socket ended: the template is gone
        self.cgroup: PidsCgroup | None = None
        self.answers: dict[int, dict] = {}  # "spawned" answers not yet taken
        self.spare: Asked | None = None

    # -- the template -----------------------------------------------------------------------
    def _command(self, data: Path | None, view: WorkerView, control_fd: int) -> list[str]:
        env = self.cold.environment({PRELOAD_ENV: json.dumps(list(view.preload)),
                                     WARMUP_ENV: view.warmup, CONTROL_FD_ENV: str(control_fd),
                                     **view_environment(view)})
        extra = self.cold.inputs(data, DATA_DIR, env, view)
        rebind = [(f"{KEEP_DIR}/{i}", path) for i, path in enumerate(self.cold.bound_paths())
                  if Path(path).is_relative_to("/tmp")]
        for kept, original in rebind:  # a worker's private /tmp would hide these: keep a view
            extra += ["--ro-bind", original, kept]
        extra += self.cold.withhold(view, {original: kept for kept, original in rebind})
        env[REBIND_ENV] = json.dumps(rebind)
        return self.cold.argv(extra, env, "autograder.sandbox.template")

    def _start(self, data: Path | None, view: WorkerView, max_processes: int) -> None:
        self.close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        started = time.monotonic()
        # the template and the one submission it runs at a time share one process limit
        self.cgroup = PidsCgroup.make(max_processes + OWN_PROCESSES)
        enter = self.cgroup.enter if self.cgroup is not None else None
        self.proc = start_process(
            self._command(data, view, theirs.fileno()), stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=self.log, pass_fds=[theirs.fileno()], start_new_session=True,
            preexec_fn=enter,
            env={})  # bubblewrap's own environment is readable in /proc inside: keep it empty
        theirs.close()
        self.ctl = ours
        self.broken = False
        message = self._receive(lambda m: "ready" in m, self.startup_timeout)
        if message is None:
            self.close()
            raise SandboxError(f"the warm template did not start: {self.log_tail()}")
        self.key = (data, view)
        self.last_started = time.monotonic() - started

    def log_tail(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else "no output"

    def _receive(self, wanted: Any, timeout: float) -> dict | None:
        """Read control messages until one matches `wanted`; exit reports and answers to spawn
        requests are kept on the way."""
        deadline = time.monotonic() + timeout
        while self.ctl is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self.ctl], [], [], remaining)
            if not ready:
                return None
            try:
                data = self.ctl.recv(65536)
            except OSError:  # reset: the template died with our messages unread
                data = b""
            if not data:
                self.broken = True
                return None
            message = json.loads(data)
            if "exited" in message:
                self.exits[message["exited"]] = message["code"]
                self.finished.add(message["exited"])
            if "spawned" in message:
                self.answers[message["spawned"]] = message
            if wanted(message):
                return message
        return None

    # -- the launcher contract ----------------------------------------------------------------
    def spawn(self, data: Path | None, limits: ResourceLimits,
              view: WorkerView = FULL_VIEW) -> Spawned:
        key = (data, view)
        if self.key != key or self.broken or self.proc is None or self.proc.poll() is not None:
            self._start(data, view, limits.max_processes)
        request = {"op": "spawn", "memory": limits.memory_bytes, "nproc": limits.max_processes,
                   "fsize": limits.max_file_bytes, "tmp": TMP_BYTES}
        worker = self._take_spare(request) or self._answered(self._ask(request))
        with contextlib.suppress(OSError):  # the next one starts while this one runs
            self.spare = self._ask(request)
        return worker

    def _take_spare(self, request: dict[str, Any]) -> TemplateWorker | None:
        """The spare, if it is a living worker made for these limits; else it is let go (it
        ends when it reads the end of its requests) and None.

        A spare is forked while another submission runs, which may have used up the process
        limit (the fork failed) or memory (the OOM killer took the spare): the student then
        gets a fresh fork, as without a spare, never a worker that is dead on arrival."""
        spare, self.spare = self.spare, None
        if spare is None:
            return None
        if self._forked(spare) and spare.request == request and _living(spare.fds[1], SPARE_WAIT):
            return TemplateWorker(self, spare.token, spare.fds)
        spare.discard()
        return None

    def _ask(self, request: dict[str, Any]) -> Asked:
        """Send the template a spawn request with a new worker's pipes; do not wait."""
        assert self.ctl is not None
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        output_r, output_w = os.pipe()
        self.tokens += 1
        asked = Asked(self.tokens, request, (request_w, reply_r, output_r))
        try:
            socket.send_fds(self.ctl, [json.dumps({**request, "token": asked.token}).encode()],
                            [request_r, reply_w, output_w])
        except OSError:
            asked.discard()
            raise
        finally:
            for fd in (request_r, reply_w, output_w):
                os.close(fd)
        return asked

    def _forked(self, asked: Asked) -> bool:
        """Whether the template says it forked the worker asked for (its answer, waited for)."""
        if asked.token not in self.answers:
            self._receive(lambda m: m.get("spawned") == asked.token, 30)
        answer = self.answers.pop(asked.token, None)
        return answer is not None and bool(answer.get("ok"))

    def _answered(self, asked: Asked) -> TemplateWorker:
        """The worker once the template says it forked it."""
        if not self._forked(asked):
            asked.discard()
            self.key = None
            raise SandboxError(f"the warm template could not fork a worker: {self.log_tail()}")
        return TemplateWorker(self, asked.token, asked.fds)

    def exit_code(self, token: int, timeout: float) -> int | None:
        if token not in self.finished:
            self._receive(lambda m: m.get("exited") == token, timeout)
        code = self.exits.pop(token, None)
        return worker_code(code)

    def template_alive(self) -> bool:
        """Whether the template still answers (waits briefly for bubblewrap to finish dying)."""
        if self.proc is None or self.broken:
            return False
        try:
            self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return True
        return False

    def kill_soon(self, token: int) -> None:
        """Ask the template to kill a worker without waiting for it: one datagram, thread-safe."""
        ctl = self.ctl
        if ctl is not None:
            with contextlib.suppress(OSError):
                ctl.send(json.dumps({"op": "kill", "token": token}).encode())

    def kill(self, token: int) -> None:
        if self.ctl is None or token in self.finished:
            return
        with contextlib.suppress(OSError):
            self.ctl.send(json.dumps({"op": "kill", "token": token}).encode())
        self._receive(lambda m: m.get("exited") == token, 10)

    def close(self) -> None:
        if self.spare is not None:
            self.spare.discard()
            self.spare = None
        self.answers.clear()
        if self.ctl is not None:
            self.ctl.close()
            self.ctl = None
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, 9)
            self.proc.wait()
            self.proc = None
        if self.cgroup is not None:
            self.cgroup.remove()
            self.cgroup = None
        self.key = None


def _living(reply_fd: int, timeout: float) -> bool:
    """Whether a worker has said it is ready and is still there: its reply pipe holds its first
    message and is not closed (a dead worker's end is; its message may still be in the pipe)."""
    poller = select.poll()
    poller.register(reply_fd, select.POLLIN)
    events = poller.poll(timeout * 1000)
    return bool(events) and not events[0][1] & (select.POLLHUP | select.POLLERR)


class TemplatePool(Launcher):
    """One warm template per (data, view): a question that withholds torch forks from a
    template that never imported it, the CNN question from one that did."""

    name = "bwrap"
    sandboxed = True
    MAX_TEMPLATES = 4

    def __init__(self) -> None:
        super().__init__()
        self.templates: dict[tuple, TemplateLauncher] = {}
        self.lock = threading.Lock()  # one submission's views spawn from threads of their own

    def spawn(self, data: Path | None, limits: ResourceLimits,
              view: WorkerView = FULL_VIEW) -> Spawned:
        key = (data, view)
        with self.lock:
            if key not in self.templates:
                while len(self.templates) >= self.MAX_TEMPLATES:
                    self.templates.pop(next(iter(self.templates))).close()
                self.templates[key] = TemplateLauncher()
            template = self.templates[key]
        return template.spawn(data, limits, view)

    def processes(self) -> list[int]:
        """Pids of the running templates (bubblewrap's), for tests that look for leftovers."""
        return [t.proc.pid for t in self.templates.values() if t.proc is not None]

    def interrupt(self) -> None:
        """Kill the warm templates, and with them the submission's workers, as the OOM killer
        would: the grading ends at once as a grader-error, and the next spawn starts a template
        again."""
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    def close(self) -> None:
        for template in self.templates.values():
            template.close()
        self.templates.clear()
