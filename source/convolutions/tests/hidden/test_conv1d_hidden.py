"""Hidden tests of question conv1d: random shapes and settings against torch in float64.

Tolerance: the reference solution differs from torch by < 1e-13 here (measured); rtol=1e-9.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.testing import assert_close, assert_scalar, assert_unchanged, builds_on, question

# the layers compute their output sizes with conv_output_length: its mistakes show here too
pytestmark = [question("conv1d"), builds_on("conv_output_length")]

RTOL, ATOL = 1e-9, 1e-10  # measured reference error < 1e-13

FLIPPED = "flipped kernel: conv1d is a cross-correlation"
NO_BIAS = "forgotten bias"
NO_DILATION = "ignored dilation"
SAME_LEFT = 'padding="same": extra zero on the wrong side (torch puts it on the right)'
TRUE_DIV = "true division / instead of floor division //"
NO_PLUS_ONE = "missing + 1 in the output length"
NOT_FLIPPED = "convolve1d did not flip the kernel"


def t(a):
    return None if a is None else torch.from_numpy(np.asarray(a, dtype=np.float64).copy())


def conv_ref(x, w, b=None, **kwargs):
    return F.conv1d(t(x), t(w), t(b), **kwargs).numpy()


def random_configs(seed, count):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        k, s, p, d = (int(rng.integers(1, 7)), int(rng.integers(1, 4)), int(rng.integers(0, 4)),
                      int(rng.integers(1, 4)))
        length = int(rng.integers(max(1, d * (k - 1) + 1 - 2 * p), 40))
        out.append((length, k, s, p, d))
    return out


@question("conv1d", weight=1)
def test_output_length_random(student):
    for length, k, s, p, d in random_configs(101, 40):
        expected = F.conv1d(torch.zeros(1, 1, length), torch.zeros(1, 1, k), stride=s, padding=p,
                            dilation=d).shape[-1]
        got = student.conv_output_length(length, k, stride=s, padding=p, dilation=d)
        if isinstance(got, float):
            raise AssertionError(f"returned the float {got!r}: {TRUE_DIV}")
        assert_scalar(got,
                      expected, kind=int,
                      what=f"conv_output_length({length}, {k}, {s}, {p}, {d})",
                      traps={TRUE_DIV: (length + 2 * p - d * (k - 1) - 1) / s + 1,
                             NO_PLUS_ONE: expected - 1,
                             NO_DILATION: (length + 2 * p - (k - 1) - 1) // s + 1})


@question("conv1d", weight=3)
def test_conv1d_random(student):
    rng = np.random.default_rng(102)
    for i, (length, k, s, p, d) in enumerate(random_configs(103, 25)):
        n, c_in, c_out = (int(v) for v in rng.integers(1, 5, size=3))
        x, w = rng.normal(size=(n, c_in, length)), rng.normal(size=(c_out, c_in, k))
        b = rng.normal(size=c_out) if i % 3 else None
        kw = {"stride": s, "padding": p, "dilation": d}
        traps = {FLIPPED: conv_ref(x, w[:, :, ::-1], b, **kw)}
        if b is not None:
            traps[NO_BIAS] = conv_ref(x, w, **kw)
        if d > 1 and (length + 2 * p - (k - 1) - 1) >= 0:
            traps[NO_DILATION] = conv_ref(x, w, b, stride=s, padding=p)
        assert_close(student.conv1d(x, w, b, **kw), conv_ref(x, w, b, **kw), rtol=RTOL, atol=ATOL,
                     what=f"conv1d x{x.shape} w{w.shape} bias={b is not None} {kw}", traps=traps)


@question("conv1d", weight=1)
def test_conv1d_bias_large_offset(student):
    rng = np.random.default_rng(104)
    x, w, b = rng.normal(size=(3, 2, 17)), rng.normal(size=(5, 2, 4)), 10 + rng.normal(size=5)
    assert_close(student.conv1d(x, w, b, stride=3), conv_ref(x, w, b, stride=3), rtol=RTOL,
                 atol=ATOL, what="conv1d with bias, stride 3",
                 traps={NO_BIAS: conv_ref(x, w, stride=3)})


@question("conv1d", weight=1)
@pytest.mark.parametrize("k, d", [(1, 1), (3, 1), (5, 2), (7, 3), (3, 4)])
def test_same_odd_kernels(student, k, d):
    rng = np.random.default_rng(105 + k * 10 + d)
    x, w, b = rng.normal(size=(2, 3, 19)), rng.normal(size=(2, 3, k)), rng.normal(size=2)
    assert_close(student.conv1d(x, w, b, padding="same", dilation=d),
                 conv_ref(x, w, b, padding="same", dilation=d), rtol=RTOL, atol=ATOL,
                 what=f'conv1d(padding="same", K={k}, dilation={d})',
                 traps={NO_DILATION: conv_ref(x, w, b, padding="same")})


@question("conv1d", weight=2)
@pytest.mark.parametrize("k, d", [(2, 1), (4, 3), (6, 1)])
def test_same_even_kernels(student, k, d):
    rng = np.random.default_rng(106 + k * 10 + d)
    x, w = rng.normal(size=(1, 2, 13)), rng.normal(size=(3, 2, k))
    total = d * (k - 1)
    wrong = conv_ref(np.pad(x, ((0, 0), (0, 0), (total - total // 2, total // 2))), w, dilation=d)
    assert_close(student.conv1d(x, w, padding="same", dilation=d),
                 conv_ref(x, w, padding="same", dilation=d), rtol=RTOL, atol=ATOL,
                 what=f'conv1d(padding="same", K={k}, dilation={d})', traps={SAME_LEFT: wrong})


@question("conv1d", weight=1)
def test_valid_string_and_inputs_unchanged(student):
    rng = np.random.default_rng(107)
    x, w = rng.normal(size=(2, 2, 11)), rng.normal(size=(3, 2, 3))
    value, args, _ = student.call_with_inputs("conv1d", x, w, None, 1, "valid")
    assert_close(value, conv_ref(x, w, padding="valid"), rtol=RTOL, atol=ATOL,
                 what='conv1d(padding="valid")')
    assert_unchanged(x, args[0], "x")
    assert_unchanged(w, args[1], "w")


@question("conv1d", weight=1)
@pytest.mark.parametrize("stride", [2, 3])
def test_same_with_stride_raises(student, stride):
    with pytest.raises(ValueError):
        student.conv1d(np.ones((1, 1, 10)), np.ones((1, 1, 3)), stride=stride, padding="same")


@question("conv1d", weight=2)
@builds_on("conv1d")  # convolve1d flips the kernel and calls conv1d
def test_convolve1d_random(student):
    rng = np.random.default_rng(108)
    for lx, lh in [(1, 1), (9, 4), (10, 5), (4, 9), (5, 10), (7, 7), (13, 1), (2, 11)]:
        x, h = rng.normal(size=lx), rng.normal(size=lh)
        for mode in ("full", "same", "valid"):
            value, args, _ = student.call_with_inputs("convolve1d", x, h, mode=mode)
            assert_close(value, np.convolve(x, h, mode), rtol=RTOL, atol=ATOL,
                         what=f"convolve1d(len {lx}, len {lh}, {mode!r})",
                         traps={NOT_FLIPPED: np.convolve(x, h[::-1], mode)})
            assert_unchanged(x, args[0], "x")
            assert_unchanged(h, args[1], "h")


@question("conv1d", weight=1)
@builds_on("conv1d")  # convolve1d flips the kernel and calls conv1d
def test_convolve1d_default_mode_float32(student):
    rng = np.random.default_rng(109)
    x, h = rng.normal(size=31).astype(np.float32), rng.normal(size=6).astype(np.float32)
    # float32 accumulations: relative error up to ~1e-6 against the float64 reference
    assert_close(student.convolve1d(x, h), np.convolve(x.astype(np.float64), h), rtol=1e-4,
                 atol=1e-5, what="convolve1d(x, h) float32, default mode full",
                 traps={NOT_FLIPPED: np.convolve(x.astype(np.float64), h[::-1])})
