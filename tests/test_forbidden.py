"""The static forbidden-module check: what each notebook function's source names.

It only gives early, precise messages (the enforcement is the worker's view, see
test_hostile_forbidden.py), so each case pins both what it must find and what it must not blame.
"""

from __future__ import annotations

import pytest

from autograder.grading.forbidden import forbidden_uses

FORBIDDEN = ("librosa", "scipy", "torch")


def uses(*cells: str) -> dict[str, dict[str, str]]:
    return forbidden_uses(cells, FORBIDDEN)


@pytest.mark.parametrize("cells,how", [
    (["import librosa\ndef f(y):\n    return librosa.stft(y)"], "librosa.stft"),
    (["import librosa as lr\ndef f(y):\n    return lr.stft(y)"], "librosa.stft"),
    (["from librosa import stft as s\ndef f(y):\n    return s(y)"], "librosa.stft"),
    (["import librosa.feature\ndef f(y):\n    return librosa.feature.mfcc(y=y)"],
     "librosa.feature.mfcc"),
    (["import librosa as lr\nspec = lr.stft\ndef f(y):\n    return spec(y)"], "librosa.stft"),
    (["def f(y):\n    import librosa\n    return librosa.stft(y)"], "librosa"),
    (["def f(y):\n    from librosa.feature import mfcc\n    return mfcc(y=y)"],
     "librosa.feature.mfcc"),
    (["import importlib\ndef f(y):\n    return importlib.import_module('librosa').stft(y)"],
     "librosa"),
    (["def f(y):\n    return __import__('librosa.feature').feature.mfcc(y=y)"], "librosa.feature"),
    (["try:\n    import librosa\nexcept ImportError:\n    pass", "def f(y):\n    return librosa.stft(y)"],
     "librosa.stft"),
])
def test_finds_each_way_of_naming_a_module(cells, how):
    assert uses(*cells) == {"f": {"librosa": how}}


def test_aliases_carry_across_cells_and_calls_through_notebook_functions():
    found = uses("import scipy.signal as sig",
                 "def window(n):\n    return sig.get_window('hann', n)",
                 "def helper(y):\n    return window(len(y)) * y",
                 "def stft(y):\n    return helper(y)")
    assert found["window"] == {"scipy": "scipy.signal.get_window"}
    assert found["stft"] == {"scipy": "scipy.signal.get_window (through window) (through helper)"}


def test_methods_of_a_notebook_class_are_checked():
    found = uses("import torch\nclass Net:\n    def forward(self, x):\n        return torch.relu(x)")
    assert found == {"Net": {"torch": "torch.relu"}}


def test_a_star_import_blames_only_functions_reading_names_nothing_else_binds():
    found = uses("from librosa import *\nimport numpy as np\nSR = 16000",
                 "def uses_star(y):\n    return stft(y)",
                 "def builtins_only(x):\n    return len(x) + sum(abs(v) for v in x)",
                 "def locals_and_globals(y, n=2):\n    total = np.zeros(n)\n"
                 "    for i, v in enumerate(y):\n        total[i % n] += v * SR\n    return total",
                 "def calls_own(y):\n    return builtins_only(y)")
    assert found == {"uses_star": {"librosa": "from librosa import *"}}


def test_builtins_are_never_blamed_on_a_star_import():
    """The old check took dir() of __builtins__, a dict in an imported module: `len` was unknown."""
    found = uses("from torch import *", "def n(x):\n    return len(x), max(x), isinstance(x, list)")
    assert found == {}


def test_allowed_modules_and_similar_names_are_not_flagged():
    found = uses("import numpy as np\nimport scipy_like\nimport torchvision_fake as tv",
                 "def f(x):\n    return np.fft.rfft(x) + scipy_like.g(x) + tv.h(x)")
    assert found == {}


def test_only_the_modules_asked_about_are_reported():
    cells = ["import torch\nimport librosa\ndef f(y):\n    return torch.tensor(librosa.stft(y))"]
    assert forbidden_uses(cells, ["torch"]) == {"f": {"torch": "torch.tensor"}}
    assert forbidden_uses(cells, []) == {}


def test_magics_are_translated_and_broken_cells_skipped():
    found = uses("%matplotlib inline\nimport librosa", "def broken(:\n    pass",
                 "def f(y):\n    return librosa.stft(y)")
    assert found == {"f": {"librosa": "librosa.stft"}}


def test_a_name_built_at_run_time_escapes_the_static_check():
    """Why the static check is not the enforcement: the worker's view is (see sandbox/views.py)."""
    found = uses("import importlib\ndef f(y):\n    return importlib.import_module('lib' + 'rosa').stft(y)")
    assert found == {}


def chain(length: int) -> str:
    """f0 calls f1 ... calls f{length}, which calls torch: callers defined before callees."""
    calls = "\n".join(f"def f{i}(x):\n    return f{i + 1}(x)" for i in range(length))
    return f"import torch\n{calls}\ndef f{length}(x):\n    return torch.relu(x)\n"


def test_a_chain_of_thousands_of_calls_neither_exhausts_the_stack_nor_blames_nothing():
    """The scan runs in the grader on a student's source: a deep chain of calls once ended in
    RecursionError, a grader error for that submission. Calls deeper than the bound are left to
    the views; those within it are still reported."""
    found = uses(chain(3000))
    assert found["f3000"] == {"torch": "torch.relu"}
    assert found["f2950"]["torch"].endswith("(through f2952) (through f2951)")
    assert "f0" not in found  # 3000 calls away: the worker's view enforces it


def test_each_function_is_walked_once_however_many_functions_call_it(monkeypatch):
    """Walking every callee again for every caller cost quadratic time in the grader (500
    chained functions: 3 s); each definition's code is now walked once."""
    import ast

    walked: dict[str, int] = {}
    real_walk = ast.walk

    def counting_walk(node):
        if isinstance(node, ast.FunctionDef):
            walked[node.name] = walked.get(node.name, 0) + 1
        return real_walk(node)

    monkeypatch.setattr(ast, "walk", counting_walk)
    found = uses(chain(60))
    monkeypatch.undo()
    assert found["f0"]["torch"].endswith("(through f2) (through f1)")
    assert max(walked.values()) == 1
