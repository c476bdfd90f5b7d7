"""Hidden tests for `framing`: odd sizes, gaps between frames, edge cases, both windows."""

import librosa
import numpy as np
import pytest
import scipy.signal

from autograder.testing import assert_close, assert_unchanged, question

pytestmark = question("framing")

CONFIGS = [(1001, 64, 16), (777, 777, 5), (999, 100, 33), (513, 31, 7), (2049, 256, 300),
           (50, 49, 1), (4097, 1023, 511)]


@question("framing", weight=2)
def test_frame_signal_random(student):
    rng = np.random.default_rng(101)
    for n, frame_length, hop in CONFIGS:
        x = rng.normal(size=n)
        ref = librosa.util.frame(x, frame_length=frame_length, hop_length=hop)
        got, args, _ = student.call_with_inputs("frame_signal", x, frame_length, hop)
        assert_close(got, ref, rtol=0, what=f"frame_signal(x[{n}], {frame_length}, {hop})")
        assert_unchanged(x, args[0], "x")


def test_frame_signal_float32_and_list(student):
    x = np.random.default_rng(102).normal(size=301).astype(np.float32)
    ref = librosa.util.frame(x, frame_length=40, hop_length=13)
    assert_close(student.frame_signal(x, 40, 13), ref, rtol=0, what="frame_signal(float32 x)")
    assert_close(student.frame_signal(list(range(10)), 4, 3),
                 librosa.util.frame(np.arange(10), frame_length=4, hop_length=3), rtol=0,
                 what="frame_signal(list)")


def test_frame_signal_errors(student):
    with pytest.raises(ValueError):
        student.frame_signal(np.zeros(99), 100, 10)
    with pytest.raises(ValueError):
        student.frame_signal(np.zeros((2, 500)), 100, 10)
    with pytest.raises(ValueError):
        student.frame_signal(np.zeros(0), 1, 1)


@question("framing", weight=2)
def test_hann_periodic_many(student):
    for n in (1, 2, 3, 4, 7, 64, 255, 400, 1024):
        ref = scipy.signal.get_window("hann", n)
        assert_close(student.hann_window(n), ref, atol=1e-12, what=f"hann_window({n})")
        assert_close(student.hann_window(n, periodic=True), ref, atol=1e-12,
                     what=f"hann_window({n}, periodic=True)")


@question("framing", weight=2)
def test_hann_symmetric_many(student):
    for n in (1, 2, 3, 5, 8, 101, 512):
        assert_close(student.hann_window(n, periodic=False), np.hanning(n), atol=1e-12,
                     what=f"hann_window({n}, periodic=False)")
