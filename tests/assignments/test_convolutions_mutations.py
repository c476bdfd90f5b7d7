"""Quality proof for convolutions: realistic wrong implementations lose points where they should.

Every trap named in the assignment's issue has a mutant (plus a few more common slips). A mutant is
the reference definition from the source notebook with one edit (`old` -> `new`, checked to apply),
so it is a full `def`/`class` source graded by the real engine through `grade_variant`. It must be
graded, lose points on its question, fail no test of another question, and some failing test's name
or message must name the mistake.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from autograder.authoring.definitions import definition_source

ASSIGNMENT = "convolutions"
QUESTIONS = ("conv1d", "conv2d", "backward", "cnn")
NOTEBOOK = Path(__file__).resolve().parents[2] / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def reference_definition(name: str) -> str:
    """The full source of the notebook's top-level `def name` / `class name`."""
    source = definition_source(nbformat.read(NOTEBOOK, as_version=4), name)
    if source is None:
        raise LookupError(name)
    return source


def edit(name: str, *changes: tuple[str, str]) -> dict[str, str]:
    source = reference_definition(name)
    for old, new in changes:
        assert source.count(old) == 1, f"{name}: {old!r} is not in the reference exactly once"
        source = source.replace(old, new)
    return {name: source}


TORCH_CONV1D = '''
def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    b = None if b is None else torch.as_tensor(np.asarray(b, dtype=np.float64))
    out = F.conv1d(torch.as_tensor(np.asarray(x, dtype=np.float64)),
                   torch.as_tensor(np.asarray(w, dtype=np.float64)), b,
                   stride=stride, padding=padding, dilation=dilation)
    return out.numpy()
'''
TORCH_CONV2D = '''
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    import torch.nn.functional
    b = None if b is None else torch.tensor(b)
    return torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), b, stride=stride,
                                      padding=padding, dilation=dilation).numpy()
'''
FIXED_SIZE_CNN = '''
class AudioCNN(nn.Module):
    def __init__(self, n_mels, n_classes):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Linear(32 * (n_mels // 4) * (63 // 4), n_classes)  # sized for T = 63

    def forward(self, x):
        x = (x - x.mean(dim=(2, 3), keepdim=True)) / (x.std(dim=(2, 3), keepdim=True) + 1e-5)
        return self.head(self.features(x).flatten(1))
'''

