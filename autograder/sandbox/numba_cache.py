"""The trusted numba cache: librosa's JIT paid once per machine, not once per process.

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
COMPLETE = ".complete"
WARM_LIBROSA = """
import numpy as np, librosa
y = np.random.default_rng(0).normal(size=8000)
for dtype in (np.float32, np.float64):
    x = y.astype(dtype)
    S = np.abs(librosa.stft(x, n_fft=512)) ** 2
    librosa.power_to_db(S); librosa.amplitude_to_db(np.sqrt(S))
    M = librosa.feature.melspectrogram(y=x, sr=16000, n_fft=512)
    librosa.feature.mfcc(y=x, sr=16000, n_fft=512); librosa.feature.spectral_centroid(y=x, sr=16000)
"""


def cache_dir() -> Path:
    """Per machine and environment: the compiled code depends on the interpreter and packages."""
    base = environment().cache
    digest = hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]
    return base / f"numba-py{sys.version_info.major}{sys.version_info.minor}-{digest}"


def use_trusted_cache() -> None:
    """Point this (trusted) process's numba at the shared cache, unless told otherwise."""
    if SEED_ENV not in os.environ:
        os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))


def build_numba_cache(modules: list[str]) -> Path | None:
    """Build the cache for `modules` in a trusted subprocess if it is not there yet."""
    if "librosa" not in modules:
        return None
    target = cache_dir()
    if (target / COMPLETE).exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(target))
    subprocess.run([sys.executable, "-c", WARM_LIBROSA], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (target / COMPLETE).touch()
    return target


def seed_private_cache() -> None:
    """In the worker, before any student code: copy the read-only seed into the private home."""
    seed = os.environ.get(SEED_ENV)
    private = os.environ.get("NUMBA_CACHE_DIR")
    if seed and private and Path(seed).is_dir() and not Path(private).exists():
        shutil.copytree(seed, private, ignore=shutil.ignore_patterns(COMPLETE))
