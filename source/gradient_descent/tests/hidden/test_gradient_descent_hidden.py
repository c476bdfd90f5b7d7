"""Hidden tests for `gradient_descent`: closed forms, least squares, torch-autograd logistic fits."""

import numpy as np
import torch

from autograder.testing import assert_close, assert_scalar, assert_unchanged, question, reference

pytestmark = question("gradient_descent")


def _spd(seed, d):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return Q @ np.diag(np.linspace(0.5, 3.0, d)) @ Q.T, rng.normal(size=d)


def _affine_history(A, c, theta0, lr, n):
    """Closed form of GD on 0.5 θᵀAθ - cᵀθ: θ_k = θ* + (I - lr A)^k (θ0 - θ*)."""
    star = np.linalg.solve(A, c)
    M = np.eye(len(c)) - lr * A
    return np.array([star + np.linalg.matrix_power(M, k) @ (theta0 - star) for k in range(n + 1)])


@question("gradient_descent", weight=2)
def test_anisotropic_quadratic(student):
    A, c = _spd(301, 3)
    theta0 = np.array([1.5, -0.5, 2.0])
    expected = _affine_history(A, c, theta0, 0.3, 23)
    (theta, history), args, _ = student.call_with_inputs(
        "gradient_descent", lambda t: A @ np.asarray(t) - c, theta0, 0.3, 23)
    assert_unchanged(theta0, args[1], "theta0")
    # measured |solution - closed form| <= 4.5e-16 absolute; rtol 1e-9 + atol 1e-12
    assert_close(history, expected, rtol=1e-9, atol=1e-12, what="history",
                 traps={"without θ0": expected[1:]})
    assert_close(theta, expected[-1], rtol=1e-9, atol=1e-12, what="theta")


@question("gradient_descent", weight=2)
def test_theta0_unchanged_and_history_copies(student):
    theta0 = np.array([[2.0, -1.0], [0.5, 3.0], [-2.5, 1.0]])  # a matrix-shaped parameter
    target = np.arange(6.0).reshape(3, 2)
    (theta, history), args, _ = student.call_with_inputs(
        "gradient_descent", lambda t: 2 * (np.asarray(t) - target), theta0, 0.15, 7)
    assert_unchanged(theta0, args[1], "theta0")
    expected = np.array([target + 0.7**k * (theta0 - target) for k in range(8)])
    assert_close(history, expected, rtol=1e-12, atol=1e-13, what="history for a (3, 2) θ")


def test_zero_steps(student):
    theta0 = np.array([0.3, -0.7, 1.1])
    theta, history = student.gradient_descent(lambda t: np.ones(3), theta0, 0.5, 0)
    assert_close(history, theta0[None], rtol=0, what="history after 0 steps")
    assert_close(theta, theta0, rtol=0, what="theta after 0 steps")


def test_list_of_ints_theta0(student):
    theta, history = student.gradient_descent(lambda t: np.asarray(t, dtype=float), [4, -2], 0.25,
                                              3)
    expected = np.array([[4.0, -2.0], [3.0, -1.5], [2.25, -1.125], [1.6875, -0.84375]])
    assert_close(history, expected, rtol=1e-12, what="history from theta0=[4, -2] (ints)")


def test_diverging_rate_is_followed(student):
    A, c = _spd(302, 2)
    theta0 = np.array([1.0, 1.0])
    lr = 1.0  # > 2 / lambda_max = 2/3: the iteration diverges and the history must show it
    expected = _affine_history(A, c, theta0, lr, 25)
    _, history = student.gradient_descent(lambda t: A @ np.asarray(t) - c, theta0, lr, 25)
    # measured 5.2e-15 relative (values reach 4e7); tolerance rtol 1e-8
    assert_close(history, expected, rtol=1e-8, atol=1e-10, what="diverging history")


