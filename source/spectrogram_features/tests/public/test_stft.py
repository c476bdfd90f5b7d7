"""Public tests for `stft`, compared with librosa.stft (window="hann", pad_mode="constant")."""

import librosa
import numpy as np

from autograder.testing import assert_close, builds_on, question, reference

# librosa's values for these tests' fixed inputs: computed once per grading process
librosa_stft = reference(librosa.stft)

# stft frames the signal and windows each frame: their mistakes show up here too
pytestmark = [question("stft"), builds_on("frame_signal", "hann_window")]


def _signal(n, dtype=np.float64):
    t = np.arange(n) / 16000
    y = np.sin(2 * np.pi * (200 * t + 1500 * t**2)) + 0.1 * np.random.default_rng(3).normal(size=n)
    return y.astype(dtype)


def _atol(ref, rel):
    # tolerance relative to the spectrogram's scale (measured error: 0 to 5e-16 of max|S|)
    return rel * float(np.abs(ref).max())


def test_stft_frame_count(student):
    y = _signal(8000)
    got = student.stft(y, n_fft=512, hop_length=128)
    assert isinstance(got, np.ndarray) and got.ndim == 2, (
        f"stft(y, n_fft=512, hop_length=128) should return a 2-D array, got {type(got).__name__} "
        f"with shape {getattr(got, 'shape', None)}")
    bins, frames = got.shape
    expected = 1 + len(y) // 128
    if frames != expected:
        hint = ""
        if frames == 1 + (len(y) - 512) // 128:
            hint = ": did you pad by n_fft//2 on both sides (center=True)?"
        elif frames == expected - 1 or frames == expected + 1:
            hint = ": with center=True the frame count is 1 + len(y) // hop_length"
        raise AssertionError(f"stft(y, n_fft=512, hop_length=128) with len(y)=8000: expected "
                             f"{expected} frames, got {frames}{hint}")
    if bins != 257:
        hint = (": use np.fft.rfft; a real signal needs only the 1 + n_fft//2 non-negative "
                "frequencies" if bins == 512 else "")
        raise AssertionError(f"stft(y, n_fft=512, hop_length=128): expected 257 frequency rows "
                             f"(1 + n_fft//2), got {bins}{hint}")


def test_stft_values(student):
    y = _signal(8000)
    ref = librosa_stft(y, n_fft=512, hop_length=128)
    traps = {
        "this matches reflect padding: librosa 0.11 pads with zeros (pad_mode='constant')":
            librosa_stft(y, n_fft=512, hop_length=128, pad_mode="reflect"),
        "this matches a symmetric window (np.hanning): the STFT uses the periodic Hann window":
            librosa_stft(y, n_fft=512, hop_length=128, window=np.hanning(512)),
        "this matches no window at all: multiply each frame by the Hann window":
            librosa_stft(y, n_fft=512, hop_length=128, window="boxcar"),
    }
    assert_close(student.stft(y, n_fft=512, hop_length=128), ref, rtol=0, atol=_atol(ref, 1e-9),
                 what="stft(y, n_fft=512, hop_length=128)", traps=traps)


def test_stft_float32(student):
    y = _signal(3000, np.float32)
    ref = librosa_stft(y, n_fft=256, hop_length=64)
    got = student.stft(y, n_fft=256, hop_length=64)
    if isinstance(got, np.ndarray) and got.dtype != np.complex64:
        raise AssertionError(f"stft(y_float32, n_fft=256, hop_length=64): expected dtype "
                             f"complex64, got {got.dtype}: float32 input gives a complex64 "
                             "result, float64 input gives complex128 (like librosa)")
    assert_close(got, ref, rtol=0, atol=_atol(ref, 1e-5), dtype=np.complex64,
                 what="stft(y_float32, n_fft=256, hop_length=64)")


def test_stft_short_window(student):
    y = _signal(4000)
    ref = librosa_stft(y, n_fft=512, hop_length=100, win_length=300)
    left_window = np.zeros(512)
    left_window[:300] = librosa.filters.get_window("hann", 300)
    traps = {
        "the Hann window of win_length samples must be zero-padded to n_fft CENTRED "
        "((n_fft - win_length)//2 zeros on the left), not at the start":
            librosa_stft(y, n_fft=512, hop_length=100, window=left_window),
        "the window has win_length=300 samples (then zero-padded to n_fft), not n_fft":
            librosa_stft(y, n_fft=512, hop_length=100),
    }
    assert_close(student.stft(y, n_fft=512, hop_length=100, win_length=300), ref, rtol=0,
                 atol=_atol(ref, 1e-9), what="stft(y, n_fft=512, hop_length=100, win_length=300)",
                 traps=traps)
