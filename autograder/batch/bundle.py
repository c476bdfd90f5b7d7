"""The trusted bundle of an assignment: what a grader needs besides the submission, by content hash.

Tests (public and hidden), data and the grading scheme and limits travel as one tar archive from
the coordinator to every grading process, local or on another machine, so no shared file system is
needed. A grader unpacks it once per content hash into a cache folder of its own; a changed test
gives a new hash and so a new folder, never a mix of old and new files.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..config import Assignment, CourseLimits
from ..environment import environment
from ..grading.grade import GradingSpec

SPEC_FILE = "spec.json"
TESTS, DATA = "tests", "data"


@dataclass(frozen=True)
class Bundle:
    """The archive's bytes and their sha256 (the key under which graders cache it)."""

    sha256: str
    data: bytes
    assignment_id: str

    @classmethod
    def of(cls, spec: GradingSpec) -> Bundle:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            meta = {"assignment_id": spec.assignment_id,
                    "assignment": spec.assignment.model_dump(mode="json"),
                    "limits": spec.limits.model_dump(mode="json"),
                    "test_dirs": [d.relative_to(spec.tests_root).as_posix()
                                  for d in spec.test_dirs],
                    "warmup": spec.warmup}
            _add_bytes(archive, SPEC_FILE, json.dumps(meta, sort_keys=True).encode())
            for folder in spec.test_dirs:
                _add_tree(archive, folder, f"{TESTS}/{folder.relative_to(spec.tests_root).as_posix()}")
            if spec.data is not None:
                _add_tree(archive, spec.data, DATA)
        data = buffer.getvalue()
        return cls(hashlib.sha256(data).hexdigest(), data, spec.assignment_id)


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _add_tree(archive: tarfile.TarFile, folder: Path, name: str) -> None:
    """Files in a fixed order with fixed metadata: the same tree always gives the same hash."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            _add_bytes(archive, f"{name}/{path.relative_to(folder).as_posix()}", path.read_bytes())


def cache_root() -> Path:
    return environment().cache / "bundles"


def unpack(sha256: str, data: bytes, root: Path | None = None) -> GradingSpec:
    """The grading spec of a bundle, unpacked once into `root/<sha256>` (checked, then renamed
    into place, so a half-written folder is never used)."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"trusted bundle {sha256[:12]} arrived damaged")
    target = (root or cache_root()) / sha256
    if not (target / SPEC_FILE).is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{sha256[:12]}-"))
        try:
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                archive.extractall(scratch, filter="data")
            with contextlib.suppress(OSError):  # another grader on this machine was quicker
                os.rename(scratch, target)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return _spec(target)


def _spec(folder: Path) -> GradingSpec:
    meta = json.loads((folder / SPEC_FILE).read_text())
    tests = folder / TESTS
    data = folder / DATA
    return GradingSpec(meta["assignment_id"], Assignment.model_validate(meta["assignment"]),
                       CourseLimits.model_validate(meta["limits"]), tests,
                       tuple(tests / d for d in meta["test_dirs"]),
                       data if data.is_dir() else None, warmup=meta.get("warmup", ""))
