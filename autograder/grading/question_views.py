"""One submission, one worker per view: a question's calls run where its forbidden modules are not.

Questions are grouped by the packages they withhold (their "view", see sandbox/views.py). The
notebook's cells run once in each view's worker, and each test reaches the worker of its
question's view: `stft`'s tests a worker without librosa, scipy or torch, the CNN's tests one with
torch. Most assignments have a single view, so this costs nothing; convolutions has two, whose
cells run side by side (each view's worker comes from a template of its own): with a core to
spare, the second view costs no time.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..config import Assignment, CourseLimits
from ..notebook import CodeCell
from ..sandbox.launch import Launcher
from ..sandbox.numba_cache import build_numba_cache
from ..sandbox.transport import WorkerLost
from ..sandbox.views import FULL_VIEW, WorkerView, withheld_for
from .run import CellOutcome, SubmissionRun


def question_views(assignment: Assignment, warmup: str,
                   questions: frozenset[str] | None = None) -> dict[str, WorkerView]:
    """The view of every autograded question (of `questions`, when given)."""
    views = {}
    for name, question in assignment.autograded.items():
        if questions and name not in questions:
            continue
        withheld = withheld_for(question.forbidden)
        preload = tuple(m for m in assignment.warm_modules if m.split(".")[0] not in withheld)
        complete = len(preload) == len(assignment.warm_modules)
        views[name] = WorkerView(withheld, preload, warmup if complete else "")
    return views


def _permissiveness(view: WorkerView) -> tuple:
    """Sorts the most permissive view first: its cells are the ones a student would recognise."""
    return len(view.withheld), view.withheld


def most_permissive(views: dict[str, WorkerView]) -> WorkerView:
    """The view whose worker's cells grading reports."""
    return min(views.values(), key=_permissiveness, default=FULL_VIEW)


class ViewedRuns:
    """The transport behind the `student` proxy: each request goes to the worker of the view of
    the question under test (`question_of()`); every view's worker has run the cells first."""

    def __init__(self, launcher: Launcher, cells: list[CodeCell], limits: CourseLimits,
                 data: Path | None, views: dict[str, WorkerView]) -> None:
        self.views = views
        ordered = sorted(set(views.values()), key=_permissiveness) or [FULL_VIEW]
        self.default = ordered[0]
        self.runs = {view: SubmissionRun(launcher, cells, limits, data, view) for view in ordered}
        self.question_of: Callable[[], str | None] = lambda: None
        self.cell_outcomes: list[CellOutcome] = []

    @property
    def primary(self) -> SubmissionRun:
        return self.runs[self.default]

    def run_cells(self) -> list[CellOutcome]:
        """Run the cells in every view, side by side; the outcomes reported are the most
        permissive view's.

        The runs were created together, so their time limits end together: one limit for the
        whole submission, however many views it needs."""
        for view in self.runs:
            if view.warmup and not view.withheld:
                build_numba_cache(view.warmup)
        if len(self.runs) == 1:
            self.cell_outcomes = self.primary.run_cells()
            return self.cell_outcomes
        with ThreadPoolExecutor(len(self.runs), "view") as pool:
            running = {view: pool.submit(run.run_cells) for view, run in self.runs.items()}
        outcomes = {view: future.result() for view, future in running.items()}  # raises, if any
        self.cell_outcomes = outcomes[self.default]
        return self.cell_outcomes

    def current(self) -> SubmissionRun:
        return self.runs[self.views.get(self.question_of() or "", self.default)]

    def request(self, *args: Any, **kwargs: Any) -> Any:
        return self.current().request(*args, **kwargs)

    def recover(self, lost: WorkerLost) -> None:
        self.current().recover(lost)

    @property
    def incidents(self) -> list[str]:
        return [incident for run in self.runs.values() for incident in run.incidents]

    def close(self) -> None:
        """Every view's worker is told to stop before the first is waited for: their deaths
        (a few ms each, the kernel freeing their memory) overlap."""
        for run in self.runs.values():
            run.stop_soon()
        for run in self.runs.values():
            run.close()
