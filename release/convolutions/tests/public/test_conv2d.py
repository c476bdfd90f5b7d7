"""Public tests of question conv2d: conv2d and max_pool2d against PyTorch in float64.

Tolerance: the reference solution differs from torch by < 1e-14; we allow rtol=1e-9.
"""

import numpy as np
import torch
import torch.nn.functional as F

from autograder.testing import assert_close, assert_unchanged, builds_on, question

# the layers compute their output sizes with conv_output_length: its mistakes show here too
pytestmark = [question("conv2d"), builds_on("conv_output_length")]

RTOL, ATOL = 1e-9, 1e-11  # measured reference error < 1e-14

CHANNELS_LAST = ("your output is channels-last (N, H, W, C); PyTorch's layout is (N, C, H, W): "
                 "keep the channel axis second")
REVERSED = ("you used the pair in the wrong order: (stride_h, stride_w) means the first number "
            "is for the H axis (axis 2), the second for W (axis 3)")
FLIPPED = "you flipped the kernel: conv2d is a cross-correlation, like torch"
NO_BIAS = "you forgot the bias"
SAME_LEFT = 'with padding="same" and an odd total, the extra zero goes on the right/bottom'
POOL_STRIDE_ONE = "max_pool2d's stride defaults to the kernel size, not to 1"


def t(a):
    return None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64).copy())


def conv_ref(x, w, b=None, **kwargs):
    return F.conv2d(t(x), t(w), t(b), **kwargs).numpy()


def test_conv2d_basic(student):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 7, 9)), rng.normal(size=(5, 3, 3, 3)), rng.normal(size=5)
    value, args, _ = student.call_with_inputs("conv2d", x, w, b)
    ref = conv_ref(x, w, b)
    assert_close(value, ref, rtol=RTOL, atol=ATOL,
                 what="conv2d(x, w, b) with x (2, 3, 7, 9), w (5, 3, 3, 3)",
                 hint="y[n,o,i,j] = b[o] + sum_{c,u,v} w[o,c,u,v] x[n,c,i+u,j+v]",
                 traps={CHANNELS_LAST: np.moveaxis(ref, 1, -1), NO_BIAS: conv_ref(x, w),
                        FLIPPED: conv_ref(x, w[:, :, ::-1, ::-1], b)})
    assert_unchanged(x, args[0], "x")


def test_conv2d_pairs(student):
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(1, 2, 10, 13)), rng.normal(size=(3, 2, 3, 2))
    kw = {"stride": (1, 2), "padding": (2, 0), "dilation": (1, 2)}
    rev = {"stride": (2, 1), "padding": (2, 0), "dilation": (1, 2)}
    assert_close(student.conv2d(x, w, stride=(1, 2), padding=(2, 0), dilation=(1, 2)),
                 conv_ref(x, w, **kw), rtol=RTOL, atol=ATOL,
                 what="conv2d(x, w, stride=(1, 2), padding=(2, 0), dilation=(1, 2)), "
                      "x (1, 2, 10, 13)",
                 hint="every pair is (H, W): the first number is for axis 2, the second for axis 3",
                 traps={REVERSED: conv_ref(x, w, **rev)})


def test_conv2d_same_even_kernel(student):
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(1, 1, 6, 8)), rng.normal(size=(2, 1, 2, 4))
    wrong = conv_ref(np.pad(x, ((0, 0), (0, 0), (1, 0), (2, 1))), w)
    assert_close(student.conv2d(x, w, padding="same"), conv_ref(x, w, padding="same"),
                 rtol=RTOL, atol=ATOL, what='conv2d(x, w, padding="same") with a (2, 4) kernel',
                 hint="per axis: total d*(K-1) zeros, total//2 before, the rest after",
                 traps={SAME_LEFT: wrong})


def test_max_pool2d_default_stride(student):
    x = np.random.default_rng(3).normal(size=(2, 3, 8, 10))
    assert_close(student.max_pool2d(x, 2), F.max_pool2d(t(x), 2).numpy(), rtol=RTOL, atol=ATOL,
                 what="max_pool2d(x, 2) with x (2, 3, 8, 10)",
                 hint="non-overlapping 2x2 windows: output (2, 3, 4, 5)",
                 traps={POOL_STRIDE_ONE: F.max_pool2d(t(x), 2, stride=1).numpy()})


def test_max_pool2d_pairs_floor(student):
    x = np.random.default_rng(4).normal(size=(1, 2, 9, 11))
    assert_close(student.max_pool2d(x, (2, 3), stride=(1, 2)),
                 F.max_pool2d(t(x), (2, 3), stride=(1, 2)).numpy(), rtol=RTOL, atol=ATOL,
                 what="max_pool2d(x, (2, 3), stride=(1, 2)) with x (1, 2, 9, 11)",
                 hint="floor mode: windows that do not fit are dropped; pairs are (H, W)",
                 traps={REVERSED: F.max_pool2d(t(x), (3, 2), stride=(2, 1)).numpy()})
