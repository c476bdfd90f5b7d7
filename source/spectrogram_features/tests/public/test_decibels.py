"""Public tests for `decibels`: power_to_db and amplitude_to_db, compared with librosa."""

import librosa
import numpy as np

from autograder.testing import assert_close, assert_unchanged, builds_on, question

pytestmark = question("decibels")


def _spectrogram():
    S = np.random.default_rng(5).random((6, 9)) ** 8 * 50.0  # spans ~10 orders of magnitude
    S[2, 3] = 0.0
    return S


def test_power_to_db(student):
    S = _spectrogram()
    ref = librosa.power_to_db(S)
    traps = {
        "power is converted with 10·log10, not 20·log10 (that is for amplitudes)":
            librosa.amplitude_to_db(S, amin=1e-5),
        "top_db clips at max(result) - top_db, not at -top_db":
            np.maximum(librosa.power_to_db(S, top_db=None), -80.0),
        "values below max - top_db must be raised to max - top_db (top_db=80 by default)":
            librosa.power_to_db(S, top_db=None),
    }
    got, args, _ = student.call_with_inputs("power_to_db", S)
    # exact formula in float64: measured error 0
    assert_close(got, ref, rtol=0, atol=1e-8, what="power_to_db(S)", traps=traps)
    assert_unchanged(S, args[0], "S")


def test_power_to_db_ref_max(student):
    S = _spectrogram()
    ref = librosa.power_to_db(S, ref=np.max, top_db=None)
    assert_close(student.power_to_db(S, ref=np.max, top_db=None), ref, rtol=0, atol=1e-8,
                 what="power_to_db(S, ref=np.max, top_db=None)",
                 hint="a callable ref is called on the magnitudes: ref_value = ref(np.abs(S)); "
                      "top_db=None means no clipping")


@builds_on("power_to_db")
def test_amplitude_to_db(student):
    A = np.sqrt(_spectrogram())
    ref = librosa.amplitude_to_db(A, ref=np.max)
    traps = {
        "amplitudes are converted with 20·log10 (10·log10 of the squared amplitude)":
            librosa.power_to_db(A, ref=np.max, amin=1e-5),
        "amin is a floor for amplitudes: the power floor is amin**2":
            librosa.power_to_db(A**2, ref=np.max(A) ** 2, amin=1e-5),
    }
    assert_close(student.amplitude_to_db(A, ref=np.max), ref, rtol=0, atol=1e-8,
                 what="amplitude_to_db(A, ref=np.max)", traps=traps)
