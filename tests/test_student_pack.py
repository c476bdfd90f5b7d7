"""Self-check outside this repository, as SELF_CHECK.md tells a student to do it on Colab.

`autograder pack` zips a release folder with the package's wheel; the zip is unpacked into a
folder that stands for Colab's /content, the wheel is installed with `--no-deps` into its own
directory (nothing reinstalled), and a fresh Python outside the repository runs the notebook's
self-check cell against the instructor's solution.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from conftest import definitions_of

from autograder.config import load_config
from autograder.student.guide import GUIDE_NAME, wheel_name
from autograder.student.pack import pack
from autograder.student.selfcheck import enable_checks

ROOT = Path(__file__).resolve().parents[1]
AID = "gradient_descent"
HEAVY = ("sqlalchemy", "alembic", "typer", "nbclient", "fastapi", "uvicorn")

COLAB_CELL = """
import json, os, sys
import autograder
from autograder.student.selfcheck import enable_checks
solution = {}
exec(open(sys.argv[1]).read(), solution)
check, check_all = enable_checks("%s", namespace=solution)
report = check_all()
heavy = sorted(m for m in %r if m in sys.modules)
print(json.dumps({"package": autograder.__file__, "cwd": os.getcwd(), "ok": report.ok,
                  "questions": [t.question for t in report.tests], "heavy": heavy}))
"""


@pytest.fixture(scope="module")
def colab_zip(course, tmp_path_factory) -> Path:
    return pack(course, AID, tmp_path_factory.mktemp("dist"))


def test_the_zip_holds_the_release_folder_and_the_wheel_only(colab_zip):
    names = zipfile.ZipFile(colab_zip).namelist()
    assert f"{AID}/{AID}.ipynb" in names and f"{AID}/{GUIDE_NAME}" in names
    assert f"{AID}/packages/{wheel_name()}" in names
    assert any(n.startswith(f"{AID}/tests/public/") for n in names)
    assert not any("hidden" in n or "source/" in n for n in names)


def test_self_check_outside_the_repository_with_a_no_deps_install(colab_zip, tmp_path):
    content = tmp_path / "content"  # Colab's working directory
    zipfile.ZipFile(colab_zip).extractall(content)
    site = tmp_path / "site"
    wheel = content / AID / "packages" / wheel_name()
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(site), str(wheel)], check=True, timeout=300)
    nb = nbformat.read(ROOT / "source" / AID / f"{AID}.ipynb", as_version=4)
    solution = tmp_path / "solution.py"
    solution.write_text("\n".join(definitions_of(c.source) for c in nb.cells
                                  if c.cell_type == "code"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER")}
    env.update(PYTHONPATH=str(site), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-c", COLAB_CELL % (AID, HEAVY), str(solution)],
                          cwd=content, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(seen["package"]).is_relative_to(site)  # the wheel, not this repository
    assert Path(seen["cwd"]) == content / AID  # found by itself; data paths work from here
    assert seen["ok"], done.stdout
    order = list(load_config(ROOT / "grading_config.yaml").assignments[AID].autograded)
    assert list(dict.fromkeys(seen["questions"])) == order
    assert seen["heavy"] == []  # what Colab lacks is never imported by the self-check


def test_check_all_reports_questions_in_notebook_order(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    folder = ROOT / "release" / "convolutions"
    check, check_all = enable_checks("convolutions", folder=folder, namespace={})
    assert Path.cwd() == folder  # relative data paths of the notebook now work
    report = check_all()
    seen = list(dict.fromkeys(t.question for t in report.tests))
    assert seen == ["conv1d", "conv2d", "backward", "cnn"]  # files sort otherwise
