"""Public tests of question conv1d: conv_output_length, conv1d and convolve1d.

References are computed here with PyTorch (float64) and NumPy; messages name the usual mistakes.
Tolerance: the reference solution differs from torch by < 1e-14 in float64; we allow rtol=1e-9.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.testing import assert_close, assert_scalar, assert_unchanged, builds_on, question

# the layers compute their output sizes with conv_output_length: its mistakes show here too
pytestmark = [question("conv1d"), builds_on("conv_output_length")]

RTOL, ATOL = 1e-9, 1e-11  # measured reference error < 1e-14

FLIPPED = ("you flipped the kernel: conv1d is a cross-correlation, y[l] = sum_k w[k] x[l+k]; "
           "only convolve1d flips")
NO_BIAS = "you forgot the bias: add b[o] to every output of channel o"
NO_DILATION = "you ignored the dilation: tap k reads x_pad[s*l + d*k]"
SAME_LEFT = ('with padding="same" and an odd total d*(K-1), the extra zero goes on the right '
             "(total//2 zeros left, the rest right), as in torch")
TRUE_DIV = "use floor division //, not /: the result is an int and rounds down"
NO_PLUS_ONE = "you forgot the + 1: output l = 0 counts too"
NOT_FLIPPED = "convolve1d is a true convolution: flip the kernel (np.convolve does)"


def t(a):
    return None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64).copy())


def conv_ref(x, w, b=None, **kwargs):
    return F.conv1d(t(x), t(w), t(b), **kwargs).numpy()


@pytest.mark.parametrize("L, K, s, p, d", [(10, 3, 1, 0, 1), (10, 3, 2, 1, 1), (11, 4, 3, 0, 1),
                                           (16000, 512, 256, 0, 1), (20, 3, 1, 0, 4)])
def test_conv_output_length(student, L, K, s, p, d):
    expected = (L + 2 * p - d * (K - 1) - 1) // s + 1  # torch's formula (docs of nn.Conv1d)
    got = student.conv_output_length(L, K, stride=s, padding=p, dilation=d)
    if isinstance(got, float):
        raise AssertionError(f"conv_output_length returned the float {got!r}: {TRUE_DIV}")
    assert_scalar(got, expected, kind=int,
                  what=f"conv_output_length({L}, {K}, stride={s}, padding={p}, dilation={d})",
                  hint="L_out = (L + 2p - d(K-1) - 1) // s + 1",
                  traps={TRUE_DIV: (L + 2 * p - d * (K - 1) - 1) / s + 1,
                         NO_PLUS_ONE: (L + 2 * p - d * (K - 1) - 1) // s,
                         NO_DILATION: (L + 2 * p - (K - 1) - 1) // s + 1})


def test_conv1d_single_channel(student):
    x = np.array([[[0, 1, 3, 6, 6, 3, 1, 0.0]]])
    w = np.array([[[1, 0, -1.0]]])
    assert_close(student.conv1d(x, w), conv_ref(x, w), rtol=RTOL, atol=ATOL,
                 what="conv1d(x, w) with x = [0,1,3,6,6,3,1,0], w = [1,0,-1]",
                 hint="y[l] = sum_k w[k] * x[l+k], for l = 0 .. L-K",
                 traps={FLIPPED: conv_ref(x, w[:, :, ::-1])})


def test_conv1d_channels_and_bias(student):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 12)), rng.normal(size=(4, 3, 3)), rng.normal(size=4)
    value, args, _ = student.call_with_inputs("conv1d", x, w, b)
    assert_close(value, conv_ref(x, w, b), rtol=RTOL, atol=ATOL,
                 what="conv1d(x, w, b) with x (2, 3, 12), w (4, 3, 3), b (4,)",
                 hint="sum over input channels and taps, then add b[o]",
                 traps={NO_BIAS: conv_ref(x, w), FLIPPED: conv_ref(x, w[:, :, ::-1], b)})
    assert_unchanged(x, args[0], "x")
    assert_unchanged(w, args[1], "w")


def test_conv1d_stride_padding_dilation(student):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(1, 2, 15)), rng.normal(size=(3, 2, 3)), rng.normal(size=3)
    kw = {"stride": 2, "padding": 2, "dilation": 2}
    assert_close(student.conv1d(x, w, b, **kw), conv_ref(x, w, b, **kw), rtol=RTOL, atol=ATOL,
                 what="conv1d(x, w, b, stride=2, padding=2, dilation=2) with x (1, 2, 15)",
                 hint="pad 2 zeros on both sides; output l reads x_pad[2*l + 2*k]",
                 traps={NO_DILATION: conv_ref(x, w, b, stride=2, padding=2)})


def test_conv1d_same_even_kernel(student):
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(1, 1, 9)), rng.normal(size=(2, 1, 4))
    wrong_side = conv_ref(np.pad(x, ((0, 0), (0, 0), (2, 1))), w)
    assert_close(student.conv1d(x, w, padding="same"), conv_ref(x, w, padding="same"),
                 rtol=RTOL, atol=ATOL, what='conv1d(x, w, padding="same") with K = 4',
                 hint="K = 4 needs 3 zeros: 1 on the left, 2 on the right",
                 traps={SAME_LEFT: wrong_side})


def test_conv1d_same_needs_stride_one(student):
    x, w = np.zeros((1, 1, 8)), np.ones((1, 1, 3))
    with pytest.raises(ValueError):
        student.conv1d(x, w, stride=2, padding="same")


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@builds_on("conv1d")  # convolve1d flips the kernel and calls conv1d
def test_convolve1d(student, mode):
    x = np.array([0.0, 0, 1, 0, 0, 2, 0])
    h = np.array([1.0, 0.5, 0.25])
    assert_close(student.convolve1d(x, h, mode=mode), np.convolve(x, h, mode), rtol=RTOL,
                 atol=ATOL, what=f"convolve1d(x, h, mode={mode!r})",
                 hint="np.convolve's lengths: full L+K-1, same max(L, K), valid max-min+1",
                 traps={NOT_FLIPPED: np.convolve(x, h[::-1], mode)})
