"""The README's "Adding an assignment" guide, followed step by step on a copy of the course.

A fourth assignment is added to grading_config.yaml, its notebook and tests are written, then
`autograder validate` and `autograder release` run as an instructor runs them; finally the
course's reference-solution test (what CI runs) is collected on the copy and must include it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
AUTOGRADER = [sys.executable, "-m", "autograder.cli.main"]
NEW_ID = "loudness"

CONFIG_BLOCK = f"""
  {NEW_ID}:
    title: Loudness (week 5)
    due: 2026-12-04 23:59
    questions:
      rms: {{points: 2, forbidden: [librosa, torch]}}
"""

SOLUTION = '''def rms(y):
    """Root mean square of a signal, as a Python float."""
    ### BEGIN SOLUTION
    y = np.asarray(y, dtype=float)
    return float(np.sqrt(np.mean(y ** 2)))
    ### END SOLUTION
'''

PUBLIC_TEST = '''import numpy as np

from autograder.testing import assert_close, question

pytestmark = question("rms")


def test_constant(student):
    assert_close(student.rms(np.full(8, 2.0)), 2.0, what="rms of a constant 2")
'''

HIDDEN_TEST = '''import numpy as np

from autograder.testing import assert_close, question

pytestmark = question("rms")


def test_sine(student):
    y = np.sin(np.linspace(0, 2 * np.pi, 1000, endpoint=False))
    assert_close(student.rms(y), 1 / np.sqrt(2), rtol=1e-6, what="rms of a sine")
'''


def cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(course),
           "AUTOGRADER_WORKSPACE": str(course / "course")}
    return subprocess.run([*AUTOGRADER, *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    target = tmp_path / "course-repo"
    target.mkdir()
    shutil.copy(ROOT / "grading_config.yaml", target / "grading_config.yaml")
    for folder in ("source", "release"):
        shutil.copytree(ROOT / folder, target / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (target / "tests").mkdir()
    for name in ("conftest.py", "browser.py", "test_course_references.py"):
        shutil.copy(ROOT / "tests" / name, target / "tests" / name)
    return target


def add_assignment_as_the_readme_says(course: Path) -> None:
    config = course / "grading_config.yaml"
    text = config.read_text()
    head, tail = text.split("\nlate_policy:", 1)
    config.write_text(head.rstrip("\n") + "\n" + CONFIG_BLOCK + "\nlate_policy:" + tail)
    source = course / "source" / NEW_ID
    (source / "tests" / "public").mkdir(parents=True)
    (source / "tests" / "hidden").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Loudness\nImplement `rms(y)`."),
                nbformat.v4.new_code_cell("import numpy as np"),
                nbformat.v4.new_code_cell(SOLUTION),
                nbformat.v4.new_code_cell("print(rms([3.0, -3.0]))")]
    nbformat.write(nb, source / f"{NEW_ID}.ipynb")
    (source / "tests" / "public" / "test_rms.py").write_text(PUBLIC_TEST)
    (source / "tests" / "hidden" / "test_rms_hidden.py").write_text(HIDDEN_TEST)


def test_a_fourth_assignment_added_per_the_readme_is_validated_released_and_in_ci(course_copy):
    add_assignment_as_the_readme_says(course_copy)

    validated = cli(course_copy, "validate", NEW_ID)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert f"{NEW_ID}: solution 2/2" in validated.stdout and "stub 0/2" in validated.stdout

    released = cli(course_copy, "release", NEW_ID)
    assert released.returncode == 0, released.stdout + released.stderr
    release = course_copy / "release" / NEW_ID
    assert (release / "tests" / "public" / "test_rms.py").is_file()
    assert not (release / "tests" / "hidden").exists()
    assert "raise NotImplementedError()" in (release / f"{NEW_ID}.ipynb").read_text()

    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "tests/test_course_references.py"],
        cwd=course_copy, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert f"[{NEW_ID}]" in collected.stdout
