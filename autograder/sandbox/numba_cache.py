"""The trusted numba cache: what an assignment's warm-up JIT-compiles, paid once per machine.

Only trusted processes (the grader, or a warm-up it starts before any student code) write the
cache. A worker gets a private copy in its own temp home, so a submission can poison nothing but
itself: numba's cache files are pickles and must never be shared writable between students.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..environment import environment

SEED_ENV = "AUTOGRADER_NUMBA_SEED"
COMPLETE = ".complete"  # at least one warm-up has finished here
BUILT = ".built-"  # + hash of the warm-up code that filled it


def cache_dir() -> Path:
    """Per machine and environment: the compiled code depends on the interpreter and packages."""
    base = environment().cache
    digest = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    return base / f"numba-py{sys.version_info.major}{sys.version_info.minor}-{digest}"


def use_trusted_cache() -> None:
    """Point this (trusted) process's numba at the shared cache, unless told otherwise."""
    if SEED_ENV not in os.environ:
        os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))


def build_numba_cache(warmup: str) -> Path | None:
    """Run an assignment's trusted warm-up code (source/<id>/warmup.py) once per machine in a
    trusted subprocess, so that what it JIT-compiles (librosa's numba functions) is cached."""
    if not warmup:
        return None
    target = cache_dir()
    built = target / f"{BUILT}{hashlib.sha256(warmup.encode()).hexdigest()[:12]}"
    if built.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(target))
    subprocess.run([sys.executable, "-c", warmup], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    built.touch()
    (target / COMPLETE).touch()
    return target


def seed_private_cache() -> None:
    """In the worker, before any student code: mirror the read-only seed into the private home.

    Each file is a symbolic link into the seed, which is mounted read-only: numba reads through
    it, and writes a new index or entry as a new file that replaces the link (it writes a
    temporary file and renames it), so nothing a submission does reaches the seed or another
    submission. Copying the files cost ~7 ms of every worker's start."""
    seed = os.environ.get(SEED_ENV)
    private = os.environ.get("NUMBA_CACHE_DIR")
    if seed and private and Path(seed).is_dir() and not Path(private).exists():
        shutil.copytree(seed, private, copy_function=os.symlink,
                        ignore=shutil.ignore_patterns(COMPLETE, f"{BUILT}*"))
