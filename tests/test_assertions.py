"""Teaching messages: what was expected, what came back, and which known mistake it looks like."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.testing import assert_close, assert_scalar, assert_unchanged
from autograder.testing.plugin import describe_failure


def message(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def test_shape_mismatch_names_the_trap():
    text = message(assert_close, np.zeros((257, 59)), np.zeros((257, 63)), what="stft(y)",
                   traps={"did you pad by n_fft//2 on both sides (center=True)?": np.zeros((257, 59))})
    assert "expected shape (257, 63), got (257, 59)" in text
    assert "Hint: did you pad by n_fft//2" in text


def test_value_mismatch_shows_where_and_tolerance():
    text = message(assert_close, np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0]), rtol=1e-6)
    assert "1 of 3 values differ at index (2,): expected 3, got 3.5" in text
    assert "rtol=1e-06" in text


def test_wrong_kind_and_non_arrays():
    assert "expected complex values" in message(assert_close, np.ones(3), np.ones(3) + 0j)
    assert "expected a NumPy array of shape (3,), got list" in message(assert_close, [1, 2, 3],
                                                                       np.ones(3))
    assert_close(np.arange(3, dtype=np.int32), np.arange(3))  # int widths may differ


def test_scalar_traps_and_int_kind():
    text = message(assert_scalar, 2.5, 2, kind=int, what="conv_output_length(...)",
                   traps={"use // (floor division), not /": 2.5})
    assert "expected an int" in text and "Hint: use // (floor division)" in text
    assert "Python float, got an array" in message(assert_scalar, np.array(1.0), 1.0)
    assert_scalar(np.float64(1.0 + 1e-12), 1.0, rtol=1e-9)


def test_mutated_input_is_named():
    x = np.arange(3.0)
    assert "modified x in place" in message(assert_unchanged, x, x + 1, "x")
    assert_unchanged(x, x.copy(), "x")


def test_pytest_introspection_is_dropped_after_a_teaching_message():
    exc = AssertionError("expected 63 frames, got 59\nassert 59 == 63\n +  where 59 = len(x)")
    assert describe_failure(exc) == ("failed", "expected 63 frames, got 59")
    bare = AssertionError("assert 59 == 63")
    assert describe_failure(bare) == ("failed", "assert 59 == 63")