@question("gradient_descent", weight=2)
def test_linear_regression_matches_least_squares(student):
    rng = np.random.default_rng(303)
    n = 41
    X = np.c_[rng.normal(size=(n, 3)), np.ones(n)]  # last column: the bias
    y = X @ np.array([1.5, -2.0, 0.5, 3.0]) + 0.1 * rng.normal(size=n)
    lstsq = np.linalg.lstsq(X, y, rcond=None)[0]
    theta, _ = student.gradient_descent(lambda t: X.T @ (X @ np.asarray(t) - y) / n, np.zeros(4),
                                        0.5, 150)
    # contraction factor per step <= 0.69 here (measured error 2.2e-15), so 150 steps leave < 1e-12; tolerance 1e-8
    assert_close(theta, lstsq, rtol=1e-8, atol=1e-8, what="GD on least squares vs np.linalg.lstsq")


@reference
def _logreg_torch(X, y, lr, n_steps, eps=1e-12):
    Xt, yt = torch.tensor(X), torch.tensor(y)
    w = torch.zeros(X.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(n_steps):
        p = torch.sigmoid(Xt @ w + b).clamp(eps, 1 - eps)
        loss = -(yt * torch.log(p) + (1 - yt) * torch.log(1 - p)).mean()
        losses.append(loss.item())
        gw, gb = torch.autograd.grad(loss, (w, b))
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
    return w.detach().numpy(), b.item(), np.array(losses)


def _overlapping(seed, n, d, shift):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(float)
    X = rng.normal(size=(n, d)) + shift + np.outer(y, np.linspace(1.0, 0.5, d))
    return X, y


@question("gradient_descent", weight=3)
def test_logistic_regression_vs_autograd(student):
    X, y = _overlapping(304, 37, 3, shift=2.0)
    w_ref, b_ref, l_ref = _logreg_torch(X, y, 0.2, 150)
    (w, b, losses), args, _ = student.call_with_inputs("fit_logistic_regression", X, y,
                                                       lr=0.2, n_steps=150)
    assert_unchanged(X, args[0], "X")
    assert_unchanged(y, args[1], "y")
    # measured |solution - torch| <= 6.5e-16 relative on w, b and the losses; tolerance rtol 1e-8
    assert_close(np.asarray(losses, dtype=float), l_ref, rtol=1e-8, what="losses",
                 traps={"losses after the step": np.r_[l_ref[1:], np.nan]})
    assert_close(w, w_ref, rtol=1e-8, atol=1e-10, what="w")
    assert_scalar(b, b_ref, rtol=1e-8, atol=1e-10, what="b")


def test_logistic_regression_defaults(student):
    X, y = _overlapping(305, 25, 2, shift=-1.5)
    w_ref, b_ref, l_ref = _logreg_torch(X, y, 0.1, 1000)
    w, b, losses = student.fit_logistic_regression(X, y)
    # measured <= 5e-16 relative after 1000 steps (GD on a convex loss does not amplify rounding)
    assert_close(np.asarray(losses, dtype=float), l_ref, rtol=1e-8, what="losses (defaults)")
    assert_close(w, w_ref, rtol=1e-8, atol=1e-10, what="w (defaults)")
    assert_scalar(b, b_ref, rtol=1e-8, atol=1e-10, what="b (defaults)")


def test_logistic_regression_single_feature_and_sample(student):
    for X, y in ((_overlapping(306, 15, 1, shift=1.0)), (np.array([[0.7, -1.2]]), np.array([1.0]))):
        w_ref, b_ref, l_ref = _logreg_torch(X, y, 0.5, 40)
        w, b, losses = student.fit_logistic_regression(X, y, lr=0.5, n_steps=40)
        assert_close(np.asarray(losses, dtype=float), l_ref, rtol=1e-8, what=f"losses {X.shape}")
        assert_close(w, w_ref, rtol=1e-8, atol=1e-10, what=f"w {X.shape}")
        assert_scalar(b, b_ref, rtol=1e-8, atol=1e-10, what=f"b {X.shape}")
