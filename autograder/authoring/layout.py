"""Checks on an assignment's tests: every question has tests, every test names a known question,
and nothing hidden sits among the public tests."""

from __future__ import annotations

from ..course import AssignmentFiles, CourseRepo
from ..errors import UserError
from ..testing.plugin import TestInfo
from ..testing.runner import collect_tests


def check_public_folder(files: AssignmentFiles) -> None:
    if not files.public_tests.is_dir():
        raise UserError(f"{files.public_tests}: missing; public tests live there")
    hidden_names = {p.name for p in files.hidden_tests.rglob("*.py")} if files.hidden_tests.is_dir() else set()
    for path in sorted(files.public_tests.rglob("*")):
        if "__pycache__" in path.parts or not path.is_file():
            continue
        if "hidden" in path.relative_to(files.public_tests).as_posix().lower():
            raise UserError(f"{path}: a hidden test file is among the public tests; "
                            f"move it to {files.hidden_tests}")
        if path.name in hidden_names and path.name != "conftest.py":
            raise UserError(f"{path}: the same file name exists in {files.hidden_tests}; "
                            "a hidden test file seems to be among the public ones")


def checked_tests(repo: CourseRepo, assignment_id: str) -> list[TestInfo]:
    """Collect the assignment's tests and hold them against grading_config.yaml."""
    files = repo.source(assignment_id)
    check_public_folder(files)
    infos = collect_tests([files.public_tests, files.hidden_tests], files.tests)
    questions = repo.config.assignment(assignment_id).questions
    config = repo.root / "grading_config.yaml"
    for info in infos:
        if info.question is None:
            raise UserError(f"{files.tests / info.name.split('::')[0]}: test {info.name} belongs "
                            "to no question; add `pytestmark = question(\"...\")`")
        if info.question not in questions:
            raise UserError(f"{files.tests / info.name.split('::')[0]}: test {info.name} names "
                            f"unknown question {info.question!r} (not in {config.name})")
        if questions[info.question].manual:
            raise UserError(f"{files.tests / info.name.split('::')[0]}: test {info.name} names "
                            f"question {info.question!r}, which is graded by people (manual)")
    tested = {info.question for info in infos}
    for name, spec in questions.items():
        if spec.manual:
            continue
        if name not in tested:
            raise UserError(f"{config}: assignments.{assignment_id}.questions.{name}: "
                            "question has no tests")
    return infos
