"""Where things live: the course repository (config, source/, release/) and the course workspace."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .config import GradingConfig, load_config
from .environment import environment
from .errors import UserError

CONFIG_NAME = "grading_config.yaml"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder holding grading_config.yaml ($AUTOGRADER_ROOT wins)."""
    env = environment().root
    if env is not None:
        return env.resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise UserError(f"{here}: no {CONFIG_NAME} here or in any parent folder")


@dataclass(frozen=True)
class AssignmentFiles:
    """The instructor's files for one assignment (source/<id>/)."""

    id: str
    root: Path

    @property
    def notebook(self) -> Path:
        return self.root / f"{self.id}.ipynb"

    @property
    def tests(self) -> Path:
        return self.root / "tests"

    @property
    def public_tests(self) -> Path:
        return self.tests / "public"

    @property
    def hidden_tests(self) -> Path:
        return self.tests / "hidden"

    @property
    def data(self) -> Path:
        return self.root / "data"


class CourseRepo:
    """A course repository (grading_config.yaml, source/, release/) and its runtime workspace."""

    def __init__(self, root: Path, workspace: Path | None = None) -> None:
        self.root = root
        self._workspace = workspace

    @classmethod
    def discover(cls, workspace: Path | None = None) -> CourseRepo:
        return cls(find_root(), workspace)

    @cached_property
    def config(self) -> GradingConfig:
        return load_config(self.root / CONFIG_NAME)

    @property
    def workspace(self) -> Path:
        """Runtime data (submissions, results, feedback, gradebook); git ignores it."""
        if self._workspace is not None:
            return self._workspace
        return environment().workspace or self.root / "course"

    def source(self, assignment_id: str) -> AssignmentFiles:
        self.config.assignment(assignment_id)
        files = AssignmentFiles(assignment_id, self.root / "source" / assignment_id)
        if not files.notebook.is_file():
            raise UserError(f"{files.notebook}: the assignment's notebook is missing")
        return files

    def release_dir(self, assignment_id: str) -> Path:
        return self.root / "release" / assignment_id

    def assignment_ids(self, requested: list[str] | None) -> list[str]:
        ids = requested or list(self.config.assignments)
        for aid in ids:
            self.config.assignment(aid)
        return ids
