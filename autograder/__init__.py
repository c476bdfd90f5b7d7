"""Autograder for the course "Deep Learning for Audio"."""

from .sandbox.numba_cache import use_trusted_cache

__version__ = "0.1.0"

use_trusted_cache()  # before anything imports numba: librosa's JIT is paid once per machine
