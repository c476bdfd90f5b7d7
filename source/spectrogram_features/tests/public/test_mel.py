"""Public tests for `mel`: the mel scale, the filterbank and mel spectrograms (against librosa)."""

import librosa
import numpy as np

from autograder.testing import assert_close, builds_on, question, reference

# librosa's values for these tests' fixed inputs: computed once per grading process
librosa_melspectrogram = reference(librosa.feature.melspectrogram)
librosa_mel = reference(librosa.filters.mel)

pytestmark = question("mel")

FREQS = np.array([0.0, 200.0, 999.0, 1000.0, 1500.0, 4000.0, 8000.0])


def test_hz_to_mel_slaney(student):
    ref = librosa.hz_to_mel(FREQS)
    assert_close(student.hz_to_mel(FREQS), ref, rtol=1e-10, atol=1e-10,
                 what="hz_to_mel([0, 200, 999, 1000, 1500, 4000, 8000])",
                 traps={"this is the HTK formula: the default (htk=False) is the Slaney scale, "
                        "linear below 1 kHz and logarithmic above": librosa.hz_to_mel(FREQS, htk=True),
                        "the Slaney scale is logarithmic above 1000 Hz (15 mel)": FREQS / (200 / 3)})


def test_hz_to_mel_htk(student):
    ref = librosa.hz_to_mel(FREQS, htk=True)
    assert_close(student.hz_to_mel(FREQS, htk=True), ref, rtol=1e-10, atol=1e-10,
                 what="hz_to_mel(f, htk=True)", hint="HTK: 2595 * log10(1 + f / 700)")


def test_mel_to_hz(student):
    mels = np.array([0.0, 5.0, 15.0, 20.0, 40.0])
    for htk in (False, True):
        ref = librosa.mel_to_hz(mels, htk=htk)
        assert_close(student.mel_to_hz(mels, htk=htk), ref, rtol=1e-10, atol=1e-8,
                     what=f"mel_to_hz([0, 5, 15, 20, 40], htk={htk})",
                     hint="mel_to_hz must invert hz_to_mel on the same scale")


@builds_on("hz_to_mel", "mel_to_hz")
def test_mel_filterbank(student):
    ref = librosa_mel(sr=16000, n_fft=512, n_mels=40, dtype=np.float64)
    traps = {
        "this is the filterbank without the Slaney area normalisation: scale filter i by "
        "2 / (f[i+2] - f[i])": librosa_mel(sr=16000, n_fft=512, n_mels=40, norm=None,
                                                   dtype=np.float64),
        "these are HTK mel edges: the default is the Slaney scale":
            librosa_mel(sr=16000, n_fft=512, n_mels=40, htk=True, dtype=np.float64),
        "transposed: the shape is (n_mels, 1 + n_fft // 2)":
            librosa_mel(sr=16000, n_fft=512, n_mels=40, dtype=np.float64).T,
    }
    # closed form in float64: measured error 0; tolerance 1e-10 of the largest weight
    assert_close(student.mel_filterbank(16000, 512, n_mels=40), ref, rtol=0,
                 atol=1e-10 * ref.max(), dtype=np.float64,
                 what="mel_filterbank(16000, 512, n_mels=40)", traps=traps)


@builds_on("stft", "mel_filterbank")
def test_melspectrogram(student):
    rng = np.random.default_rng(11)
    t = np.arange(16000) / 16000
    y = np.sin(2 * np.pi * 440 * t) + 0.3 * rng.normal(size=t.size)
    kw = dict(sr=16000, n_fft=512, hop_length=128, n_mels=40)
    ref = librosa_melspectrogram(y=y, **kw)
    traps = {"this is the mel spectrogram of the magnitude: power=2.0 squares |stft| first":
             librosa_melspectrogram(y=y, power=1.0, **kw)}
    # librosa applies a float32 filterbank: measured relative error <= 1e-7
    assert_close(student.melspectrogram(y, 16000, n_fft=512, hop_length=128, n_mels=40), ref,
                 rtol=1e-5, atol=1e-6 * ref.max(),
                 what="melspectrogram(y, 16000, n_fft=512, hop_length=128, n_mels=40)",
                 traps=traps)
