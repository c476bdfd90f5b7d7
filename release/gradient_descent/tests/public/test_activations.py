"""Public tests for `activations`: sigmoid, relu, tanh and their derivatives w.r.t. z."""

import math

import numpy as np

from autograder.testing import assert_close, question

pytestmark = question("activations")

Z = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])


def _sigmoid(z):
    return np.array([1.0 / (1.0 + math.exp(-v)) for v in z])


def test_sigmoid_values(student):
    assert_close(student.sigmoid(Z), _sigmoid(Z), rtol=1e-12, atol=1e-15,
                 what="sigmoid([-3, -0.5, 0, 0.5, 2])",
                 hint="sigmoid(z) = 1 / (1 + exp(-z)); sigmoid(0) must be 0.5",
                 traps={"that is exp(-z) / (1 + exp(-z)) = 1 - sigmoid(z): check the sign of z":
                        1 - _sigmoid(Z)})


def test_sigmoid_extreme_logits(student):
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    old = student.evaluate("__import__('numpy').seterr(over='raise', invalid='raise')")
    try:
        try:
            s = student.sigmoid(z)
        except FloatingPointError as exc:
            raise AssertionError(
                f"sigmoid([-1000, -40, 0, 40, 1000]) overflowed ({exc}): the naive "
                "1 / (1 + np.exp(-z)) computes exp(1000) = inf and NumPy warns. Only ever "
                "exponentiate -|z| (see the two forms in the text above).") from None
    finally:
        student.evaluate("__import__('numpy').seterr(**old)", old=old)
    assert_close(s, np.array([0.0, math.exp(-40.0) / (1 + math.exp(-40.0)), 0.5, 1.0, 1.0]),
                 rtol=1e-12, atol=0.0, what="sigmoid([-1000, -40, 0, 40, 1000])",
                 hint="the limits must be exactly 0.0 and 1.0, without nan: never evaluate "
                      "exp of a large positive number (exp(1000) is inf, inf / inf is nan)")


def test_sigmoid_grad(student):
    s = _sigmoid(Z)
    assert_close(student.sigmoid_grad(Z), s * (1 - s), rtol=1e-12, atol=1e-15,
                 what="sigmoid_grad([-3, -0.5, 0, 0.5, 2])",
                 hint="sigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)); the maximum is 0.25 at z = 0",
                 traps={"you applied a * (1 - a) to z itself; the input is the pre-activation z, "
                        "so compute a = sigmoid(z) first": Z * (1 - Z)})


def test_relu_and_grad(student):
    assert_close(student.relu(Z), np.maximum(Z, 0.0), rtol=0, what="relu([-3, -0.5, 0, 0.5, 2])")
    assert_close(student.relu_grad(Z), np.array([0.0, 0.0, 0.0, 1.0, 1.0]), rtol=0,
                 what="relu_grad([-3, -0.5, 0, 0.5, 2])",
                 hint="1.0 where z > 0, else 0.0, as a float array",
                 traps={"relu'(0) must be 0 (strictly z > 0), as in PyTorch; you used z >= 0":
                        np.array([0.0, 0.0, 1.0, 1.0, 1.0])})


def test_tanh_and_grad(student):
    t = np.tanh(Z)
    assert_close(student.tanh(Z), t, rtol=1e-12, atol=1e-15, what="tanh([-3, -0.5, 0, 0.5, 2])")
    assert_close(student.tanh_grad(Z), 1 - t**2, rtol=1e-12, atol=1e-15,
                 what="tanh_grad([-3, -0.5, 0, 0.5, 2])",
                 hint="tanh'(z) = 1 - tanh(z)**2",
                 traps={"you computed 1 - z**2; square tanh(z), not z": 1 - Z**2})
