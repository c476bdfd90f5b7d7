"""Shared CLI pieces: the console, the repository, and options several commands take."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import typer
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..course import CourseRepo
from ..sandbox.kinds import make_launcher
from ..sandbox.launch import Launcher
from .terminal import SafeConsole

console = SafeConsole(highlight=False)
err_console = SafeConsole(stderr=True, highlight=False)

SandboxOption = typer.Option(
    "bwrap", "--sandbox", help="where student code runs: bwrap (a warm template in bubblewrap, "
    "forked per submission), bwrap-cold (a fresh bubblewrap per worker) or none (unconfined: "
    "only for submissions you trust)")
WorkspaceOption = typer.Option(None, "--workspace", help="course workspace folder "
                               "(default: ./course, or $AUTOGRADER_WORKSPACE)")


T = TypeVar("T")


def with_progress(items: Sequence[T], doing: str, done: str,
                  label: Callable[[T], str] = str) -> Iterator[T]:
    """Yield each item while a line shows `doing <item>`, i/n and the time so far.

    For steps that take more than a few seconds per item (validate, grade): without it a
    sandbox warming up for half a minute looks like a hang. Output printed meanwhile stays above.
    """
    columns = (SpinnerColumn(), TextColumn("{task.description}", markup=False), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task(doing, total=len(items))
        for item in items:
            progress.update(task, description=f"{doing} {label(item)}", refresh=True)
            yield item
            progress.advance(task)
        progress.update(task, description=done)


def repo(workspace: Path | None = None) -> CourseRepo:
    return CourseRepo.discover(workspace)


def launcher(kind: str) -> Launcher:
    return make_launcher(kind)
