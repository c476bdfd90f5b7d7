"""How a worker process is started: the run contract's "limits in" half.

`Launcher.command()` gives the argv and environment; `WorkerProcess` (process.py) runs it. Two
kinds: `NoSandbox` (the TA said `--sandbox none`, or a student checks on a laptop) and
`Bubblewrap` (own network, IPC and PID namespaces, read-only system, private /tmp and /dev/shm,
uid 65534 with no capabilities, cleared environment). The course tree is never mounted: only the
interpreter, the virtual environment and the autograder package itself. bubblewrap's own root
and /dev are tmpfs mounts that stay writable unless told otherwise: both are remounted read-only,
so /tmp and /dev/shm are the only places a worker can write (bubblewrap's options:
https://github.com/containers/bubblewrap/blob/main/bwrap.xml).
"""

from __future__ import annotations

import contextlib
import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import autograder

from ..errors import UserError
from .namespaces import PR_SET_PDEATHSIG, prctl
from .numba_cache import COMPLETE, SEED_ENV, cache_dir
from .pids_cgroup import PidsCgroup
from .transport import SandboxError
from .views import FULL_VIEW, WorkerView, hidden_paths, view_environment

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS")
SANDBOX_ETC = ("alternatives", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime",
               "fonts", "mime.types", "ssl", "passwd", "group", "nsswitch.conf")
WORKER_MODULE = "autograder.sandbox.worker"
SANDBOXED_ENV = "AUTOGRADER_SANDBOXED"  # set inside bubblewrap: the worker denies System V IPC
SHM_BYTES = 256 * 1024 * 1024  # a worker's /dev/shm (POSIX shared memory), on top of its /tmp
STOPPED = "the grading was stopped (the batch was interrupted)"
OWN_PROCESSES = 32  # the sandbox's own processes and threads (bubblewrap, init, a template's)


def numba_seed() -> Path | None:
    """The trusted numba cache, if a warm-up has completed it."""
    seed = cache_dir()
    return seed if (seed / COMPLETE).exists() else None


def worker_environment(home: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The whole environment a worker sees: nothing inherited from the grader."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{home}/.matplotlib",
        "NUMBA_CACHE_DIR": f"{home}/.numba",
        "TORCH_HOME": f"{home}/.torch",
        "KMP_WARNINGS": "0",
        "AUTOGRADER_WORKER": "1",
        # keep freed tensors' memory instead of unmapping it: a fresh worker otherwise pays
        # ~1.5 million page faults (3 s) in its first training run (glibc's dynamic threshold)
        "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
        "MALLOC_TRIM_THRESHOLD_": str(256 * 1024 * 1024),
    }
    env.update({name: "1" for name in THREAD_VARIABLES})
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class ResourceLimits:
    """Resource limits applied to the worker process (inherited by everything it starts)."""

    memory_bytes: int
    max_processes: int = 256
    max_file_bytes: int = 256 * 1024 * 1024

    def apply(self, sandboxed: bool) -> None:
        """Runs in the child between fork and exec. The process cap only inside the sandbox,
        where it counts the sandbox user's processes rather than a student's whole desktop (and
        counts nothing when that user is host root: see pids_cgroup.py).
        Outside it (a student's laptop) a limit the system refuses, as macOS does, is skipped."""
        limits = [(resource.RLIMIT_AS, self.memory_bytes), (resource.RLIMIT_FSIZE, self.max_file_bytes),
                  (resource.RLIMIT_CORE, 0)]
        if sandboxed:
            limits.append((resource.RLIMIT_NPROC, self.max_processes))
        for kind, value in limits:
            try:
                resource.setrlimit(kind, (value, value))
            except (ValueError, OSError):
                if sandboxed:
                    raise


