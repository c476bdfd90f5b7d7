"""Public tests of question cnn: AudioCNN's output shapes and a short smoke run of fit_predict.

The real test (hidden) trains once on 500 clips drawn with a secret seed and scores the mean
accuracy over 5 secret held-out draws in steps from 0.82 to 0.90 (the notebook says exactly how).
"""

import importlib.util
from pathlib import Path

import numpy as np

from autograder.testing import StudentError, question, reference

pytestmark = question("cnn")


def check(condition, message):
    """A failed check with only our message (no assertion introspection)."""
    if not condition:
        raise AssertionError(message)


def sound_set():
    path = Path(__file__).resolve().parents[2] / "data" / "sound_set.py"
    spec = importlib.util.spec_from_file_location("course_sound_set", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FORWARD = "model.eval()(__import__('torch').as_tensor(x))"


def test_forward_shapes(student):
    model = student.AudioCNN(40, 5)
    for n, frames in ((3, 63), (2, 16)):
        x = np.random.default_rng(frames).normal(size=(n, 1, 40, frames)).astype(np.float32)
        what = f"AudioCNN(40, 5) on input (N={n}, 1, 40, T={frames})"
        try:
            logits = student.evaluate(FORWARD, model=model, x=x)
        except StudentError as exc:
            raise AssertionError(
                f"{what} raised {exc.type_name}: {exc}. The model must accept any T >= 16: pool "
                "over frequency and time (e.g. x.mean(dim=(2, 3))) before the Linear layer"
            ) from None
        check(isinstance(logits, np.ndarray) and logits.shape == (n, 5),
            f"{what}: expected logits of shape ({n}, 5), got {getattr(logits, 'shape', logits)}. "
            "Pool over frequency and time before the Linear layer so that any T >= 16 works")
        check(logits.dtype.kind == "f" and np.isfinite(logits).all(),
            f"{what}: expected finite float logits, got dtype {logits.dtype}")


@reference
def smoke_features():
    """40 small training clips and 10 to predict, as features."""
    data = sound_set()
    waves, y = data.make_sound_set(n_per_class=6, seed=11)
    test_waves, _ = data.make_sound_set(n_per_class=2, seed=12)
    return data.log_mel_features(waves), y, data.log_mel_features(test_waves)


def test_fit_predict_smoke(student):
    X, y, X_test = smoke_features()
    with student.time_limit(120):
        pred = student.fit_predict(X, y, X_test, 5, seed=0)
    check(isinstance(pred, np.ndarray) and pred.shape == (len(X_test),),
        f"fit_predict must return a NumPy array of shape ({len(X_test)},), one label per test "
        f"clip; got {type(pred).__name__} {getattr(pred, 'shape', '')}")
    check(pred.dtype.kind in "iu",
        f"fit_predict must return integer labels (argmax of the logits), got dtype {pred.dtype}")
    check(pred.min() >= 0 and pred.max() < 5, "labels must lie in 0 .. n_classes-1")
