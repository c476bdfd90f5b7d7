"""Hidden tests for `stft`: odd lengths and n_fft, short windows, center off, reflect, float32."""

import warnings

import librosa
import numpy as np
import pytest

from autograder.testing import assert_close, assert_unchanged, builds_on, question, reference

# librosa's values for these tests' fixed inputs: computed once per grading process
librosa_stft = reference(librosa.stft)

# stft frames the signal and windows each frame: their mistakes show up here too
pytestmark = [question("stft"), builds_on("frame_signal", "hann_window")]

# (length, n_fft, hop_length, win_length, center, pad_mode, dtype)
CONFIGS = [
    (4001, 512, 128, None, True, "constant", np.float64),
    (3333, 511, 100, None, True, "constant", np.float64),
    (3333, 511, 97, 301, True, "reflect", np.float64),
    (2999, 256, 64, 200, False, "constant", np.float64),
    (2999, 255, 50, 255, False, "constant", np.float32),
    (5003, 1024, 256, 777, True, "constant", np.float32),
    (6001, 400, 160, 399, True, "reflect", np.float32),
    (300, 1024, 128, None, True, "constant", np.float64),   # shorter than n_fft
    (301, 1023, 77, 500, True, "constant", np.float32),     # shorter than n_fft, odd sizes
    (257, 256, 1000, None, False, "constant", np.float64),  # a single frame
]


def _atol(ref, dtype):
    # measured error vs librosa: 0 (float32) and <= 5e-16 * max|S| (float64);
    # tolerances leave room for float32 arithmetic (1e-5) and a DFT-matrix implementation (1e-9)
    return (1e-5 if dtype == np.float32 else 1e-9) * float(np.abs(ref).max())


@pytest.mark.parametrize("config", CONFIGS, ids=[f"case{i}" for i in range(len(CONFIGS))])
def test_stft_random(student, config):
    n, n_fft, hop, win, center, pad_mode, dtype = config
    y = np.random.default_rng(n + n_fft).normal(size=n).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = librosa_stft(y, n_fft=n_fft, hop_length=hop, win_length=win, center=center,
                           pad_mode=pad_mode)
    got, args, _ = student.call_with_inputs("stft", y, n_fft=n_fft, hop_length=hop,
                                            win_length=win, center=center, pad_mode=pad_mode)
    assert_close(got, ref, rtol=0, atol=_atol(ref, dtype), dtype=ref.dtype,
                 what=f"stft(y[{n}] {np.dtype(dtype).name}, n_fft={n_fft}, hop_length={hop}, "
                      f"win_length={win}, center={center}, pad_mode={pad_mode!r})")
    assert_unchanged(y, args[0], "y")


def test_stft_default_hop(student):
    y = np.random.default_rng(7).normal(size=4099)
    ref = librosa_stft(y, n_fft=512, win_length=256)  # hop = win_length // 4 = 64
    assert_close(student.stft(y, n_fft=512, win_length=256), ref, rtol=0, atol=_atol(ref, None),
                 what="stft(y, n_fft=512, win_length=256): hop_length defaults to win_length//4")


def test_stft_defaults(student):
    y = np.random.default_rng(8).normal(size=9001)
    ref = librosa_stft(y)
    assert_close(student.stft(y), ref, rtol=0, atol=_atol(ref, None), what="stft(y)")
