"""Public tests for `backprop`: the two-layer network's gradients, and central differences."""

import numpy as np

from autograder.testing import assert_close, assert_scalar, assert_unchanged, question

pytestmark = question("backprop")


def _loss(X, y, W1, b1, W2, b2):
    """The forward pass of the text (the backward pass is yours to write)."""
    z2 = np.maximum(X @ W1 + b1, 0) @ W2 + b2
    p = np.clip(1 / (1 + np.exp(-z2)), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _central(f, x, h=1e-6):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[j] = h
        g[j] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def test_mlp2_small(student):
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(6, 3)), np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    P = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=4),
         "b2": 0.3}
    loss, grads = student.mlp2_forward_backward(X, y, P["W1"], P["b1"], P["W2"], P["b2"])
    assert_scalar(loss, _loss(X, y, **P), rtol=1e-12, what="loss of mlp2_forward_backward",
                  hint="h = relu(X @ W1 + b1); p = sigmoid(h @ W2 + b2); mean BCE")
    assert isinstance(grads, dict) and set(grads) == {"W1", "b1", "W2", "b2"}, (
        f"grads must be a dict with keys W1, b1, W2, b2; got {type(grads).__name__} "
        f"{sorted(grads) if isinstance(grads, dict) else ''}")
    # reference: central differences of the forward pass (error ~1e-9 measured; tolerance 1e-6)
    for name in ("W2", "b1", "W1"):
        numeric = _central(lambda v, name=name: _loss(X, y, **{**P, name: v}), P[name])
        got = grads[name]
        assert_close(got, numeric, rtol=1e-5, atol=1e-6, what=f'grads["{name}"]',
                     hint="follow the chain rule line by line and check each shape; usual "
                          "mistakes: a forgotten ReLU mask relu'(Z1), a sum where the loss "
                          "has a mean (dz2 = (p - y) / N), a forgotten b1 in the forward pass",
                     traps={"dW1 has shape (D, H) = X.T @ dZ1, not the transpose": numeric.T}
                     if name == "W1" else None)
    db2 = _central(lambda v: _loss(X, y, **{**P, "b2": float(v)}), np.array(0.3))
    assert_close(np.asarray(grads["b2"], dtype=float), db2, rtol=1e-5, atol=1e-6,
                 what='grads["b2"] (a float)')


def test_numerical_gradient(student):
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.3]])

    def f(v):
        return float(np.sum(np.asarray(v) ** 3))

    g, args, _ = student.call_with_inputs("numerical_gradient", f, x, h=1e-4)
    assert_unchanged(x, args[1], "x")
    exact = 3 * x**2
    # central differences: error h^2 = 1e-8 for f = sum(x^3); forward differences: 3 h x ~ 1e-4
    assert_close(g, exact, rtol=0, atol=1e-6, what="numerical_gradient(sum(x**3), x, h=1e-4)",
                 hint="use (f(x + h e_j) - f(x - h e_j)) / (2 h) for every entry j",
                 traps={"that is the forward difference (f(x + h) - f(x)) / h; its error is of "
                        "order h, use central differences": exact + 3 * 1e-4 * x})
