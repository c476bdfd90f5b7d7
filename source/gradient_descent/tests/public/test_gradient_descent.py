"""Public tests for `gradient_descent`: the update rule, the history, and logistic regression."""

import math

import numpy as np

from autograder.testing import assert_close, assert_scalar, assert_unchanged, question

pytestmark = question("gradient_descent")

CENTER = np.array([1.0, -2.0])


def grad_bowl(theta):
    """Gradient of f(theta) = |theta - CENTER|^2."""
    return 2.0 * (np.asarray(theta) - CENTER)


def test_quadratic_bowl(student):
    theta0, lr, n = np.array([3.0, 0.0]), 0.1, 5
    (theta, history), args, _ = student.call_with_inputs("gradient_descent", grad_bowl, theta0,
                                                         lr, n)
    assert_unchanged(theta0, args[1], "theta0")
    # closed form: theta_k = CENTER + (1 - 2 lr)^k (theta0 - CENTER)
    expected = np.array([CENTER + (1 - 2 * lr) ** k * (theta0 - CENTER) for k in range(n + 1)])
    assert_close(history, expected, rtol=1e-12,
                 what="history of gradient_descent(grad of |θ - c|², θ0=[3, 0], lr=0.1, 5 steps)",
                 hint="history has n_steps + 1 rows: θ0 first, then θ after each step",
                 traps={"history must start with θ0 itself (n_steps + 1 rows)": expected[1:],
                        "gradient ascent: the update is θ - lr * grad, not θ + lr * grad":
                            np.array([CENTER + (1 + 2 * lr) ** k * (theta0 - CENTER)
                                      for k in range(n + 1)]),
                        "every row equals the final θ: you appended the same array each time "
                        "and updated it in place; append copies": np.repeat(expected[-1:], n + 1,
                                                                            axis=0)})
    assert_close(theta, expected[-1], rtol=1e-12, what="final θ of gradient_descent")


def test_logistic_regression_first_step(student):
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    w, b, losses = student.fit_logistic_regression(X, y, lr=0.5, n_steps=1)
    # at w = 0, b = 0 every prediction is 0.5: loss log 2, gradient X.T @ (0.5 - y) / N
    assert_close(np.asarray(losses, dtype=float), [math.log(2)], rtol=1e-12,
                 what="losses of fit_logistic_regression(X, y, lr=0.5, n_steps=1)",
                 hint="losses[i] is the loss BEFORE step i; at w = 0, b = 0 it is log 2")
    assert_close(w, -0.5 * X.T @ (0.5 - y) / 4, rtol=1e-12, what="w after one step",
                 hint="start from w = 0, b = 0; step w <- w - lr * X.T @ (p - y) / N")
    assert_scalar(b, -0.5 * float(np.mean(0.5 - y)), rtol=1e-12, atol=1e-15,
                  what="b after one step (a float)",
                  hint="b <- b - lr * mean(p - y); did you forget to update the bias?")


def test_logistic_regression_learns(student):
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(size=(20, 2)) + [1.0, 3.0], rng.normal(size=(20, 2)) + [3.0, 4.0]])
    y = np.r_[np.zeros(20), np.ones(20)]
    w, b, losses = student.fit_logistic_regression(X, y, lr=0.3, n_steps=200)
    losses = np.asarray(losses, dtype=float)
    assert losses.shape == (200,), f"losses: expected 200 values (one per step), got {losses.shape}"
    went_up = int(np.sum(np.diff(losses) > 1e-12))
    assert went_up == 0, (
        f"the loss went up in {went_up} of 199 steps: is the update a descent step (minus "
        "sign), and is the gradient a mean over the samples (divided by N), not a sum?")
    z = X @ np.asarray(w) + b
    p = 1 / (1 + np.exp(-z))
    final = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert final < losses[-1] <= losses[0], (
        f"the loss of the returned (w, b) is {final:.4f}, the last recorded loss {losses[-1]:.4f}: "
        "record the loss before each step and return the parameters after the last step")
    assert final < 0.45, (f"after 200 steps the loss is still {final:.3f} on well separated data "
                          "(expected < 0.45): the blobs are away from the origin, so the bias b "
                          "must be learned too")
