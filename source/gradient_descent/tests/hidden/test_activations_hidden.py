"""Hidden tests for `activations`: torch float64 references, odd shapes, extreme logits."""

import numpy as np
import pytest
import torch

from autograder.testing import assert_close, assert_unchanged, property_test, question

pytestmark = question("activations")

EXTREME = np.array([-1000.0, -745.0, -709.8, -100.0, -36.7, -1e-9, 0.0, 1e-9, 36.7, 100.0,
                    709.8, 745.0, 1000.0])


def _random(seed, shape, scale=6.0):
    return scale * np.random.default_rng(seed).normal(size=shape)


def _torch_value_and_grad(fn, z):
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = fn(t)
    out.sum().backward()
    return out.detach().numpy(), t.grad.numpy()


def _call_raising(student, name, z):
    """Call with NumPy floating-point errors turned into exceptions inside the student's process."""
    old = student.evaluate("__import__('numpy').seterr(over='raise', invalid='raise')")
    try:
        return student.call(name, z)
    except FloatingPointError as exc:
        raise AssertionError(
            f"{name} raised a floating-point warning ({exc}): naive exp overflow") from None
    finally:
        student.evaluate("__import__('numpy').seterr(**old)", old=old)


@question("activations", weight=2)
def test_sigmoid_random_odd_shape(student):
    z = _random(101, (7, 13))
    ref, _ = _torch_value_and_grad(torch.sigmoid, z)
    # measured |solution - torch| <= 1.1e-16; the tanh form 0.5 * (1 + tanh(z / 2)) is also within
    # 1.1e-16 absolute (but 5e-9 relative in the tails), so an absolute tolerance (values live in [0, 1]) accepts both stable forms
    assert_close(student.sigmoid(z), ref, rtol=1e-12, atol=1e-15, what="sigmoid(random (7, 13))")


@question("activations", weight=2)
def test_sigmoid_extreme_no_overflow(student):
    ref, _ = _torch_value_and_grad(torch.sigmoid, EXTREME)
    s = _call_raising(student, "sigmoid", EXTREME)
    assert_close(s, ref, rtol=1e-12, atol=1e-15, what="sigmoid(extreme logits)",
                 hint="no nan/inf allowed for |z| up to 1e3")
    assert s[0] == 0.0 and s[-1] == 1.0, "sigmoid(-1000) must be exactly 0.0, sigmoid(1000) 1.0"


def test_sigmoid_single_sample_shape(student):
    for z in (np.array([0.25]), np.array([[-3.5]])):
        ref, _ = _torch_value_and_grad(torch.sigmoid, z)
        assert_close(student.sigmoid(z), ref, rtol=1e-12, atol=1e-15,
                     what=f"sigmoid of shape {z.shape}")


@question("activations", weight=2)
def test_sigmoid_grad_vs_autograd(student):
    z = np.concatenate([_random(102, 23), EXTREME])
    _, ref = _torch_value_and_grad(torch.sigmoid, z)
    # measured |solution - autograd| <= 1.4e-17 (values <= 0.25; 5e-9 relative in the far tails):
    # absolute tolerance 1e-15
    assert_close(student.sigmoid_grad(z), ref, rtol=1e-10, atol=1e-15,
                 what="sigmoid_grad(random and extreme z)",
                 traps={"a * (1 - a) applied to z": z * (1 - z)})


def test_sigmoid_grad_odd_shape(student):
    z = _random(103, (3, 5, 1), scale=3.0)
    _, ref = _torch_value_and_grad(torch.sigmoid, z)
    assert_close(student.sigmoid_grad(z), ref, rtol=1e-10, atol=1e-15,
                 what="sigmoid_grad of shape (3, 5, 1)")


@question("activations", weight=2)
def test_relu_and_grad_vs_autograd(student):
    z = _random(104, (9, 11))
    z[::3, ::2] = 0.0  # exact zeros: relu'(0) = 0 as torch autograd defines it
    ref, dref = _torch_value_and_grad(torch.relu, z)
    assert_close(student.relu(z), ref, rtol=0, atol=0, what="relu(random with zeros)")
    assert_close(student.relu_grad(z), dref, rtol=0, atol=0, what="relu_grad(random with zeros)",
                 traps={"relu'(0) = 0 (strict z > 0)": (z >= 0).astype(float)})


@question("activations", weight=2)
def test_tanh_and_grad_vs_autograd(student):
    z = np.concatenate([_random(105, 17, scale=2.0), [-50.0, -20.0, 0.0, 20.0, 50.0]])
    ref, dref = _torch_value_and_grad(torch.tanh, z)
    # measured: tanh within 1.1e-16 of torch, tanh_grad within 2.3e-16 (absolute)
    assert_close(student.tanh(z), ref, rtol=1e-12, atol=1e-15, what="tanh(z)")
    assert_close(student.tanh_grad(z), dref, rtol=1e-10, atol=1e-15, what="tanh_grad(z)",
                 traps={"1 - z**2 instead of 1 - tanh(z)**2": 1 - z**2})


@property_test
@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_grad", "relu", "relu_grad", "tanh",
                                  "tanh_grad"])
def test_input_unchanged(student, name):
    z = _random(106, (4, 6))
    z[0, 0] = 0.0
    _, args, _ = student.call_with_inputs(name, z)
    assert_unchanged(z, args[0], "z")