class Spawned:
    """A started worker as the grader holds it: three pipes and a way to stop it."""

    def __init__(self, request_fd: int, reply_fd: int, output_fd: int) -> None:
        self.request_fd = request_fd
        self.reply_fd = reply_fd
        self.output_fd = output_fd

    def wait(self, timeout: float) -> int | None:
        """Exit status if the worker has ended (negative: killed by that signal)."""
        return None

    def kill(self) -> None:
        """Stop the worker and everything it started."""

    def kill_soon(self) -> None:
        """Ask for the worker to be killed without waiting: safe from another thread."""

    def grader_failure(self) -> str | None:
        """Why the worker's death was the trusted side's doing, if it was (after `wait`)."""
        return None

    def close(self) -> None:
        for fd in (self.request_fd, self.reply_fd, self.output_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


class PopenWorker(Spawned):
    """A worker that is a child process of the grader (bare or in its own bubblewrap)."""

    def __init__(self, proc: subprocess.Popen[bytes], workdir: Path, launcher: Launcher,
                 cgroup: PidsCgroup | None = None) -> None:
        assert proc.stdin and proc.stdout and proc.stderr
        super().__init__(proc.stdin.fileno(), proc.stdout.fileno(), proc.stderr.fileno())
        self.proc = proc
        self.workdir = workdir
        self.launcher = launcher
        self.cgroup = cgroup

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        self.kill_soon()
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        self.proc.wait()

    def kill_soon(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def grader_failure(self) -> str | None:
        return STOPPED if self.launcher.stopped else None

    def close(self) -> None:
        self.launcher.forget(self)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.cgroup is not None:
            self.cgroup.remove()


class Launcher:
    """Starts workers: `spawn` gives a running worker with its limits applied."""

    name = "abstract"
    sandboxed = False

    def __init__(self) -> None:
        self.stopped = False  # `interrupt` ended the grading in progress; `resume` for the next
        self._running: set[PopenWorker] = set()  # started and not yet closed
        self._running_lock = threading.Lock()  # `interrupt` comes from another thread

    def spawn(self, data: Path | None, limits: ResourceLimits,
              view: WorkerView = FULL_VIEW) -> Spawned:
        """Start a worker with `view` of the packages (what a warm launcher preloads is ignored
        by the others)."""
        if self.stopped:
            raise SandboxError(STOPPED)
        workdir = Path(tempfile.mkdtemp(prefix="autograder-worker-"))
        argv, env, cwd = self.command(workdir, data, view)
        sandboxed = self.sandboxed
        cgroup = PidsCgroup.make(limits.max_processes + OWN_PROCESSES) if sandboxed else None
        proc = start_process(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, cwd=cwd, start_new_session=True, close_fds=True,
            preexec_fn=lambda: _in_child(limits, sandboxed, cgroup),
        )
        worker = PopenWorker(proc, workdir, self, cgroup)
        with self._running_lock:
            self._running.add(worker)
        if self.stopped:  # interrupted while it started: it must not run the grading on
            worker.kill_soon()
        return worker

    def forget(self, worker: PopenWorker) -> None:
        with self._running_lock:
            self._running.discard(worker)

    def interrupt(self) -> None:
        """End the grading in progress, from another thread: its workers are killed, their loss
        is the grader's (`SandboxError`, never the student's), and no worker starts again until
        `resume`."""
        self.stopped = True
        with self._running_lock:
            running = list(self._running)
        for worker in running:
            worker.kill_soon()

    def resume(self) -> None:
        """Workers may start again (the next grading after an `interrupt`)."""
        self.stopped = False

    def processes(self) -> list[int]:
        """Pids of the long-lived sandbox processes this launcher keeps (its warm templates)."""
        return []

    def close(self) -> None:
        """Release what the launcher holds (the warm template, if any)."""

    def command(self, workdir: Path, data: Path | None = None,
                view: WorkerView = FULL_VIEW) -> tuple[list[str], dict[str, str], Path]:
        """argv, environment and working directory for a worker using `workdir` as its home;
        the assignment's `data` folder (if any) appears read-only as ./data."""
        raise NotImplementedError


class NoSandbox(Launcher):
    """A bare worker process: for students' laptops and for TAs who say `--sandbox none`."""

    name = "none"

    def command(self, workdir: Path, data: Path | None = None,
                view: WorkerView = FULL_VIEW) -> tuple[list[str], dict[str, str], Path]:
        """Stand-ins only: without a sandbox the withheld packages stay on disk (not enforced)."""
        env = worker_environment(str(workdir), view_environment(view))
        seed = numba_seed()
        if seed is not None:
            env[SEED_ENV] = str(seed)
        if data is not None:
            shutil.copytree(data, workdir / "data")
        package_parent = str(Path(autograder.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = package_parent
        return [sys.executable, "-m", WORKER_MODULE], env, workdir


class Bubblewrap(Launcher):
    """A fresh bubblewrap sandbox per worker (the cold launcher): read-only system, no network,
    uid 65534, no capabilities."""

    name = "bwrap"
    sandboxed = True
    HOME = "/tmp/home"
    SEED = "/opt/autograder/numba-seed"

    def __init__(self, tmp_size_mb: int = 512) -> None:
        super().__init__()
        self.bwrap = shutil.which("bwrap")
        if self.bwrap is None:
            raise UserError("bubblewrap (bwrap) is not installed: run `apt-get install bubblewrap` "
                            "as root, or grade with `--sandbox none` if you trust every submission")
        self.tmp_size = tmp_size_mb * 1024 * 1024

    def mounts(self) -> list[str]:
        args: list[str] = ["--ro-bind", "/usr", "/usr"]
        for top in ("bin", "lib", "lib64", "sbin", "lib32", "libx32"):
            path = Path("/") / top
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), str(path)]
            elif path.is_dir():
                args += ["--ro-bind", str(path), str(path)]
        for name in SANDBOX_ETC:
            if (Path("/etc") / name).exists():
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        for path in self.bound_paths():
            args += ["--ro-bind", path, path]
        return args

    @staticmethod
    def bound_paths() -> list[str]:
        """The interpreter, the virtual environment and the autograder package: nothing else."""
        seen: list[Path] = []
        for prefix in (sys.base_prefix, sys.prefix, _package_root()):
            path = Path(prefix).resolve()
            if not any(path.is_relative_to(s) for s in seen) and not _is_under_usr(path):
                seen.append(path)
        return [str(p) for p in seen]

    def isolation(self) -> list[str]:
        """Namespaces, identity, capabilities and the read-only view of the system."""
        return [
            "--unshare-user", "--uid", "65534", "--gid", "65534",
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
            "--size", str(self.tmp_size), "--tmpfs", "/tmp",
            *self.mounts(),
            "--proc", "/proc", "--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",
        ]

    def environment(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return worker_environment(self.HOME, {"PYTHONPATH": str(Path(_package_root()).parent),
                                              SANDBOXED_ENV: "1", **(extra or {})})

    def inputs(self, data: Path | None, data_target: str, env: dict[str, str],
               view: WorkerView) -> list[str]:
        """Read-only binds of the assignment's data and the trusted numba cache (noted in env).

        A view that withholds packages gets no numba cache: it holds their compiled code."""
        binds = ["--ro-bind", str(data.resolve()), data_target] if data else []
        seed = numba_seed()
        if seed is not None and not view.withheld:
            binds += ["--ro-bind", str(seed), self.SEED]
            env[SEED_ENV] = self.SEED
        return binds

    def argv(self, binds: list[str], env: dict[str, str], module: str) -> list[str]:
        """The whole bubblewrap command line running `python -m module` inside."""
        argv = [self.bwrap or "bwrap", *self.isolation(), *binds, "--remount-ro", "/"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        return argv + [sys.executable, "-m", module]

    def withhold(self, view: WorkerView, also: dict[str, str] | None = None) -> list[str]:
        """Cover the withheld packages with empty read-only mounts wherever the sandbox sees
        them; `also` maps a bound path to a second place it is mounted (see template_launcher)."""
        args: list[str] = []
        for path in hidden_paths(view.withheld, self.bound_paths()):
            targets = [str(path)] + [f"{kept}{str(path)[len(original):]}"
                                     for original, kept in (also or {}).items()
                                     if path.is_relative_to(original)]
            for target in targets:
                if path.is_dir():
                    args += ["--tmpfs", target, "--remount-ro", target]
                else:
                    args += ["--ro-bind", _empty_file(), target]
        return args

    def command(self, workdir: Path, data: Path | None = None,
                view: WorkerView = FULL_VIEW) -> tuple[list[str], dict[str, str], Path]:
        env = self.environment(view_environment(view))
        binds = ["--dir", self.HOME, *self.inputs(data, f"{self.HOME}/data", env, view),
                 *self.withhold(view), "--chdir", self.HOME]
        return self.argv(binds, env, WORKER_MODULE), {}, workdir


@functools.cache
def _starter(pid: int) -> ThreadPoolExecutor:
    """This process's starter thread (per pid: a forked child has none of its parent's threads)."""
    return ThreadPoolExecutor(1, thread_name_prefix=f"sandbox starter {pid}")


def start_process(argv: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen`, always from one thread that lives as long as the grading process.

    A sandbox dies with what started it (PR_SET_PDEATHSIG here, bubblewrap's
    --die-with-parent), and the kernel sends that signal when the *thread* that forked it ends:
    a worker started from a short-lived thread (one submission's views run side by side) would be
    killed with that thread."""
    return _starter(os.getpid()).submit(subprocess.Popen, argv, **options).result()


def _in_child(limits: ResourceLimits, sandboxed: bool, cgroup: PidsCgroup | None = None) -> None:
    """Between fork and exec: the limits, and death with the grader that started the worker
    (a killed grading process must not leave a student's code running, sandboxed or not)."""
    if sys.platform == "linux":
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if cgroup is not None:
        cgroup.enter()
    limits.apply(sandboxed)


def _package_root() -> str:
    return str(Path(autograder.__file__).resolve().parent)


@functools.cache
def _empty_file() -> str:
    """An empty file to bind over a withheld module file (kept for the life of the grader)."""
    fd, path = tempfile.mkstemp(prefix="autograder-withheld-")
    os.close(fd)
    os.chmod(path, 0o444)
    return path


def _is_under_usr(path: Path) -> bool:
    return path.is_relative_to("/usr")
