"""Which packages a question's worker lacks, where they are hidden, and how their stand-ins fail.

The end-to-end proof (attacks graded in both sandboxes) is test_hostile_forbidden.py; these pin the
pieces: the dependency closure, the paths covered, the stand-in module's behaviour.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox.launch import Bubblewrap
from autograder.sandbox.views import WITHHELD_ENV, hidden_paths, withheld_for


def test_a_package_that_needs_a_withheld_one_is_withheld_too():
    assert {"scipy", "librosa", "sklearn"} <= set(withheld_for(["scipy"]))
    assert {"torch", "torchgen", "functorch"} <= set(withheld_for(["torch"]))


def test_what_a_withheld_package_needs_stays_and_numpy_always_stays():
    view = set(withheld_for(["librosa"]))
    assert view == {"librosa"}  # scipy, numba, soundfile: librosa's needs, not forbidden
    everything = set(withheld_for(["librosa", "scipy", "torch", "sklearn"]))
    assert not everything & {"numpy", "IPython", "matplotlib", "autograder", "numba"}


@pytest.mark.parametrize("module", ["numpy", "IPython"])
def test_the_worker_s_own_needs_cannot_be_withheld(module):
    with pytest.raises(ValueError, match="cannot be withheld"):
        withheld_for([module])


def test_every_installed_copy_is_covered_with_its_metadata_and_libraries():
    hidden = hidden_paths(withheld_for(["scipy"]), Bubblewrap.bound_paths())
    names = {p.name for p in hidden}
    assert {"scipy", "scipy.libs", "librosa", "sklearn", "scikit_learn.libs"} <= names
    assert any(n.startswith("scipy-") and n.endswith(".dist-info") for n in names)
    import scipy  # the grader's own copy must be among the covered ones

    assert Path(scipy.__file__).resolve().parent in hidden
    base = Path(sys.base_prefix).resolve()
    copies = list(base.glob("lib/python3*/site-packages/scipy"))
    assert all(c.resolve() in hidden for c in copies)  # the base interpreter's own scipy too
    assert not {p for p in hidden if p.name.startswith(("numpy", "numba"))}


STAND_IN_PROBE = """
import json, sys
from autograder.sandbox.views import CURRENT, install_stand_ins
install_stand_ins()
import numpy as np
import librosa
from librosa.feature import mfcc
import librosa.filters as filters
out = {"numpy": float(np.fft.rfft(np.ones(4))[0].real), "repr": repr(librosa.stft)}
CURRENT.function = "stft"
for name, use in [("call", lambda: librosa.stft(np.zeros(8))), ("from", lambda: mfcc(y=1)),
                  ("sub", lambda: filters.mel(sr=1, n_fft=2)), ("math", lambda: librosa.x + 1),
                  ("base", lambda: exec("class X(librosa.Module): pass", {"librosa": librosa})),
                  ("array", lambda: np.asarray(librosa.stft))]:
    try:
        use()
        out[name] = "no error"
    except ImportError as exc:
        out[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(out))
"""


def test_a_stand_in_imports_and_fails_on_every_use_naming_module_and_function():
    env = dict(os.environ, **{WITHHELD_ENV: json.dumps(["librosa"])})
    done = subprocess.run([sys.executable, "-c", STAND_IN_PROBE], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out.pop("numpy") == 4.0
    assert out.pop("repr") == "<librosa.stft: not available here>"
    for use, message in out.items():
        assert message.startswith("ModuleWithheld: librosa is not available inside stft"), use
