"""Shared CLI pieces: the console, the repository, and options several commands take."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..course import CourseRepo
from ..sandbox.launch import Launcher, make_launcher

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

SandboxOption = typer.Option(
    "bwrap", "--sandbox", help="bwrap (default) or none: none runs student code unconfined; "
    "only for submissions you trust")
WorkspaceOption = typer.Option(None, "--workspace", help="course workspace folder "
                               "(default: ./course, or $AUTOGRADER_WORKSPACE)")


def repo(workspace: Path | None = None) -> CourseRepo:
    return CourseRepo.discover(workspace)


def launcher(kind: str) -> Launcher:
    return make_launcher(kind)
