"""Hidden tests of question conv2d: random shapes, pairs and paddings against torch (float64).

Tolerance: the reference solution differs from torch by < 1e-13 here (measured); rtol=1e-9.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.testing import assert_close, assert_unchanged, builds_on, question

# the layers compute their output sizes with conv_output_length: its mistakes show here too
pytestmark = [question("conv2d"), builds_on("conv_output_length")]

RTOL, ATOL = 1e-9, 1e-10  # measured reference error < 1e-13

CHANNELS_LAST = "channels-last output (N, H, W, C) instead of (N, C, H, W)"
REVERSED = "reversed (H, W) pair"
FLIPPED = "flipped kernel"
NO_BIAS = "forgotten bias"
NO_DILATION = "ignored dilation"
SAME_LEFT = 'padding="same": extra zero on the wrong side'
POOL_STRIDE_ONE = "pooling stride defaulted to 1 instead of the kernel size"


def t(a):
    return None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64).copy())


def conv_ref(x, w, b=None, **kwargs):
    return F.conv2d(t(x), t(w), t(b), **kwargs).numpy()


def swap(v):
    return (v[1], v[0]) if isinstance(v, tuple) else v


@question("conv2d", weight=3)
def test_conv2d_random_pairs(student):
    rng = np.random.default_rng(201)
    done = 0
    while done < 20:
        kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
        sh, sw = (int(v) for v in rng.integers(1, 4, size=2))
        ph, pw = (int(v) for v in rng.integers(0, 3, size=2))
        dh, dw = (int(v) for v in rng.integers(1, 3, size=2))
        h, w_ = (int(v) for v in rng.integers(5, 16, size=2))
        if h == w_ or h + 2 * ph < dh * (kh - 1) + 1 or w_ + 2 * pw < dw * (kw - 1) + 1:
            continue
        done += 1
        n, c_in, c_out = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(2, 5))
        x, w = rng.normal(size=(n, c_in, h, w_)), rng.normal(size=(c_out, c_in, kh, kw))
        b = rng.normal(size=c_out) if done % 2 else None
        scalar = done % 5 == 0  # sometimes plain ints
        kwargs = ({"stride": sh, "padding": ph, "dilation": dh} if scalar else
                  {"stride": (sh, sw), "padding": (ph, pw), "dilation": (dh, dw)})
        ref = conv_ref(x, w, b, **kwargs)
        traps = {CHANNELS_LAST: np.moveaxis(ref, 1, -1),
                 FLIPPED: conv_ref(x, w[:, :, ::-1, ::-1], b, **kwargs)}
        if b is not None:
            traps[NO_BIAS] = conv_ref(x, w, **kwargs)
        if not scalar:
            try:
                traps[REVERSED] = conv_ref(x, w, b, **{k: swap(v) for k, v in kwargs.items()})
            except RuntimeError:
                pass
        assert_close(student.conv2d(x, w, b, **kwargs), ref, rtol=RTOL, atol=ATOL,
                     what=f"conv2d x{x.shape} w{w.shape} {kwargs}", traps=traps)


@question("conv2d", weight=2)
@pytest.mark.parametrize("stride", [(1, 2), (3, 1), (2, 3)])
def test_conv2d_stride_pair_h_ne_w(student, stride):
    rng = np.random.default_rng(202 + stride[0])
    x, w = rng.normal(size=(2, 2, 9, 14)), rng.normal(size=(3, 2, 3, 3))
    assert_close(student.conv2d(x, w, stride=stride), conv_ref(x, w, stride=stride), rtol=RTOL,
                 atol=ATOL, what=f"conv2d(stride={stride})",
                 traps={REVERSED: conv_ref(x, w, stride=swap(stride))})


@question("conv2d", weight=1)
def test_conv2d_dilation_pair(student):
    rng = np.random.default_rng(203)
    x, w = rng.normal(size=(1, 2, 12, 10)), rng.normal(size=(2, 2, 3, 2))
    assert_close(student.conv2d(x, w, dilation=(3, 2)), conv_ref(x, w, dilation=(3, 2)),
                 rtol=RTOL, atol=ATOL, what="conv2d(dilation=(3, 2))",
                 traps={NO_DILATION: conv_ref(x, w), REVERSED: conv_ref(x, w, dilation=(2, 3))})


@question("conv2d", weight=1)
@pytest.mark.parametrize("kernel, dilation", [((3, 3), 1), ((5, 3), (1, 2)), ((1, 5), 2)])
def test_conv2d_same_odd(student, kernel, dilation):
    rng = np.random.default_rng(204 + kernel[0])
    x, w, b = rng.normal(size=(2, 3, 11, 8)), rng.normal(size=(4, 3, *kernel)), rng.normal(size=4)
    assert_close(student.conv2d(x, w, b, padding="same", dilation=dilation),
                 conv_ref(x, w, b, padding="same", dilation=dilation), rtol=RTOL, atol=ATOL,
                 what=f'conv2d(padding="same", kernel {kernel}, dilation={dilation})',
                 traps={NO_DILATION: conv_ref(x, w, b, padding="same")})


@question("conv2d", weight=1)
def test_conv2d_same_even(student):
    rng = np.random.default_rng(205)
    x, w = rng.normal(size=(1, 2, 7, 9)), rng.normal(size=(2, 2, 4, 2))
    wrong = conv_ref(np.pad(x, ((0, 0), (0, 0), (2, 1), (1, 0))), w)
    assert_close(student.conv2d(x, w, padding="same"), conv_ref(x, w, padding="same"), rtol=RTOL,
                 atol=ATOL, what='conv2d(padding="same", kernel (4, 2))', traps={SAME_LEFT: wrong})


@question("conv2d", weight=1)
def test_conv2d_valid_and_unchanged(student):
    rng = np.random.default_rng(206)
    x, w = rng.normal(size=(1, 1, 6, 7)), rng.normal(size=(1, 1, 2, 3))
    value, args, _ = student.call_with_inputs("conv2d", x, w, None, 1, "valid")
    assert_close(value, conv_ref(x, w), rtol=RTOL, atol=ATOL, what='conv2d(padding="valid")')
    assert_unchanged(x, args[0], "x")
    assert_unchanged(w, args[1], "w")


@question("conv2d", weight=2)
def test_max_pool2d_random(student):
    rng = np.random.default_rng(207)
    for _ in range(12):
        kh, kw = (int(v) for v in rng.integers(1, 4, size=2))
        h, w_ = int(rng.integers(kh + 2, 15)), int(rng.integers(kw + 2, 15))
        x = rng.normal(size=(int(rng.integers(1, 3)), int(rng.integers(1, 4)), h, w_))
        if rng.random() < 0.5:
            args, kwargs = ((kh, kw),), {}
        else:
            stride = (int(rng.integers(1, 3)), int(rng.integers(1, 4)))
            args, kwargs = ((kh, kw),), {"stride": stride}
        ref = F.max_pool2d(t(x), *args, **kwargs).numpy()
        value, inputs, _ = student.call_with_inputs("max_pool2d", x, *args, **kwargs)
        traps = {} if kwargs else {POOL_STRIDE_ONE: F.max_pool2d(t(x), *args, stride=1).numpy()}
        assert_close(value, ref, rtol=RTOL, atol=ATOL,
                     what=f"max_pool2d x{x.shape} {args} {kwargs}", traps=traps)
        assert_unchanged(x, inputs[0], "x")


@question("conv2d", weight=2)
@pytest.mark.parametrize("kernel", [2, 3, (2, 3)])
def test_max_pool2d_default_stride(student, kernel):
    x = np.random.default_rng(208).normal(size=(2, 2, 10, 13))
    assert_close(student.max_pool2d(x, kernel), F.max_pool2d(t(x), kernel).numpy(), rtol=RTOL,
                 atol=ATOL, what=f"max_pool2d(x, {kernel})",
                 traps={POOL_STRIDE_ONE: F.max_pool2d(t(x), kernel, stride=1).numpy()})


@question("conv2d", weight=1)
def test_max_pool2d_stride_pair_h_ne_w(student):
    x = np.random.default_rng(209).normal(size=(1, 3, 9, 16))
    assert_close(student.max_pool2d(x, 2, stride=(1, 3)),
                 F.max_pool2d(t(x), 2, stride=(1, 3)).numpy(), rtol=RTOL, atol=ATOL,
                 what="max_pool2d(x, 2, stride=(1, 3))",
                 traps={REVERSED: F.max_pool2d(t(x), 2, stride=(3, 1)).numpy()})
