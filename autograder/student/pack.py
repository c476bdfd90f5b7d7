"""`autograder pack <id>`: the one zip a student uploads to Colab, release folder and package.

`<id>-colab.zip` holds `<id>/` (the release folder: notebook, public tests, data, assignment.json,
SELF_CHECK.md) and `<id>/packages/<wheel>`, this package built as a wheel, which the student
installs with `pip install --no-deps` (SELF_CHECK.md), so Colab's torch and librosa stay as they
are. Hidden tests are never in a release folder, so they cannot be in the zip.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import autograder

from ..course import CourseRepo
from ..errors import UserError
from .guide import GUIDE_NAME, wheel_name

PROJECT = Path(autograder.__file__).resolve().parents[1]
SKIPPED = {"__pycache__", ".ipynb_checkpoints"}


def build_wheel(into: Path) -> Path:
    """This package as a wheel (pip wheel, no dependencies, with the installed setuptools)."""
    if not (PROJECT / "pyproject.toml").is_file():
        raise UserError(f"{PROJECT}: no pyproject.toml; pack needs the autograder's source tree")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--quiet", "--wheel-dir", str(into), str(PROJECT)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    wheel = into / wheel_name()
    if done.returncode != 0 or not wheel.is_file():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"building the package's wheel failed: {last}")
    return wheel


def pack(repo: CourseRepo, assignment_id: str, out_dir: Path) -> Path:
    """Write `<out_dir>/<id>-colab.zip`; the release folder must exist (`autograder release`)."""
    repo.config.assignment(assignment_id)
    release = repo.release_dir(assignment_id)
    if not (release / GUIDE_NAME).is_file():
        raise UserError(f"{release}: no release with {GUIDE_NAME} yet; run "
                        f"`autograder release {assignment_id}` first")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{assignment_id}-colab.zip"
    with tempfile.TemporaryDirectory() as tmp:
        wheel = build_wheel(Path(tmp))
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(release.rglob("*")):
                if path.is_file() and not SKIPPED & set(path.relative_to(release).parts):
                    archive.write(path, f"{assignment_id}/{path.relative_to(release).as_posix()}")
            archive.write(wheel, f"{assignment_id}/packages/{wheel.name}")
    return target
