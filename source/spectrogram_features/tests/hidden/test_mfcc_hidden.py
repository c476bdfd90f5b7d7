"""Hidden tests for `mfcc`: MFCCs over many configurations, centroids incl. silence."""

import warnings

import librosa
import numpy as np
import pytest

from autograder.testing import assert_close, builds_on, question, reference

# librosa's values for these tests' fixed inputs: computed once per grading process
librosa_mfcc = reference(librosa.feature.mfcc)
librosa_centroid = reference(librosa.feature.spectral_centroid)

pytestmark = question("mfcc")

# (length, sr, n_mfcc, n_fft, hop_length, n_mels, dtype)
MFCC = [
    (10001, 22050, 20, 2048, 512, 128, np.float64),
    (7777, 16000, 13, 511, 127, 40, np.float32),
    (6000, 8000, 32, 256, 64, 32, np.float64),
    (5555, 44100, 7, 1023, 300, 64, np.float32),
    (900, 16000, 20, 1024, 256, 40, np.float64),  # shorter than n_fft
]


def _signal(n, sr, dtype, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / sr
    y = 0.5 * np.sin(2 * np.pi * rng.uniform(100, sr / 4) * t) + 0.1 * rng.normal(size=n)
    return (y * np.exp(-3 * t)).astype(dtype)


@pytest.mark.parametrize("config", MFCC, ids=[f"case{i}" for i in range(len(MFCC))])
@builds_on("melspectrogram", "power_to_db")
def test_mfcc_random(student, config):
    n, sr, n_mfcc, n_fft, hop, n_mels, dtype = config
    y = _signal(n, sr, dtype, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = librosa_mfcc(y=y, sr=sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop,
                                   n_mels=n_mels)
    got = student.mfcc(y, sr, n_mfcc=n_mfcc, n_fft=n_fft, hop_length=hop, n_mels=n_mels)
    # measured: <= 1.1e-7 of max|ref| (float32), <= 1e-8 (float64); tolerance 1e-5 of the scale
    assert_close(got, ref, rtol=0, atol=1e-5 * float(np.abs(ref).max()),
                 what=f"mfcc(y[{n}] {np.dtype(dtype).name}, {sr}, n_mfcc={n_mfcc}, "
                      f"n_fft={n_fft}, hop_length={hop}, n_mels={n_mels})")


@question("mfcc", weight=2)
@builds_on("melspectrogram", "power_to_db")
def test_mfcc_defaults(student):
    y = _signal(8000, 22050, np.float64, 1)
    ref = librosa_mfcc(y=y, sr=22050)
    assert_close(student.mfcc(y, 22050), ref, rtol=0, atol=1e-5 * float(np.abs(ref).max()),
                 what="mfcc(y, 22050)")


# (length, sr, n_fft, hop_length, dtype)
CENTROID = [
    (10001, 22050, 2048, 512, np.float64),
    (7777, 16000, 511, 127, np.float32),
    (3001, 8000, 256, 99, np.float64),
]


@pytest.mark.parametrize("config", CENTROID, ids=[f"case{i}" for i in range(len(CENTROID))])
@builds_on("stft")
def test_spectral_centroid_random(student, config):
    n, sr, n_fft, hop, dtype = config
    y = _signal(n, sr, dtype, n + 1)
    ref = librosa_centroid(y=y, sr=sr, n_fft=n_fft, hop_length=hop)
    got = student.spectral_centroid(y, sr, n_fft=n_fft, hop_length=hop)
    # measured relative error: <= 1.4e-6 (float32), 2e-15 (float64); tolerance 1e-4 of sr/2
    assert_close(got, ref, rtol=1e-5, atol=1e-4 * sr / 2,
                 what=f"spectral_centroid(y[{n}] {np.dtype(dtype).name}, {sr}, n_fft={n_fft}, "
                      f"hop_length={hop})")


@question("mfcc", weight=2)
@builds_on("stft")
def test_spectral_centroid_silence(student):
    for dtype in (np.float64, np.float32):
        y = np.zeros(5001, dtype=dtype)
        ref = librosa_centroid(y=y, sr=16000, n_fft=512, hop_length=128)
        assert_close(student.spectral_centroid(y, 16000, n_fft=512, hop_length=128), ref,
                     rtol=0, atol=1e-9, what=f"spectral_centroid(silence {np.dtype(dtype).name})")
    y = np.zeros(6000)
    y[2000:3000] = np.random.default_rng(4).normal(size=1000)
    ref = librosa_centroid(y=y, sr=16000, n_fft=512, hop_length=128)
    assert_close(student.spectral_centroid(y, 16000, n_fft=512, hop_length=128), ref,
                 rtol=1e-6, atol=1e-4 * 8000, what="spectral_centroid(silence, burst, silence)")
