"""Public tests for `losses`: BCE and its gradient, MSE, and the linear-regression gradient."""

import math

import numpy as np

from autograder.testing import assert_close, assert_scalar, question

pytestmark = question("losses")

Y_HAT = np.array([0.9, 0.2, 0.6, 0.3])
Y = np.array([1.0, 0.0, 0.0, 1.0])


def _bce_terms():
    return np.array([-math.log(0.9), -math.log(0.8), -math.log(0.4), -math.log(0.3)])


def test_bce_loss(student):
    terms = _bce_terms()
    assert_scalar(student.bce_loss(Y_HAT, Y), float(terms.mean()), rtol=1e-12,
                  what="bce_loss([0.9, 0.2, 0.6, 0.3], [1, 0, 0, 1])",
                  traps={"that is the sum over samples; take the mean": float(terms.sum()),
                         "the loss must be >= 0: you lost the minus sign": -float(terms.mean())})


def test_bce_loss_clipping(student):
    eps = 1e-12
    expected = -(math.log(1 - eps) + math.log(eps) + math.log(1 - eps)) / 3
    assert_scalar(student.bce_loss(np.array([1.0, 0.0, 0.0]), np.array([1.0, 1.0, 0.0])),
                  expected, rtol=1e-9, what="bce_loss([1, 0, 0], [1, 1, 0])",
                  hint="clip y_hat to [eps, 1 - eps] with np.clip before taking logs; "
                       "log(0) is -inf and 0 * log(0) is nan",
                  traps={"no clipping: log(0) gave inf": math.inf})


def test_bce_grad(student):
    n = len(Y)
    expected = (-Y / Y_HAT + (1 - Y) / (1 - Y_HAT)) / n
    assert_close(student.bce_grad(Y_HAT, Y), expected, rtol=1e-12,
                 what="bce_grad([0.9, 0.2, 0.6, 0.3], [1, 0, 0, 1])",
                 hint="differentiate the mean BCE with respect to y_hat: "
                      "(-y / y_hat + (1 - y) / (1 - y_hat)) / N",
                 traps={"that is (y_hat - y) / N, the gradient w.r.t. the logit z; bce_grad is "
                        "the gradient w.r.t. the prediction y_hat": (Y_HAT - Y) / n,
                        "you forgot to divide by N (the loss is a mean, not a sum)": expected * n,
                        "wrong sign: the derivative of -log(y_hat) is -1/y_hat": -expected})


def test_mse_loss(student):
    d = Y_HAT - Y
    assert_scalar(student.mse_loss(Y_HAT, Y), float(np.mean(d**2)), rtol=1e-12,
                  what="mse_loss([0.9, 0.2, 0.6, 0.3], [1, 0, 0, 1])",
                  traps={"that is the sum of squares; take the mean": float(np.sum(d**2)),
                         "no factor 1/2 in mse_loss": float(np.mean(d**2)) / 2})


def test_linreg_grad(student):
    X = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    w, b, y = np.array([0.5, -1.0]), 2.0, np.array([1.0, 0.0, -2.0])
    r = X @ w + b - y
    dw, db = student.linreg_grad(w, b, X, y)
    r0 = X @ w - y
    assert_close(dw, X.T @ r / 3, rtol=1e-12, what="dw of linreg_grad(w, b=2, X, y)",
                 hint="dw = X.T @ (X @ w + b - y) / N",
                 traps={"you forgot the bias b in the residual": X.T @ r0 / 3,
                        "you forgot to divide by N": X.T @ r,
                        "wrong sign: the residual is X @ w + b - y, not y - X @ w - b": -X.T @ r / 3})
    assert_scalar(db, float(r.mean()), rtol=1e-12, what="db of linreg_grad(w, b=2, X, y)",
                  hint="db = mean(X @ w + b - y), returned as a Python float",
                  traps={"you forgot the bias b in the residual": float(r0.mean())})
