"""Public tests of question backward: conv1d_backward against torch autograd in float64.

Tolerance: the reference solution differs from autograd by < 1e-13; we allow rtol=1e-9.
"""

import numpy as np
import torch
import torch.nn.functional as F

from autograder.testing import assert_close, question

pytestmark = question("backward")

RTOL, ATOL = 1e-9, 1e-11  # measured reference error < 1e-13

MEAN_DB = "db is a sum over batch and positions (b[o] appears once in every output), not a mean"
OVERWRITE = ("several (output, tap) pairs read the same input sample: accumulate their "
             "contributions with +=, do not overwrite")
NOT_CROPPED = "cut the padding off dx: dx = dx_pad[:, :, p:p+L] has the shape of x"


def autograd(dout, x, w, b, **kwargs):
    tx, tw, tb = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w, b))
    out = F.conv1d(tx, tw, tb, **kwargs)
    (out * torch.from_numpy(dout)).sum().backward()
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def overwritten_dx(dout, w, stride, padding, dilation, length):
    """What a tap loop with `=` instead of `+=` leaves in dx (the last tap wins)."""
    n, k = dout.shape[0], w.shape[-1]
    dxp = np.zeros((n, w.shape[1], length + 2 * padding))
    span = stride * (dout.shape[-1] - 1) + 1
    for j in range(k):
        dxp[:, :, j * dilation:j * dilation + span:stride] = np.einsum("nol,oc->ncl", dout,
                                                                       w[:, :, j])
    return dxp[:, :, padding:padding + length]


def case(seed, n=2, c_in=3, c_out=4, length=12, k=3, **kwargs):
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, c_in, length)), rng.normal(size=(c_out, c_in, k)), rng.normal(
        size=c_out)
    shape = F.conv1d(torch.from_numpy(x), torch.from_numpy(w), **kwargs).shape
    return rng.normal(size=tuple(shape)), x, w, b


def test_bias_gradient(student):
    dout, x, w, b = case(0)
    _, _, db = student.conv1d_backward(dout, x, w)
    assert_close(db, autograd(dout, x, w, b)[2], rtol=RTOL, atol=ATOL,
                 what="db of conv1d_backward(dout, x, w)", hint="db[o] = sum over n and l of dout",
                 traps={MEAN_DB: dout.mean(axis=(0, 2))})


def test_input_gradient(student):
    dout, x, w, b = case(1)
    dx, _, _ = student.conv1d_backward(dout, x, w)
    assert_close(dx, autograd(dout, x, w, b)[0], rtol=RTOL, atol=ATOL,
                 what="dx of conv1d_backward(dout, x, w) with K = 3, stride 1",
                 hint="dx_pad[n, c, s*l + d*k] += sum_o dout[n, o, l] * w[o, c, k]",
                 traps={OVERWRITE: overwritten_dx(dout, w, 1, 0, 1, x.shape[-1])})


def test_all_gradients_stride_padding_dilation(student):
    kw = {"stride": 2, "padding": 1, "dilation": 2}
    dout, x, w, b = case(2, length=15, **kw)
    dx, dw, db = student.conv1d_backward(dout, x, w, **kw)
    rdx, rdw, rdb = autograd(dout, x, w, b, **kw)
    what = "conv1d_backward(dout, x, w, stride=2, padding=1, dilation=2)"
    assert_close(dw, rdw, rtol=RTOL, atol=ATOL, what=f"dw of {what}",
                 hint="dw[o, c, k] = sum over n, l of dout[n, o, l] * x_pad[n, c, s*l + d*k]")
    assert_close(dx, rdx, rtol=RTOL, atol=ATOL, what=f"dx of {what}",
                 hint="accumulate dx_pad[n, c, s*l + d*k] += sum_o dout[n, o, l] * w[o, c, k], "
                      "then " + NOT_CROPPED)
    assert_close(db, rdb, rtol=RTOL, atol=ATOL, what=f"db of {what}",
                 traps={MEAN_DB: dout.mean(axis=(0, 2))})
