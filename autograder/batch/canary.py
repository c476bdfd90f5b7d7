"""The reference solution's run (the canary), kept across batches while nothing it depends on
changed.

Every batch grades the reference solution first: a grading that cannot give it full marks (a
broken test, a missing data file, a broken sandbox) must not grade students. A web upload runs
a batch of one, where the canary would double the cost of the upload. So a canary that passed is
kept in the workspace (canary/<assignment>/<key>.json), keyed by the grading fingerprint, the
reference notebook, the warmup code and the sandbox kind, and a later batch that asks for it
(`grade-all --reuse-canary`, which the web app's uploads use) reuses it under the same key; a
TA's grade-all grades the canary every time. A failed canary is never kept.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from ..grading.grade import GradingSpec
from ..grading.results import Result
from .disk import write_atomically


def canary_ok(result: Result) -> bool:
    return result.status == "graded" and result.score >= result.max_score - 1e-9


def canary_file(workspace: Path, spec: GradingSpec, fingerprint: str, reference: Path,
                sandbox: str) -> Path:
    """Where the canary of this grading of `reference` in `sandbox` is kept."""
    digest = hashlib.sha256(f"{fingerprint}\n{sandbox}\n".encode())
    digest.update(hashlib.sha256(spec.warmup.encode()).digest())
    digest.update(hashlib.sha256(reference.read_bytes()).digest())
    return workspace / "canary" / spec.assignment_id / f"{digest.hexdigest()}.json"


def kept_canary(path: Path | None) -> Result | None:
    """The canary kept at `path`, if there is a readable one that passed."""
    if path is None:
        return None
    try:
        result = Result.model_validate_json(path.read_bytes())
    except (OSError, ValidationError):
        return None
    return result if canary_ok(result) else None


def keep_canary(path: Path | None, result: Result) -> None:
    if path is not None and canary_ok(result):
        write_atomically(path, result.model_dump_json())
