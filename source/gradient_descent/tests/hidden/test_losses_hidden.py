"""Hidden tests for `losses`: torch autograd references, clipping edge cases, a single sample."""

import numpy as np
import torch

from autograder.testing import assert_close, assert_scalar, assert_unchanged, property_test, question

pytestmark = question("losses")


def _bce_torch(y_hat, y, eps=1e-12):
    """Reference loss and its gradient w.r.t. y_hat (torch float64, clamp as the contract says)."""
    t = torch.tensor(y_hat, dtype=torch.float64, requires_grad=True)
    tc = t.clamp(eps, 1 - eps)
    yt = torch.tensor(y, dtype=torch.float64)
    loss = -(yt * torch.log(tc) + (1 - yt) * torch.log(1 - tc)).mean()
    loss.backward()
    return loss.item(), t.grad.numpy()


def _bce_grad_closed(y_hat, y, eps=1e-12):
    """The contract's formula at the clipped y_hat (autograd through clamp would give 0 there)."""
    c = np.clip(y_hat, eps, 1 - eps)
    return (-y / c + (1 - y) / (1 - c)) / c.size


def _data(seed, n):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.01, 0.99, n), (rng.random(n) < 0.5).astype(float)


@question("losses", weight=2)
def test_bce_loss_random(student):
    y_hat, y = _data(201, 17)
    ref, _ = _bce_torch(y_hat, y)
    # measured |solution - torch| = 0 (same operations); tolerance rtol 1e-12
    n = len(y)
    assert_scalar(student.bce_loss(y_hat, y), ref, rtol=1e-12, what="bce_loss(random, N=17)",
                  traps={"sum instead of mean": ref * n, "wrong sign": -ref})


def test_bce_loss_single_sample(student):
    ref, _ = _bce_torch(np.array([0.3]), np.array([1.0]))
    assert_scalar(student.bce_loss(np.array([0.3]), np.array([1.0])), ref, rtol=1e-12,
                  what="bce_loss single sample")


@question("losses", weight=2)
def test_bce_loss_exact_zero_one(student):
    y_hat = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    ref, _ = _bce_torch(y_hat, y)
    # clipped: two confident mistakes cost -log(1e-12) each; measured error 0
    assert_scalar(student.bce_loss(y_hat, y), ref, rtol=1e-12,
                  what="bce_loss with y_hat exactly 0 and 1 (missing clipping gives inf/nan)")


def test_bce_loss_clips_tiny_values(student):
    y_hat, y = np.array([1e-15, 1 - 1e-16, 0.4]), np.array([1.0, 0.0, 1.0])
    ref, _ = _bce_torch(y_hat, y)
    assert_scalar(student.bce_loss(y_hat, y), ref, rtol=1e-12,
                  what="bce_loss with y_hat below eps (must be clipped to eps)")


def test_bce_loss_eps_and_soft_labels(student):
    y_hat, y = np.array([0.0004, 0.7, 0.9999]), np.array([0.2, 0.5, 0.9])
    ref, _ = _bce_torch(y_hat, y, eps=1e-3)
    assert_scalar(student.bce_loss(y_hat, y, eps=1e-3), ref, rtol=1e-12,
                  what="bce_loss(..., eps=1e-3) with soft labels")


@question("losses", weight=2)
def test_bce_grad_vs_autograd(student):
    y_hat, y = _data(202, 23)
    _, ref = _bce_torch(y_hat, y)
    n = len(y)
    # measured |solution - autograd| <= 2.1e-16 relative; tolerance 1e-10
    assert_close(student.bce_grad(y_hat, y), ref, rtol=1e-10, what="bce_grad(random, N=23)",
                 traps={"gradient w.r.t. logits": (y_hat - y) / n, "sum instead of mean": ref * n,
                        "wrong sign": -ref})


def test_bce_grad_single_sample(student):
    _, ref = _bce_torch(np.array([0.8]), np.array([0.0]))
    assert_close(student.bce_grad(np.array([0.8]), np.array([0.0])), ref, rtol=1e-10,
                 what="bce_grad single sample")


@question("losses", weight=2)
def test_bce_grad_clipped_edges(student):
    y_hat = np.array([0.0, 1.0, 0.0, 1.0, 0.25])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    expected = _bce_grad_closed(y_hat, y)
    g = student.bce_grad(y_hat, y)
    assert_close(g, expected, rtol=1e-10, what="bce_grad with y_hat exactly 0 and 1 (finite)")
    expected = _bce_grad_closed(np.array([0.0002, 0.5]), np.array([1.0, 0.0]), eps=1e-3)
    assert_close(student.bce_grad(np.array([0.0002, 0.5]), np.array([1.0, 0.0]), eps=1e-3),
                 expected, rtol=1e-10, what="bce_grad(..., eps=1e-3)")

@property_test

def test_bce_inputs_unchanged(student):
    y_hat, y = np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0])
    for name in ("bce_loss", "bce_grad"):
        _, args, _ = student.call_with_inputs(name, y_hat, y)
        assert_unchanged(y_hat, args[0], "y_hat")
        assert_unchanged(y, args[1], "y")


def test_mse_loss(student):
    rng = np.random.default_rng(203)
    for n in (11, 1):
        a, b = rng.normal(size=n), rng.normal(size=n)
        ref = float(torch.nn.functional.mse_loss(torch.tensor(a), torch.tensor(b)))
        assert_scalar(student.mse_loss(a, b), ref, rtol=1e-12, what=f"mse_loss N={n}",
                      traps={"sum instead of mean": ref * n, "half": ref / 2})


def _linreg_torch(w, b, X, y):
    wt = torch.tensor(w, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    r = torch.tensor(X) @ wt + bt - torch.tensor(y)
    (0.5 * (r**2).mean()).backward()
    return wt.grad.numpy(), float(bt.grad.item())


@question("losses", weight=2)
def test_linreg_grad_vs_autograd(student):
    rng = np.random.default_rng(204)
    for n, d in ((19, 5), (1, 3), (4, 1)):
        X, w, y = rng.normal(size=(n, d)), rng.normal(size=d), rng.normal(size=n) + 2.0
        b = -1.3
        dw_ref, db_ref = _linreg_torch(w, b, X, y)
        dw, db = student.linreg_grad(w, b, X, y)
        # measured |solution - autograd| <= 7.8e-16 relative, 8.9e-16 absolute;
        # tolerance rtol 1e-10 + atol 1e-13
        assert_close(dw, dw_ref, rtol=1e-10, atol=1e-13, what=f"dw, N={n}, D={d}")
        assert_scalar(db, db_ref, rtol=1e-10, atol=1e-13, what=f"db, N={n}, D={d}")

@property_test

def test_linreg_grad_inputs_unchanged(student):
    rng = np.random.default_rng(205)
    X, w, y = rng.normal(size=(6, 2)), rng.normal(size=2), rng.normal(size=6)
    _, args, _ = student.call_with_inputs("linreg_grad", w, 0.5, X, y)
    for before, after, name in zip((w, X, y), (args[0], args[2], args[3]), ("w", "X", "y"),
                                   strict=True):
        assert_unchanged(before, after, name)
