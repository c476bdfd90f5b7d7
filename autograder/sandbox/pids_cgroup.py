"""A process limit that holds when the grader runs as root: one pids cgroup per sandbox.

RLIMIT_NPROC counts the processes of a host user, and the kernel never applies it to host root.
Started by root, bubblewrap maps the sandbox's uid 65534 to host uid 0, so there the rlimit
alone let a test's fork bomb make all the 1,000 processes it asked for against a limit of 256,
on a machine whose pid_max is 32,768: a longer one leaves every grader (and everything else)
unable to fork. The pids
controller counts the processes (and threads) of a cgroup whoever owns them. A sandbox enters
its cgroup before bubblewrap starts (`enter`, between fork and exec), so everything it ever
starts is counted. Without a writable pids controller (not root, a container without cgroups)
there is none, and RLIMIT_NPROC, which then counts an ordinary user's processes, is the limit.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import time
from pathlib import Path

V1_ROOT = Path("/sys/fs/cgroup/pids")  # cgroup v1: the pids hierarchy
V2_ROOT = Path("/sys/fs/cgroup")  # cgroup v2: the unified hierarchy
GROUP = "autograder"
_numbers = itertools.count()


def _enable_v2(parent: Path) -> bool:
    """Let `parent`'s children use the pids controller (cgroup v2 delegates it top-down)."""
    try:
        if "pids" not in (parent / "cgroup.subtree_control").read_text().split():
            (parent / "cgroup.subtree_control").write_text("+pids")
        return True
    except OSError:
        return False


@functools.cache
def _base() -> Path | None:
    """The folder that holds this machine's sandbox cgroups, if the pids controller is usable
    (found once per grading process, which then sweeps what killed ones left there)."""
    base = None
    if (V1_ROOT / "cgroup.procs").is_file():
        with contextlib.suppress(OSError):
            (V1_ROOT / GROUP).mkdir(exist_ok=True)
            if os.access(V1_ROOT / GROUP, os.W_OK):
                base = V1_ROOT / GROUP
    else:
        controllers = V2_ROOT / "cgroup.controllers"
        if controllers.is_file() and "pids" in controllers.read_text().split():
            with contextlib.suppress(OSError):
                (V2_ROOT / GROUP).mkdir(exist_ok=True)
                if _enable_v2(V2_ROOT) and _enable_v2(V2_ROOT / GROUP):
                    base = V2_ROOT / GROUP
    if base is not None:
        _sweep(base)
    return base


def _sweep(base: Path) -> None:
    """Remove the empty cgroups of grading processes that are gone (killed with -9)."""
    for group in base.iterdir():
        owner = group.name.split("-", 1)[0]
        if group.is_dir() and owner.isdigit() and not Path(f"/proc/{owner}").exists():
            with contextlib.suppress(OSError):
                group.rmdir()


class PidsCgroup:
    """One sandbox's cgroup: at most `limit` processes and threads in it at any time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # opened here, so that `enter` between fork and exec is one write with nothing to allocate
        self.procs = os.open(path / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)

    @classmethod
    def make(cls, limit: int) -> PidsCgroup | None:
        """A new cgroup with its limit set, or None where the pids controller is not ours."""
        base = _base()
        if base is None:
            return None
        path = base / f"{os.getpid()}-{next(_numbers)}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(limit))
            return cls(path)
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None

    def enter(self) -> None:
        """Move the calling process in: between fork and exec, before bubblewrap starts."""
        os.write(self.procs, b"0")

    def remove(self, timeout: float = 5.0) -> None:
        """Remove it once its processes are gone (killed ones take a moment to be reaped)."""
        with contextlib.suppress(OSError):
            os.close(self.procs)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # left for the sweep of a later grading process
                time.sleep(0.02)
