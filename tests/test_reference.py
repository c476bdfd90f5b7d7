"""`@reference`: a test's fixed-input reference is computed once per grading process, by value,
and no test can change what the next submission is compared with."""

import numpy as np
import pytest

from autograder.testing import reference


def counted():
    calls = []

    @reference
    def square_all(x, power=2):
        calls.append(1)
        return np.asarray(x, dtype=float) ** power, len(x)

    return square_all, calls


def test_equal_arguments_compute_once_even_as_new_arrays():
    square_all, calls = counted()
    first = square_all(np.arange(4))
    again = square_all(np.arange(4))  # another array, the same values
    assert len(calls) == 1
    assert again[0] is first[0]
    np.testing.assert_array_equal(first[0], [0, 1, 4, 9])


def test_different_values_dtypes_or_keywords_compute_again():
    square_all, calls = counted()
    square_all(np.arange(4))
    square_all(np.arange(1, 5))
    square_all(np.arange(4, dtype=np.int32))
    square_all(np.arange(4), power=3)
    assert len(calls) == 4


def test_the_result_cannot_be_changed_by_a_test():
    square_all, _ = counted()
    values, _ = square_all(np.arange(3))
    with pytest.raises(ValueError, match="read-only"):
        values[0] = 42.0
    assert square_all(np.arange(3))[0][0] == 0.0


def test_an_unhashable_argument_is_refused_rather_than_cached_wrongly():
    square_all, _ = counted()
    with pytest.raises(TypeError):
        square_all({1, 2})