# id -> (question, replacements, words of which one must appear in a failing test's name/message)
MUTANTS: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    # conv1d: conv_output_length, conv1d, convolve1d
    "flipped_kernel": (
        "conv1d", edit("conv1d", ("windows, w, optimize", "windows, w[:, :, ::-1], optimize")),
        ("flipped",)),
    "same_extra_zero_left": (
        "conv1d", edit("conv1d", ("left, right = total // 2, total - total // 2",
                                  "left, right = total - total // 2, total // 2")),
        ("wrong side", "on the right")),
    "ignored_dilation": (
        "conv1d", edit("conv1d", ("k, stride, 0, dilation)", "k, stride)"),
                       ("+ dilation * np.arange(k)", "+ np.arange(k)")),
        ("dilation",)),
    "forgotten_bias": (
        "conv1d", edit("conv1d", ("out = out + np.asarray(b)[None, :, None]", "pass")),
        ("bias",)),
    "true_division": (
        "conv1d", edit("conv_output_length", ("int((L", "((L"),
                       ("// stride + 1)", "/ stride + 1)")),
        ("floor division", "true division")),
    "missing_plus_one": (
        "conv1d", edit("conv_output_length", ("// stride + 1)", "// stride)")),
        ("+ 1",)),
    "length_ignores_dilation": (
        "conv1d", edit("conv_output_length",
                       ("- dilation * (kernel_size - 1)", "- (kernel_size - 1)")),
        ("dilation",)),
    "same_with_stride_accepted": (
        "conv1d", edit("conv1d", (
            "raise ValueError('padding=\"same\" is only defined for stride=1')", "pass")),
        ("same_needs_stride_one", "same_with_stride_raises")),
    "convolve_not_flipped": (
        "conv1d", edit("convolve1d", ("h[::-1][None, None, :]", "h[None, None, :]")),
        ("flip",)),
    "convolve_same_off_by_one": (
        "conv1d", edit("convolve1d", ("start = (len(h) - 1) // 2", "start = len(h) // 2")),
        ("mode='same'", "'same')")),
    "torch_in_conv1d": ("conv1d", {"conv1d": TORCH_CONV1D}, ("torch may not be used",)),
    # conv2d: conv2d, max_pool2d
    "channels_last": (
        "conv2d", edit("conv2d", ("    return out", "    return np.moveaxis(out, 1, -1)")),
        ("channels-last",)),
    "reversed_stride_pair": (
        "conv2d", edit("conv2d", ("sh, sw = pair(stride)", "sw, sh = pair(stride)")),
        ("wrong order", "reversed")),
    "conv2d_same_wrong_side": (
        "conv2d", edit("conv2d", ("(t // 2, t - t // 2)", "(t - t // 2, t // 2)")),
        ("wrong side", "on the right")),
    "conv2d_ignored_dilation": (
        "conv2d", edit("conv2d", ("dh, dw = pair(dilation)", "dh, dw = 1, 1")),
        ("dilation",)),
    "pool_stride_defaults_to_one": (
        "conv2d", edit("max_pool2d", ("pair(kernel_size if stride is None else stride)",
                                      "pair(1 if stride is None else stride)")),
        ("defaults to the kernel size", "defaulted to 1")),
    "torch_in_conv2d": ("conv2d", {"conv2d": TORCH_CONV2D}, ("torch may not be used",)),
    # backward: conv1d_backward
    "overwritten_gradient": (
        "backward", edit("conv1d_backward", ("dxp[:, :, taps] +=", "dxp[:, :, taps] =")),
        ("accumulate",)),
    "averaged_bias_gradient": (
        "backward", edit("conv1d_backward", ("dout.sum(axis=(0, 2))", "dout.mean(axis=(0, 2))")),
        ("not a mean", "averaged")),
    "dx_keeps_padding": (
        "backward", edit("conv1d_backward", ("return dxp[:, :, p:p + length], dw, db",
                                             "return dxp, dw, db")),
        ("cut the padding off", "expected shape")),
    "dw_ignores_dilation": (
        "backward", edit("conv1d_backward", ("dout, xp[:, :, taps]",
                                             "dout, xp[:, :, j:j + span:stride]")),
        ("dw of",)),
    # cnn: AudioCNN, fit_predict
    "cnn_fixed_input_length": ("cnn", {"AudioCNN": FIXED_SIZE_CNN}, ("any T >= 16",)),
    "cnn_never_trained": (
        "cnn", edit("fit_predict", ("for _ in range(epochs):", "for _ in range(0):")),
        ("accuracy",)),
}


def test_reference_full_marks(grade_variant):
    result = grade_variant(ASSIGNMENT, {}, questions=set(QUESTIONS))
    assert result.status == "graded", result.message
    failing = [(t.name, t.output[:300]) for t in result.tests if t.status != "passed"]
    assert not failing, failing
    for name in QUESTIONS:
        score = result.questions[name]
        assert score.score == pytest.approx(score.max_score), name


def test_enough_mutants_and_every_question_covered():
    assert len(MUTANTS) >= 15
    assert {q for q, _, _ in MUTANTS.values()} == set(QUESTIONS)


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutant_loses_points(grade_variant, mutant):
    question, replacements, expect = MUTANTS[mutant]
    result = grade_variant(ASSIGNMENT, replacements, questions={question})
    assert result.status == "graded", result.message
    score = result.questions[question]
    assert score.score < score.max_score - 1e-6, f"{mutant} kept full marks on {question}"
    failed = [t for t in result.tests if t.status != "passed"]
    assert all(t.question == question for t in failed)
    text = "\n".join(f"{t.name}\n{t.output}" for t in failed)
    assert any(word in text for word in expect), f"{mutant}: no test names the mistake:\n{text}"
