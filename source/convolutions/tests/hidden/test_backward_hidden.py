"""Hidden tests of question backward: conv1d_backward against torch autograd in float64.

Tolerance: the reference solution differs from autograd by < 1e-13 here (measured); rtol=1e-9.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.testing import assert_close, assert_unchanged, property_test, question

pytestmark = question("backward")

RTOL, ATOL = 1e-9, 1e-10  # measured reference error < 1e-13

MEAN_DB = "averaged bias gradient instead of a sum"
OVERWRITE = "gradient contributions overwritten instead of accumulated (+=)"


def autograd(dout, x, w, b, **kwargs):
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    (F.conv1d(tx, tw, tb, **kwargs) * torch.from_numpy(dout)).sum().backward()
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def make_case(rng, n, c_in, c_out, length, k, **kwargs):
    x, w, b = (rng.normal(size=(n, c_in, length)), rng.normal(size=(c_out, c_in, k)),
               rng.normal(size=c_out))
    shape = F.conv1d(torch.from_numpy(x), torch.from_numpy(w), **kwargs).shape
    return rng.normal(size=tuple(shape)), x, w, b


def configs():
    rng = np.random.default_rng(301)
    out = []
    while len(out) < 12:
        k, s, p, d = (int(rng.integers(1, 6)), int(rng.integers(1, 4)), int(rng.integers(0, 3)),
                      int(rng.integers(1, 4)))
        length = int(rng.integers(d * (k - 1) + 1, 30))
        out.append({"k": k, "length": length, "stride": s, "padding": p, "dilation": d})
    return out


@question("backward", weight=3)
@pytest.mark.parametrize("cfg", configs(), ids=lambda c: "-".join(f"{k}{v}" for k, v in c.items()))
def test_random_configs(student, cfg):
    cfg = dict(cfg)
    rng = np.random.default_rng(cfg["length"] * 100 + cfg["k"])
    k, length = cfg.pop("k"), cfg.pop("length")
    dout, x, w, b = make_case(rng, 2, 3, 2, length, k, **cfg)
    dx, dw, db = student.conv1d_backward(dout, x, w, **cfg)
    rdx, rdw, rdb = autograd(dout, x, w, b, **cfg)
    what = f"conv1d_backward x{x.shape} w{w.shape} {cfg}"
    assert_close(dx, rdx, rtol=RTOL, atol=ATOL, what=f"dx of {what}")
    assert_close(dw, rdw, rtol=RTOL, atol=ATOL, what=f"dw of {what}")
    assert_close(db, rdb, rtol=RTOL, atol=ATOL, what=f"db of {what}",
                 traps={MEAN_DB: dout.mean(axis=(0, 2))})


@question("backward", weight=2)
def test_overlapping_taps_accumulate(student):
    rng = np.random.default_rng(302)
    dout, x, w, b = make_case(rng, 3, 2, 4, 20, 5, padding=2)
    dx, _, _ = student.conv1d_backward(dout, x, w, padding=2)
    assert_close(dx, autograd(dout, x, w, b, padding=2)[0], rtol=RTOL, atol=ATOL,
                 what="dx with K=5, stride 1, padding 2", hint=OVERWRITE)


@question("backward", weight=2)
def test_bias_gradient_is_a_sum(student):
    rng = np.random.default_rng(303)
    dout, x, w, b = make_case(rng, 4, 1, 3, 25, 3, stride=2)
    _, _, db = student.conv1d_backward(dout, x, w, stride=2)
    assert_close(db, autograd(dout, x, w, b, stride=2)[2], rtol=RTOL, atol=ATOL,
                 what="db with N=4", traps={MEAN_DB: dout.mean(axis=(0, 2)),
                                            "mean over the batch only": dout.sum(axis=2).mean(0)})


@question("backward", weight=1)
def test_unused_trailing_samples(student):
    # (L + 2p - d(K-1) - 1) is not a multiple of the stride: the last samples get zero gradient
    rng = np.random.default_rng(304)
    dout, x, w, b = make_case(rng, 1, 2, 2, 14, 3, stride=4, dilation=2)
    dx, dw, _ = student.conv1d_backward(dout, x, w, stride=4, dilation=2)
    rdx, rdw, _ = autograd(dout, x, w, b, stride=4, dilation=2)
    assert_close(dx, rdx, rtol=RTOL, atol=ATOL, what="dx with stride 4, dilation 2, L=14")
    assert_close(dw, rdw, rtol=RTOL, atol=ATOL, what="dw with stride 4, dilation 2, L=14")


@property_test
@question("backward", weight=1)
def test_inputs_unchanged(student):
    rng = np.random.default_rng(305)
    dout, x, w, _ = make_case(rng, 2, 2, 2, 9, 3, padding=1)
    _, args, _ = student.call_with_inputs("conv1d_backward", dout, x, w, padding=1)
    for name, before, after in zip(("dout", "x", "w"), (dout, x, w), args[:3], strict=True):
        assert_unchanged(before, after, name)
