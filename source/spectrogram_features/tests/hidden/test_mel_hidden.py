"""Hidden tests for `mel`: both scales, many filterbank configurations, mel spectrograms."""

import warnings

import librosa
import numpy as np
import pytest

from autograder.testing import assert_close, builds_on, question, reference

# librosa's values for these tests' fixed inputs: computed once per grading process
librosa_melspectrogram = reference(librosa.feature.melspectrogram)
librosa_mel = reference(librosa.filters.mel)

pytestmark = question("mel")


def test_mel_scale_arrays(student):
    rng = np.random.default_rng(201)
    f = np.r_[0.0, 999.9999, 1000.0, 1000.0001, rng.uniform(0, 24000, size=200)]
    m = np.r_[0.0, 14.9999, 15.0, rng.uniform(0, 80, size=100)]
    for htk in (False, True):
        assert_close(student.hz_to_mel(f, htk=htk), librosa.hz_to_mel(f, htk=htk), rtol=1e-10,
                     atol=1e-10, what=f"hz_to_mel(f, htk={htk})")
        m_htk = m * 50 if htk else m
        assert_close(student.mel_to_hz(m_htk, htk=htk), librosa.mel_to_hz(m_htk, htk=htk),
                     rtol=1e-10, atol=1e-8, what=f"mel_to_hz(m, htk={htk})")


def test_mel_scale_scalars(student):
    for f in (0.0, 440.0, 1000.0, 7999.5):
        for htk in (False, True):
            assert_close(student.hz_to_mel(f, htk=htk), librosa.hz_to_mel(f, htk=htk),
                         rtol=1e-10, atol=1e-10, what=f"hz_to_mel({f}, htk={htk})")
            mel = float(librosa.hz_to_mel(f, htk=htk))
            assert_close(student.mel_to_hz(mel, htk=htk), librosa.mel_to_hz(mel, htk=htk),
                         rtol=1e-10, atol=1e-8, what=f"mel_to_hz({mel}, htk={htk})")


def _filterbank_configs(count, seed):
    """Random (sr, n_fft, n_mels, fmin, fmax, htk, norm), skipping any with an empty filter."""
    rng = np.random.default_rng(seed)
    configs = []
    while len(configs) < count:
        sr = int(rng.choice([8000, 11025, 16000, 22050, 32000, 44100, 48000]))
        n_fft = int(rng.choice([255, 256, 400, 511, 512, 1023, 1024, 2047, 2048]))
        n_mels = int(rng.integers(8, 129))
        fmin = float(rng.choice([0.0, 20.0, 50.0, 133.33]))
        fmax = None if rng.random() < 0.5 else float(rng.uniform(0.3, 0.5) * sr)
        htk = bool(rng.random() < 0.4)
        norm = "slaney" if rng.random() < 0.7 else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = librosa_mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                      htk=htk, norm=norm, dtype=np.float64)
        if (ref.max(axis=1) > 0).all():
            configs.append(((sr, n_fft, n_mels, fmin, fmax, htk, norm), ref))
    return configs


@pytest.mark.parametrize("seed", [301, 302, 303])
@question("mel", weight=2)
@builds_on("hz_to_mel", "mel_to_hz")
def test_mel_filterbank_many(student, seed):
    for (sr, n_fft, n_mels, fmin, fmax, htk, norm), ref in _filterbank_configs(5, seed):
        got = student.mel_filterbank(sr, n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax, htk=htk,
                                     norm=norm)
        # closed form in float64: measured error 0 (<= 1e-16 of the largest weight)
        assert_close(got, ref, rtol=0, atol=1e-10 * ref.max(), dtype=np.float64,
                     what=f"mel_filterbank({sr}, {n_fft}, n_mels={n_mels}, fmin={fmin}, "
                          f"fmax={fmax}, htk={htk}, norm={norm!r})")


@question("mel", weight=2)
@builds_on("hz_to_mel", "mel_to_hz")
def test_mel_filterbank_defaults(student):
    ref = librosa_mel(sr=22050, n_fft=2048, dtype=np.float64)
    assert_close(student.mel_filterbank(22050, 2048), ref, rtol=0, atol=1e-10 * ref.max(),
                 dtype=np.float64, what="mel_filterbank(22050, 2048)")


# (length, sr, n_fft, hop_length, n_mels, power, dtype)
MELSPEC = [
    (10001, 22050, 2048, 512, 128, 2.0, np.float64),
    (7777, 16000, 511, 127, 40, 2.0, np.float32),
    (5000, 8000, 256, 100, 32, 1.0, np.float64),
    (9000, 44100, 1023, 333, 64, 1.5, np.float32),
    (700, 16000, 1024, 256, 20, 2.0, np.float64),  # shorter than n_fft
]


@pytest.mark.parametrize("config", MELSPEC, ids=[f"case{i}" for i in range(len(MELSPEC))])
@builds_on("stft", "mel_filterbank")
def test_melspectrogram_random(student, config):
    n, sr, n_fft, hop, n_mels, power, dtype = config
    y = np.random.default_rng(n).normal(size=n).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = librosa_melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop,
                                             n_mels=n_mels, power=power)
    got = student.melspectrogram(y, sr, n_fft=n_fft, hop_length=hop, n_mels=n_mels, power=power)
    # librosa uses a float32 filterbank: measured relative error <= 2e-7
    assert_close(got, ref, rtol=1e-5, atol=1e-6 * float(ref.max()),
                 what=f"melspectrogram(y[{n}] {np.dtype(dtype).name}, {sr}, n_fft={n_fft}, "
                      f"hop_length={hop}, n_mels={n_mels}, power={power})")
