"""Hidden tests for `backprop`: torch autograd references, relu'(0), saturation, central differences."""

import numpy as np
import torch

from autograder.testing import assert_close, assert_scalar, assert_unchanged, property_test, question

pytestmark = question("backprop")

NAMES = ("W1", "b1", "W2", "b2")


def _torch_mlp(X, y, P, eps=1e-12):
    T = {k: torch.tensor(np.asarray(v, dtype=float), requires_grad=True) for k, v in P.items()}
    h = torch.relu(torch.tensor(X) @ T["W1"] + T["b1"])
    p = torch.sigmoid(h @ T["W2"] + T["b2"]).clamp(eps, 1 - eps)
    yt = torch.tensor(y)
    loss = -(yt * torch.log(p) + (1 - yt) * torch.log(1 - p)).mean()
    loss.backward()
    return loss.item(), {k: t.grad.numpy() for k, t in T.items()}


def _params(seed, d, h):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(size=(d, h)) / np.sqrt(d), "b1": 0.2 * rng.normal(size=h),
            "W2": rng.normal(size=h) / np.sqrt(h), "b2": float(0.3 * rng.normal())}


def _wrong_backward(X, y, P, mask=True, mean=True):
    """Gradients as the usual mistakes compute them (forgotten ReLU mask, sum instead of mean)."""
    z1 = X @ P["W1"] + P["b1"]
    h = np.maximum(z1, 0)
    p = 1 / (1 + np.exp(-(h @ P["W2"] + P["b2"])))
    dz2 = (p - y) / (len(y) if mean else 1)
    dz1 = np.outer(dz2, P["W2"]) * ((z1 > 0) if mask else 1.0)
    return {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": np.array(dz2.sum())}


def _check(student, X, y, P, label):
    loss_ref, g_ref = _torch_mlp(X, y, P)
    no_mask, summed = _wrong_backward(X, y, P, mask=False), _wrong_backward(X, y, P, mean=False)
    loss, grads = student.mlp2_forward_backward(X, y, P["W1"], P["b1"], P["W2"], P["b2"])
    # measured |solution - autograd|: loss 0, grads <= 4.2e-17 absolute (2.8e-15 relative);
    # tolerance rtol 1e-9 + atol 1e-13
    assert_scalar(loss, loss_ref, rtol=1e-10, what=f"loss {label}",
                  hint="forward pass wrong (forgotten bias b1?)")
    assert isinstance(grads, dict) and set(grads) == set(NAMES), "grads keys"
    for k in NAMES:
        traps = {"sum instead of mean": summed[k]}
        if k in ("W1", "b1"):
            traps["forgotten ReLU mask"] = no_mask[k]
        if k == "W1":
            traps["transposed dW1"] = g_ref[k].T
        assert_close(np.asarray(grads[k], dtype=float), g_ref[k], rtol=1e-9, atol=1e-13,
                     what=f"grads[{k!r}] {label}", traps=traps)


@question("backprop", weight=3)
def test_mlp2_random_odd_sizes(student):
    rng = np.random.default_rng(401)
    X, y = rng.normal(size=(13, 7)), (rng.random(13) < 0.5).astype(float)
    _check(student, X, y, _params(402, 7, 5), "N=13, D=7, H=5")


def test_mlp2_single_sample(student):
    X, y = np.array([[0.4, -1.1, 2.0]]), np.array([1.0])
    _check(student, X, y, _params(403, 3, 6), "N=1")


@question("backprop", weight=2)
def test_mlp2_relu_grad_at_zero(student):
    rng = np.random.default_rng(404)
    X = rng.normal(size=(5, 3))
    X[2] = 0.0  # with b1[j] = 0 the pre-activation of sample 2 is exactly 0 on unit j
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    P = _params(405, 3, 4)
    P["b1"] = np.array([0.0, 0.3, 0.0, -0.2])
    _check(student, X, y, P, "with pre-activations exactly 0 (relu'(0) = 0)")


def test_mlp2_saturated_loss_is_finite(student):
    rng = np.random.default_rng(406)
    X, y = rng.normal(size=(6, 2)), np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    P = {"W1": 400 * rng.normal(size=(2, 3)), "b1": np.zeros(3), "W2": 400 * rng.normal(size=3),
         "b2": 0.0}
    loss_ref, _ = _torch_mlp(X, y, P)
    loss, _ = student.mlp2_forward_backward(X, y, P["W1"], P["b1"], P["W2"], P["b2"])
    # logits of order 1e5: p is exactly 0 or 1 and only the eps-clipping keeps the loss finite
    assert_scalar(loss, loss_ref, rtol=1e-10, what="loss with saturated outputs")

@property_test

def test_mlp2_inputs_unchanged(student):
    rng = np.random.default_rng(407)
    X, y = rng.normal(size=(4, 3)), np.array([0.0, 1.0, 1.0, 0.0])
    P = _params(408, 3, 2)
    _, args, _ = student.call_with_inputs("mlp2_forward_backward", X, y, P["W1"], P["b1"],
                                          P["W2"], P["b2"])
    for before, after, name in zip((X, y, P["W1"], P["b1"], P["W2"]), args[:5],
                                   ("X", "y", "W1", "b1", "W2"), strict=True):
        assert_unchanged(before, after, name)


def _f_mixed(v):
    v = np.asarray(v)
    return float(np.sum(np.exp(0.5 * v) * np.sin(v)) + v[0, 1, 0] * v[1, 2, 1])


def _df_mixed(x):
    g = np.exp(0.5 * x) * (0.5 * np.sin(x) + np.cos(x))
    g[0, 1, 0] += x[1, 2, 1]
    g[1, 2, 1] += x[0, 1, 0]
    return g


@question("backprop", weight=2)
def test_numerical_gradient_default_h(student):
    x = np.random.default_rng(409).normal(size=(2, 3, 2))
    g = student.numerical_gradient(_f_mixed, x)
    # measured |central (h=1e-5) - exact| <= 3.8e-11; forward differences are off by 5.1e-6
    assert_close(g, _df_mixed(x), rtol=0, atol=1e-8, what="numerical_gradient, shape (2, 3, 2)")


@question("backprop", weight=2)
def test_numerical_gradient_uses_h(student):
    x = np.array([0.5, -1.25, 2.0, 0.0, 1.0])
    h = 0.1
    g = student.numerical_gradient(lambda v: float(np.sum(np.asarray(v) ** 4)), x, h=h)
    # exact central difference of x^4: 4x^3 + 4 x h^2 (forward: 4x^3 + 6x^2 h + 4 x h^2 + h^3)
    assert_close(g, 4 * x**3 + 4 * x * h**2, rtol=1e-9, atol=1e-12, what="numerical_gradient h=0.1",
                 traps={"forward differences": 4 * x**3 + 6 * x**2 * h + 4 * x * h**2 + h**3})


@question("backprop", weight=2)
def test_numerical_gradient_input_unchanged(student):
    # entries near h: x + h - h != x for several of them (and x + h - 2h + h for most)
    x = np.array([0.1, 0.7, -0.3, 1e-6, 3.7e-6, -2.9e-6, 0.2, 1.1, 2.3e-7, -1.7])
    g, args, _ = student.call_with_inputs("numerical_gradient",
                                          lambda v: float(np.sum(np.asarray(v) ** 2)), x)
    assert_unchanged(x, args[1], "x")
    assert_close(g, 2 * x, rtol=0, atol=1e-8, what="numerical_gradient of sum(x^2)")


def test_numerical_gradient_single_entry(student):
    g = student.numerical_gradient(lambda v: float(np.cos(np.asarray(v)[0])), np.array([0.8]))
    assert_close(g, -np.sin([0.8]), rtol=0, atol=1e-9, what="numerical_gradient of one entry")
