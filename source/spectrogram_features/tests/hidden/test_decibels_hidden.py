"""Hidden tests for `decibels`: ref callables, top_db on and off, amin, float32, complex input."""

import warnings

import librosa
import numpy as np
import pytest

from autograder.testing import assert_close, assert_unchanged, builds_on, question

pytestmark = question("decibels")

KWARGS = [
    {},
    {"ref": np.max},
    {"top_db": None},
    {"ref": np.max, "top_db": None},
    {"ref": np.max, "top_db": 30.0, "amin": 1e-6},
    {"ref": 0.25, "top_db": 120.0},
    {"ref": np.median, "amin": 1e-3},
]


def _data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    S = (rng.random(shape) ** 10 * 7.0).astype(dtype)
    S.flat[::17] = 0.0
    return S


def _atol(dtype):
    # measured: 0 dB (float64), <= 3e-6 dB (float32: librosa keeps float32); margin for float32 math
    return 1e-3 if dtype == np.float32 else 1e-8


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_power_to_db_many(student, dtype):
    for i, kw in enumerate(KWARGS):
        S = _data((33, 21), dtype, i)
        ref = librosa.power_to_db(S, **kw)
        got, args, _ = student.call_with_inputs("power_to_db", S, **kw)
        assert_close(got, ref, rtol=0, atol=_atol(dtype), what=f"power_to_db(S, {kw})")
        assert_unchanged(S, args[0], "S")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@builds_on("power_to_db")
def test_amplitude_to_db_many(student, dtype):
    for i, kw in enumerate(KWARGS):
        kw = {**kw, "amin": kw["amin"] ** 0.5} if "amin" in kw else kw
        A = np.sqrt(_data((19, 40), dtype, 100 + i))
        ref = librosa.amplitude_to_db(A, **kw)
        got, args, _ = student.call_with_inputs("amplitude_to_db", A, **kw)
        assert_close(got, ref, rtol=0, atol=_atol(dtype), what=f"amplitude_to_db(A, {kw})")
        assert_unchanged(A, args[0], "A")


@builds_on("power_to_db")
def test_db_one_dimensional_and_complex(student):
    S = _data(101, np.float64, 7)
    assert_close(student.power_to_db(S, ref=np.max), librosa.power_to_db(S, ref=np.max),
                 rtol=0, atol=1e-8, what="power_to_db(1-D S)")
    rng = np.random.default_rng(9)
    Z = rng.normal(size=(20, 30)) + 1j * rng.normal(size=(20, 30))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = librosa.amplitude_to_db(Z, ref=np.max)
    assert_close(student.amplitude_to_db(Z, ref=np.max), ref, rtol=0, atol=1e-8,
                 what="amplitude_to_db(complex Z, ref=np.max)")
