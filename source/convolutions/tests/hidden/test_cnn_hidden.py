"""Hidden tests of question cnn: output shapes for other sizes, and held-out accuracy.

The held-out sound set is drawn from the TRUSTED copy of data/sound_set.py (loaded by path in this
grader process) with seeds students never see; features are computed here; only labels come back
from the student's fit_predict, and the accuracy is computed here.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from autograder.testing import StudentError, question

pytestmark = question("cnn")

SECRET_TRAIN_SEED = 918_273
SECRET_TEST_SEED = 564_738
THRESHOLD = 0.90
TIME_BUDGET = 120.0  # seconds on one CPU thread (ASSIGNMENTS.md)
FORWARD = "model.eval()(__import__('torch').as_tensor(x))"


def check(condition, message):
    """A failed check with only our message (no assertion introspection)."""
    if not condition:
        raise AssertionError(message)


def sound_set():
    path = Path(__file__).resolve().parents[2] / "data" / "sound_set.py"
    spec = importlib.util.spec_from_file_location("trusted_sound_set", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@question("cnn", weight=1)
@pytest.mark.parametrize("n_mels, n_classes, n, frames", [(40, 5, 1, 16), (40, 5, 4, 101),
                                                          (64, 3, 2, 37), (32, 7, 3, 200)])
def test_forward_other_sizes(student, n_mels, n_classes, n, frames):
    model = student.AudioCNN(n_mels, n_classes)
    x = np.random.default_rng(frames).normal(size=(n, 1, n_mels, frames)).astype(np.float32)
    try:
        logits = student.evaluate(FORWARD, model=model, x=x)
    except StudentError as exc:
        raise AssertionError(f"AudioCNN({n_mels}, {n_classes}) failed for any T >= 16 check "
                             f"(T={frames}): {exc.type_name}: {exc}") from None
    check(isinstance(logits, np.ndarray) and logits.shape == (n, n_classes),
        f"AudioCNN({n_mels}, {n_classes}) on (N={n}, 1, {n_mels}, T={frames}): expected "
        f"({n}, {n_classes}), got {getattr(logits, 'shape', logits)}")
    check(logits.dtype.kind == "f" and np.isfinite(logits).all(), "logits must be finite floats")


@question("cnn", weight=8)
def test_held_out_accuracy(student):
    data = sound_set()
    waves, y_train = data.make_sound_set(n_per_class=100, seed=SECRET_TRAIN_SEED)
    test_waves, y_test = data.make_sound_set(n_per_class=40, seed=SECRET_TEST_SEED)
    X_train = data.log_mel_features(waves)
    X_test = data.log_mel_features(test_waves)
    with student.time_limit(150):
        pred = student.fit_predict(X_train, y_train, X_test, 5, seed=0)
    seconds = student.last_call_seconds
    check(isinstance(pred, np.ndarray) and pred.shape == y_test.shape,
        f"fit_predict returned {type(pred).__name__} {getattr(pred, 'shape', '')}, "
        f"expected an array of {len(y_test)} labels")
    check(pred.dtype.kind in "iu", f"fit_predict returned dtype {pred.dtype}, not integer labels")
    accuracy = float(np.mean(pred == y_test))
    check(accuracy >= THRESHOLD,
        f"held-out accuracy {accuracy:.3f} is below {THRESHOLD} ({seconds:.0f} s)")
    check(seconds <= TIME_BUDGET,
        f"fit_predict took {seconds:.0f} s, more than {TIME_BUDGET:.0f} s")
