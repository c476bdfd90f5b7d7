"""One grade-all per workspace at a time.

The lock is an fcntl lock on `<workspace>/grade-all.lock`, whose text names the last holder (pid,
host, start time) for the refusal message. The kernel drops the lock when its process dies however
it dies, so the file a finished or killed run leaves behind is stale by construction and simply
taken over; its text is only believed while the lock is held.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ..errors import UserError
from .disk import FULL, disk_full

LOCK_NAME = "grade-all.lock"


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text())
        return (f"pid {info['pid']} on {info['host']}, started {info['started']} "
                f"({info['command']})")
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def workspace_lock(workspace: Path, command: str) -> Iterator[Path]:
    """Hold the workspace's grade-all lock, or refuse with one line naming the holder."""
    workspace.mkdir(parents=True, exist_ok=True)
    path = workspace / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"{path}: grade-all is already running on this workspace: "
                            f"{_holder(path)}; wait for it or stop it first") from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command,
                "started": datetime.now(UTC).isoformat(timespec="seconds")}
        text = json.dumps(info).encode()
        try:  # over the old text, then cut: no new block needed on a full disk
            os.pwrite(fd, text, 0)
            os.ftruncate(fd, len(text))
        except OSError as exc:
            if exc.errno in FULL:
                raise disk_full(path) from None
            raise
        yield path
    finally:
        os.close(fd)
