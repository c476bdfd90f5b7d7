"""Reference values computed once per grading process, for tests whose inputs are fixed.

A grading process keeps its test session from one submission to the next (runner.KeptSession),
so a reference that depends only on the test's own fixed inputs (a seed, a constant array) need
not be computed again for every student: measured, the convolutions tests spent 1.5 s of every
submission drawing the same held-out sound sets. Arguments are compared by value (arrays by
dtype, shape and bytes); the arrays of a result are read-only, so that no test can change what
the next submission is compared with.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def _key(value: Any) -> Hashable:
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, *map(_key, value))
    if isinstance(value, dict):
        return ("dict", *((k, _key(v)) for k, v in sorted(value.items())))
    hash(value)  # an unhashable argument is a TypeError here, not a wrong cache hit later
    return value


def _frozen(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value = value.copy()
        value.flags.writeable = False
        return value
    if isinstance(value, (tuple, list)):
        return tuple(_frozen(v) for v in value)
    return value


def reference(function: Callable[..., T]) -> Callable[..., T]:
    """Decorate a test module's reference function: computed once per distinct arguments."""
    cache: dict[Hashable, Any] = {}

    @functools.wraps(function)
    def cached(*args: Any, **kwargs: Any) -> T:
        key = _key((args, kwargs))
        if key not in cache:
            cache[key] = _frozen(function(*args, **kwargs))
        return cache[key]

    return cached
