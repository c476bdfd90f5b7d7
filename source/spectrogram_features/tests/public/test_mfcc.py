"""Public tests for `mfcc`: MFCCs and the spectral centroid, compared with librosa."""

import librosa
import numpy as np
import scipy.fft

from autograder.testing import assert_close, builds_on, question, reference

# librosa's values for these tests' fixed inputs: computed once per grading process
librosa_melspectrogram = reference(librosa.feature.melspectrogram)
librosa_mfcc = reference(librosa.feature.mfcc)
librosa_centroid = reference(librosa.feature.spectral_centroid)
librosa_stft = reference(librosa.stft)

pytestmark = question("mfcc")


def _chord(n=12000, sr=16000):
    t = np.arange(n) / sr
    y = sum(np.sin(2 * np.pi * f * t) for f in (440.0, 554.37, 659.26)) * np.exp(-2 * t)
    return y + 0.01 * np.random.default_rng(2).normal(size=n)


@question("mfcc", weight=2)
@builds_on("melspectrogram", "power_to_db")
def test_mfcc(student):
    y = _chord()
    kw = dict(n_fft=512, hop_length=128, n_mels=40)
    ref = librosa_mfcc(y=y, sr=16000, n_mfcc=13, **kw)
    log_mel = librosa.power_to_db(librosa_melspectrogram(y=y, sr=16000, **kw))
    traps = {
        "the DCT must use orthonormal scaling (norm='ortho'): sqrt(1/M) for c_0, sqrt(2/M) "
        "for the others": scipy.fft.dct(log_mel, axis=0, type=2)[:13],
        "the DCT runs along the mel axis (axis 0, one frame at a time), not along time":
            scipy.fft.dct(log_mel, axis=1, type=2, norm="ortho")[:13],
        "use decibels (power_to_db: 10·log10, top_db=80), not the natural log":
            scipy.fft.dct(np.log(np.maximum(librosa_melspectrogram(y=y, sr=16000, **kw),
                                            1e-10)), axis=0, norm="ortho")[:13],
        "power_to_db with its defaults clips at max - 80 dB (top_db=80)":
            scipy.fft.dct(librosa.power_to_db(librosa_melspectrogram(y=y, sr=16000, **kw),
                                              top_db=None), axis=0, norm="ortho")[:13],
    }
    # measured error: 2e-7 absolute (librosa's float32 filterbank); tolerance 1e-5 of the scale
    assert_close(student.mfcc(y, 16000, n_mfcc=13, n_fft=512, hop_length=128, n_mels=40), ref,
                 rtol=0, atol=1e-5 * np.abs(ref).max(),
                 what="mfcc(y, 16000, n_mfcc=13, n_fft=512, hop_length=128, n_mels=40)",
                 traps=traps)


@question("mfcc", weight=2)
@builds_on("stft")
def test_spectral_centroid(student):
    sr = 16000
    t = np.arange(8000) / sr
    y = np.r_[np.zeros(4096), np.sin(2 * np.pi * 1000 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t)]
    ref = librosa_centroid(y=y, sr=sr, n_fft=1024, hop_length=256)
    got = student.spectral_centroid(y, sr, n_fft=1024, hop_length=256)
    if isinstance(got, np.ndarray) and np.isnan(got).any():
        raise AssertionError(
            "spectral_centroid(y, 16000, n_fft=1024, hop_length=256) returned NaN: the signal "
            "starts with silence, and a silent frame must have centroid 0 (avoid 0 / 0)")
    power = np.abs(librosa_stft(y, n_fft=1024, hop_length=256)) ** 2
    freqs = np.fft.rfftfreq(1024, 1 / sr)[:, None]
    traps = {
        "the centroid weights frequencies by the MAGNITUDE |S|, not the power |S|**2":
            (freqs * power).sum(0, keepdims=True) / np.maximum(power.sum(0, keepdims=True), 1e-300),
        "the shape is (1, n_frames), like librosa": ref[0],
    }
    # measured relative error ~1e-15 (float64); tolerance 1e-6 of sr/2
    assert_close(got, ref, rtol=1e-6, atol=1e-6 * sr / 2,
                 what="spectral_centroid(y, 16000, n_fft=1024, hop_length=256)", traps=traps)
