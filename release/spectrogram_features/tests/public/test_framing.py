"""Public tests for `framing`: frame_signal and hann_window (compared with librosa and scipy)."""

import librosa
import numpy as np
import scipy.signal

from autograder.testing import assert_close, assert_unchanged, question

pytestmark = question("framing")


def test_frame_signal_columns(student):
    x = np.arange(23.0)
    ref = librosa.util.frame(x, frame_length=8, hop_length=4)  # (8, 4): 3 samples left over
    got, args, _ = student.call_with_inputs("frame_signal", x, 8, 4)
    # frames are copies of samples: exact equality
    assert_close(
        got, ref, rtol=0, what="frame_signal(np.arange(23.0), frame_length=8, hop_length=4)",
        hint="column t must be x[t*hop_length : t*hop_length + frame_length]",
        traps={
            "you returned (n_frames, frame_length): frames are the COLUMNS, "
            "shape (frame_length, n_frames)": ref.T,
            "one frame short: n_frames = 1 + (len(x) - frame_length) // hop_length": ref[:, :-1],
            "one frame too many: frame_signal does not pad, the last frame must fit inside x, "
            "n_frames = 1 + (len(x) - frame_length) // hop_length":
                librosa.util.frame(np.r_[x, np.zeros(1)], frame_length=8, hop_length=4),
        })
    assert_unchanged(x, args[0], "x")


def test_frame_signal_too_short(student):
    try:
        student.frame_signal(np.zeros(5), 8, 2)
    except ValueError:
        return
    raise AssertionError("frame_signal(np.zeros(5), frame_length=8, hop_length=2) must raise "
                         "ValueError: the signal is shorter than one frame, and frame_signal "
                         "does not pad")


def test_hann_periodic(student):
    ref = scipy.signal.get_window("hann", 8)
    assert_close(student.hann_window(8), ref, atol=1e-12, what="hann_window(8)",
                 traps={"this is the symmetric window (np.hanning): the periodic window "
                        "divides by n, not n - 1": np.hanning(8)})


def test_hann_symmetric(student):
    ref = np.hanning(9)
    assert_close(student.hann_window(9, periodic=False), ref, atol=1e-12,
                 what="hann_window(9, periodic=False)",
                 traps={"periodic=False must give the symmetric window (divide by n - 1)":
                        scipy.signal.get_window("hann", 9)})
