"""SELF_CHECK.md in every release folder: how a student self-checks on Colab and on a laptop.

The package a student installs is the course's own wheel, shipped inside the folder that
`autograder pack` zips (packages/); `--no-deps` keeps the student's torch and librosa untouched.
"""

from __future__ import annotations

from importlib import metadata

from jinja2 import Environment, PackageLoader

from ..config import Assignment

GUIDE_NAME = "SELF_CHECK.md"
PACKAGE = "dl-audio-autograder"


def wheel_name() -> str:
    """The file name pip gives this package's wheel (PEP 427: dashes become underscores)."""
    version = metadata.version(PACKAGE)
    return f"{PACKAGE.replace('-', '_')}-{version}-py3-none-any.whl"


def self_check_guide(assignment_id: str, assignment: Assignment) -> str:
    env = Environment(loader=PackageLoader("autograder.student", "templates"),
                      keep_trailing_newline=True)
    python = metadata.metadata(PACKAGE).get("Requires-Python", "")
    return env.get_template("self_check.md.j2").render(
        aid=assignment_id, title=assignment.title, first_question=next(iter(assignment.autograded)),
        package=PACKAGE, python=python, wheel=wheel_name())
