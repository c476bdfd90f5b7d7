"""Writing result files so that a full disk costs one clear line and leaves nothing half-written."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from ..errors import UserError

FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def disk_full(path: Path | str) -> UserError:
    return UserError(f"{path}: no space left on the device; nothing partial was kept: free some "
                     "space and run the same command again (finished results are saved)")


def write_atomically(path: Path, text: str) -> None:
    """The whole file or none of it: written beside its place, then renamed over it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        if exc.errno in FULL:
            raise disk_full(path) from None
        raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(scratch, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(scratch)
        if isinstance(exc, OSError) and exc.errno in FULL:
            raise disk_full(path) from None
        raise
