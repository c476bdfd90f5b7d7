"""What run_autograder executes inside Gradescope's container, once per submission.

Layout, from https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("File hierarchy"):
the zip is extracted to <root>/source, the student's files are in <root>/submission, the result
goes to <root>/results/results.json, and <root>/submission_metadata.json describes the submission.
The root is /autograder unless $AUTOGRADER_GRADESCOPE_ROOT or --root names another (a test runs a
whole simulated container layout in a temporary folder).

The submission is graded with this project's sandbox. Where bubblewrap cannot create its
namespaces (some containers forbid them) the run fails closed: results.json says why in one line
and the exit status is non-zero, unless grading_config.yaml states `gradescope: {sandbox: none}`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..config import GradingConfig, load_config
from ..environment import environment
from ..errors import UserError
from ..grading.grade import GradingSpec, grade_path
from ..grading.results import Result
from ..sandbox.kinds import make_launcher
from ..sandbox.launch import Bubblewrap
from .metadata import read_submission_info
from .results import failure_json, results_json

DEFAULT_ROOT = Path("/autograder")
BUNDLE = "course"
BUNDLE_INFO = "gradescope.json"
IGNORED_PARTS = ("__MACOSX",)


@dataclass(frozen=True)
class Layout:
    """Gradescope's paths under one root."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def bundle(self) -> Path:
        return self.source / BUNDLE

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"

    @property
    def metadata(self) -> Path:
        return self.root / "submission_metadata.json"


def sandbox_problem(kind: str) -> str | None:
    """Why the sandbox cannot run here, or None when it can (or none was asked for)."""
    if kind == "none":
        return None
    try:
        bwrap = Bubblewrap()
    except UserError as exc:
        return str(exc)
    argv = [bwrap.bwrap or "bwrap", *bwrap.isolation(), sys.executable, "-c", "pass"]
    try:
        probe = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not be started ({exc})"
    if probe.returncode != 0:
        said = (probe.stderr.strip().splitlines() or [f"exit status {probe.returncode}"])[-1]
        return (f"bubblewrap cannot create its namespaces in this container ({said[:200]}); "
                "set `gradescope: {sandbox: none}` in grading_config.yaml only if you accept "
                "grading without a sandbox")
    return None


def find_submission(folder: Path, assignment_id: str) -> Path:
    """The one notebook (or `autograder submit` zip) among the uploaded files. Symbolic links
    are not followed: an upload could point one at the hidden tests."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
                   and not any(part.startswith(".") or part in IGNORED_PARTS
                               for part in p.relative_to(folder).parts))
    candidates = [p for p in files if p.suffix.lower() in (".ipynb", ".zip")]
    if len(candidates) == 1:
        return candidates[0]
    named = [p for p in candidates if p.name == f"{assignment_id}.ipynb"]
    if len(named) == 1:
        return named[0]
    shown = ", ".join(p.name for p in files[:10]) or "no files"
    raise UserError(f"upload exactly one notebook named {assignment_id}.ipynb (or the zip from "
                    f"`autograder submit`); received: {shown}")


def load_bundle(layout: Layout) -> tuple[GradingConfig, GradingSpec]:
    info = json.loads((layout.bundle / BUNDLE_INFO).read_text(encoding="utf-8"))
    config = load_config(layout.bundle / "grading_config.yaml")
    aid = info["assignment"]
    tests = layout.bundle / "source" / aid / "tests"
    data = layout.bundle / "source" / aid / "data"
    spec = GradingSpec(aid, config.assignment(aid), config.limits, tests,
                       (tests / "public", tests / "hidden"), data if data.is_dir() else None)
    return config, spec


def grade(layout: Layout) -> tuple[dict, int]:
    """results.json's object and the exit status for the submission under `layout`."""
    try:
        config, spec = load_bundle(layout)
    except (OSError, ValueError, KeyError, UserError) as exc:
        return failure_json(f"the autograder's course bundle is broken ({exc})"), 1
    settings = config.gradescope
    problem = sandbox_problem(settings.sandbox)
    if problem:
        return failure_json(problem), 1
    info = read_submission_info(layout.metadata, config.late_policy)
    student = info.students[0] if info.students else None
    try:
        path = find_submission(layout.submission, spec.assignment_id)
    except UserError as exc:
        invalid = Result(submission=str(layout.submission), student=student,
                         assignment=spec.assignment_id, status="invalid",
                         max_score=spec.assignment.autograded_max_score, message=str(exc))
        return results_json(invalid, hidden_tests=settings.hidden_tests), 0
    launcher = make_launcher(settings.sandbox)
    try:
        result = grade_path(spec, path, launcher, student)
    finally:
        launcher.close()
    if result.status == "grader-error":
        return failure_json(result.message or "grader error"), 1
    notes = list(info.notes)
    if settings.sandbox == "none":
        notes.append("Graded without a sandbox (the course chose `gradescope: {sandbox: none}`).")
    extra = {"students": info.students, "days_late": info.late.days_late,
             "late_penalty_percent": info.late.penalty_percent}
    payload = results_json(result, hidden_tests=settings.hidden_tests,
                           score=info.late.apply(result.score), notes=notes, extra=extra)
    return payload, 0


def write_results(layout: Layout, payload: dict) -> None:
    layout.results.parent.mkdir(parents=True, exist_ok=True)
    staging = layout.results.with_suffix(".json.part")
    staging.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    staging.replace(layout.results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_autograder", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path,
                        default=environment().gradescope_root or DEFAULT_ROOT,
                        help="the container layout's root (default $AUTOGRADER_GRADESCOPE_ROOT "
                        "or /autograder)")
    layout = Layout(parser.parse_args(argv).root)
    try:
        payload, status = grade(layout)
    except Exception as exc:  # the grader's own fault: fail closed, never a traceback
        traceback.print_exc()
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        payload, status = failure_json(f"grader error: {detail[:300]}"), 1
    write_results(layout, payload)
    print(f"results.json written ({payload['extra_data']['status']}, score {payload['score']:g})")
    return status


if __name__ == "__main__":
    sys.exit(main())
