"""`autograder gradescope <id>`: the autograder zip that Gradescope's "Configure Autograder" takes.

The zip holds, at its root as the specification requires (setup.sh and run_autograder; see
https://gradescope-autograders.readthedocs.io/en/latest/specs/): the two scripts, this package
and its pyproject.toml (setup.sh installs them), and the assignment's trusted bundle under
course/: grading_config.yaml, the public and hidden tests and the data. Never the solution
notebook, and never another assignment's tests. Members are written in a fixed order with a fixed
time stamp, so the same sources give the same zip.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import autograder

from ..authoring.layout import checked_tests
from ..course import CONFIG_NAME, CourseRepo
from ..errors import UserError
from .run import BUNDLE, BUNDLE_INFO

FIXED_TIME = (2020, 1, 1, 0, 0, 0)
SKIPPED = ("__pycache__", ".pytest_cache")

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image (an Ubuntu base
# image; 24.04 has Python 3.12, on 22.04 Python 3.11 is installed). It installs bubblewrap (the
# sandbox), then a virtual environment with CPU-only torch and this package.
set -euo pipefail
apt-get install -y --no-install-recommends python3 python3-venv bubblewrap
PYTHON=python3
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON=python3.11
fi
"$PYTHON" -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
/autograder/venv/bin/pip install "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/pip install /autograder/source
"""

RUN_AUTOGRADER = """\
#!/bin/sh
# Gradescope runs this for every submission: grade /autograder/submission in the sandbox and
# write /autograder/results/results.json. AUTOGRADER_GRADESCOPE_ROOT and AUTOGRADER_PYTHON let a
# test run it in a simulated container layout.
ROOT="${AUTOGRADER_GRADESCOPE_ROOT:-/autograder}"
PYTHON="${AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT" || exit 1
PYTHONPATH="$ROOT/source" exec "$PYTHON" -m autograder.gradescope.run --root "$ROOT"
"""


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part in SKIPPED for part in p.parts)
                  and p.suffix != ".pyc")


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)


def _package_sources() -> tuple[Path, Path | None]:
    package = Path(autograder.__file__).resolve().parent
    pyproject = package.parent / "pyproject.toml"
    return package, pyproject if pyproject.is_file() else None


def build_zip(repo: CourseRepo, assignment_id: str, target: Path) -> Path:
    """Write the autograder zip for one assignment to `target`."""
    files = repo.source(assignment_id)
    checked_tests(repo, assignment_id)
    package, pyproject = _package_sources()
    if pyproject is None:
        raise UserError(f"{package.parent}: no pyproject.toml next to the autograder package; "
                        "build the zip from a source checkout of the course repository")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.part")
    info = json.dumps({"assignment": assignment_id}, indent=2) + "\n"
    with zipfile.ZipFile(staging, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.encode(), executable=True)
        _add(archive, "pyproject.toml", pyproject.read_bytes())
        for path in _files(package):
            _add(archive, f"autograder/{path.relative_to(package).as_posix()}", path.read_bytes())
        _add(archive, f"{BUNDLE}/{BUNDLE_INFO}", info.encode())
        _add(archive, f"{BUNDLE}/{CONFIG_NAME}", (repo.root / CONFIG_NAME).read_bytes())
        for folder in (files.public_tests, files.hidden_tests, files.data):
            if folder.is_dir():
                for path in _files(folder):
                    inside = path.relative_to(files.root).as_posix()
                    _add(archive, f"{BUNDLE}/source/{assignment_id}/{inside}", path.read_bytes())
    staging.replace(target)
    return target
