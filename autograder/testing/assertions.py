"""Assertions with teaching messages: what was expected, what came back, and which trap it looks like.

`traps` maps a hint to the value a common mistake would produce; when the student's answer matches
a trap instead of the reference, the message names the mistake.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

_KINDS = {"f": "real floating-point", "c": "complex", "i": "integer", "u": "unsigned integer",
          "b": "boolean"}


def _kind_name(dtype: np.dtype) -> str:
    return _KINDS.get(dtype.kind, dtype.kind)


def _fmt(x: Any) -> str:
    if isinstance(x, complex | np.complexfloating):
        return f"{complex(x):.6g}"
    try:
        return f"{float(x):.6g}"
    except (TypeError, ValueError):
        return repr(x)[:80]


def _is_close(actual: Any, expected: np.ndarray, rtol: float, atol: float) -> bool:
    try:
        a = np.asarray(actual)
        return a.shape == expected.shape and bool(
            np.allclose(a, expected, rtol=rtol, atol=atol, equal_nan=True))
    except (TypeError, ValueError):
        return False


def _trap_hint(actual: Any, traps: Mapping[str, Any] | None, rtol: float, atol: float) -> str | None:
    for hint, wrong in (traps or {}).items():
        if _is_close(actual, np.asarray(wrong), rtol, atol):
            return hint
    return None


def _with_hint(message: str, hint: str | None) -> str:
    return f"{message}\nHint: {hint}" if hint else message


def assert_close(actual: Any, expected: Any, *, rtol: float = 1e-7, atol: float = 0.0,
                 what: str = "result", hint: str | None = None,
                 traps: Mapping[str, Any] | None = None, dtype: Any = None,
                 check_kind: bool = True) -> None:
    """Array comparison: type, shape, dtype kind (or exact dtype), then values within tolerance."""
    expected = np.asarray(expected)
    if not isinstance(actual, np.ndarray):
        if isinstance(actual, numbers.Number | np.generic) and expected.shape == ():
            actual = np.asarray(actual)
        else:
            raise AssertionError(_with_hint(
                f"{what}: expected a NumPy array of shape {expected.shape}, "
                f"got {type(actual).__name__}", hint))
    trap = _trap_hint(actual, traps, rtol, atol)
    if actual.shape != expected.shape:
        raise AssertionError(_with_hint(
            f"{what}: expected shape {expected.shape}, got {actual.shape}", trap or hint))
    if dtype is not None and actual.dtype != np.dtype(dtype):
        raise AssertionError(_with_hint(
            f"{what}: expected dtype {np.dtype(dtype)}, got {actual.dtype}", hint))
    if check_kind and actual.dtype.kind != expected.dtype.kind and not (
        {actual.dtype.kind, expected.dtype.kind} <= {"i", "u"}
    ):
        raise AssertionError(_with_hint(
            f"{what}: expected {_kind_name(expected.dtype)} values (like dtype {expected.dtype}), "
            f"got dtype {actual.dtype}", hint))
    if expected.size == 0:
        return
    diff = np.abs(actual.astype(np.complex128) - expected.astype(np.complex128))
    nan_mismatch = np.isnan(diff) & ~(np.isnan(actual) & np.isnan(expected))
    bad = nan_mismatch | (np.nan_to_num(diff, nan=0.0) > atol + rtol * np.abs(expected))
    if not bad.any():
        return
    index = np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(diff, nan=np.inf), -1))),
                             expected.shape)
    where = f" at index {tuple(int(i) for i in index)}" if expected.ndim else ""
    message = (
        f"{what}: {int(bad.sum())} of {expected.size} values differ{where}: "
        f"expected {_fmt(expected[index])}, got {_fmt(actual[index])} "
        f"(tolerance rtol={rtol:g}, atol={atol:g})"
    )
    raise AssertionError(_with_hint(message, trap or hint))


def assert_scalar(actual: Any, expected: float, *, rtol: float = 1e-7, atol: float = 0.0,
                  what: str = "result", hint: str | None = None,
                  traps: Mapping[str, Any] | None = None, kind: type = float) -> None:
    """A Python number (or NumPy scalar) close to `expected`."""
    if isinstance(actual, np.ndarray) and actual.shape in {(), (1,)}:
        raise AssertionError(_with_hint(
            f"{what}: expected a Python {kind.__name__}, got an array of shape {actual.shape} "
            "(use float(...) or .item())", hint))
    if isinstance(actual, bool) or not isinstance(actual, numbers.Number):
        raise AssertionError(_with_hint(
            f"{what}: expected a {kind.__name__}, got {type(actual).__name__}", hint))
    if kind is int and not isinstance(actual, numbers.Integral):
        trap = _trap_hint(actual, traps, rtol, atol)
        raise AssertionError(_with_hint(f"{what}: expected an int, got {actual!r}", trap or hint))
    if not np.isclose(actual, expected, rtol=rtol, atol=atol):
        trap = _trap_hint(actual, traps, rtol, atol)
        raise AssertionError(_with_hint(
            f"{what}: expected {_fmt(expected)}, got {_fmt(actual)} "
            f"(tolerance rtol={rtol:g}, atol={atol:g})", trap or hint))


def assert_unchanged(before: Any, after: Any, what: str = "the input") -> None:
    """The student's function must not modify its inputs in place."""
    if isinstance(before, np.ndarray):
        same = isinstance(after, np.ndarray) and before.shape == after.shape and bool(
            np.array_equal(before, after, equal_nan=True))
    else:
        same = bool(before == after)
    if not same:
        raise AssertionError(
            f"your function modified {what} in place; work on a copy (e.g. x = x.copy()) "
            "so that the caller's data stays as it was")
