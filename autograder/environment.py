"""Environment variables that change what the autograder does: every one of them, in one place.

grading_config.yaml (config.py) is the course's grading scheme; these are the machine's and the
user's settings. Each is read when it is needed (never cached at import), so a test or a script
may set them at any time. An empty value counts as unset.

Set by the grader for its own children, not by users (documented where they are defined):
AUTOGRADER_WORKER (sandbox/launch.py: "this process is being graded", the self-check stands
down), AUTOGRADER_NUMBA_SEED (sandbox/numba_cache.py), AUTOGRADER_WITHHELD (sandbox/views.py)
and the sandbox template's control variables (sandbox/template.py). NUMBA_CACHE_DIR is set by
`use_trusted_cache` in trusted processes only. AUTOGRADER_PYTHON is read by the shell scripts of
the Gradescope zip (gradescope/bundle.py), not by Python.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import UserError

PREFIX = "AUTOGRADER_"


class Environment(BaseModel):
    """The variables, named without their AUTOGRADER_ prefix (`root` is $AUTOGRADER_ROOT)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    root: Path | None = Field(None, description=(
        "the course repository (the folder with grading_config.yaml); default: the nearest such "
        "folder above the working directory"))
    workspace: Path | None = Field(None, description=(
        "the course workspace (submitted/, autograded/, feedback/, the gradebook); default: "
        "<root>/course; --workspace wins"))
    db: str | None = Field(None, description=(
        "the gradebook's SQLAlchemy URL, e.g. postgresql+psycopg://host/course; default: "
        "sqlite:///<workspace>/gradebook.sqlite; --db wins"))
    cache: Path = Field(default_factory=lambda: Path.home() / ".cache" / "autograder", description=(
        "the trusted cache of this machine: librosa's compiled numba functions, unpacked "
        "grading bundles"))
    gradescope_root: Path | None = Field(None, description=(
        "where run_autograder finds Gradescope's container layout; default: /autograder (set "
        "to try the autograder zip outside Gradescope)"))


def environment() -> Environment:
    """The settings as the environment gives them now; a bad value is one line naming it."""
    values = {}
    for name in Environment.model_fields:
        value = os.environ.get(PREFIX + name.upper(), "")
        if value:
            values[name] = value
    try:
        return Environment.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UserError(f"${PREFIX}{str(first['loc'][0]).upper()}: {first['msg']}") from None

