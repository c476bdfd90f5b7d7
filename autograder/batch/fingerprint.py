"""What a result depends on besides the notebook: the tests, the data, the scheme, the grader.

A cached result is reused only under the same fingerprint, so fixing a hidden test or changing
points regrades everything on the next batch, while an unchanged batch regrades nothing.
"""

from __future__ import annotations

import hashlib

import autograder

from ..grading.grade import GradingSpec


def spec_fingerprint(spec: GradingSpec) -> str:
    digest = hashlib.sha256()
    digest.update(f"autograder {autograder.__version__}\n".encode())
    digest.update(spec.assignment.model_dump_json().encode())
    digest.update(spec.limits.model_dump_json().encode())
    for folder in spec.test_dirs:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(spec.tests_root)}\n".encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    if spec.data is not None:  # data can be large: names, sizes and times are enough
        for path in sorted(spec.data.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path.relative_to(spec.data)} {stat.st_size} "
                              f"{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()
