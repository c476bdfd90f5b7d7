"""An imported assignment in this project's format, and writing it into the course repository.

Whatever the origin (nbgrader, otter), an import yields: the instructor notebook with our
solution markers, pytest files (public and hidden, by folder), questions with points for
grading_config.yaml (manual ones marked `manual: true`, their answer cells marked in the
notebook), and a list of what could not be carried over, each with its reason.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import yaml

from ..authoring.foreign import foreign_marker
from ..config import load_config
from ..course import CONFIG_NAME, CourseRepo
from ..errors import UserError
from ..notebook import ANSWER_KEY
from .rewrite import TestBody, test_function

NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")


def points_value(value: object, where: str) -> float | None:
    """Points as the source format wrote them (None when absent); a mistake is one line."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise UserError(f"{where}: points must be a number >= 0, not {value!r}")
    return float(value)


def new_notebook_like(nb: nbformat.NotebookNode, path: Path) -> nbformat.NotebookNode:
    """An empty notebook with the source's kernel and language (Python only: the grader runs
    Python notebooks)."""
    language = nb.metadata.get("kernelspec", {}).get("language") or \
        nb.metadata.get("language_info", {}).get("name") or "python"
    if str(language).lower() != "python":
        raise UserError(f"{path}: a {language} notebook; only Python notebooks can be imported")
    out = nbformat.v4.new_notebook()
    out.metadata.update({k: nb.metadata[k] for k in ("kernelspec", "language_info")
                         if k in nb.metadata})
    return out


def identifier(raw: str, fallback: str = "question") -> str:
    """A Python identifier made from an nbgrader grade id or otter question name."""
    name = NOT_IDENTIFIER.sub("_", raw).strip("_").lower() or fallback
    if name[0].isdigit() or keyword.iskeyword(name):
        name = f"{fallback}_{name}"
    return name


@dataclass
class ImportedTest:
    """One test case translated from the imported format."""

    question: str
    name: str
    body: TestBody
    hidden: bool
    weight: float = 1.0
    origin: str = ""


@dataclass
class ImportedQuestion:
    """A question of the imported assignment, with its points."""

    points: float
    manual: bool = False
    origin: str = ""


@dataclass
class ImportedAssignment:
    """An nbgrader or otter assignment translated into our format, with what was left behind."""

    id: str
    title: str
    source: Path
    notebook: nbformat.NotebookNode
    questions: dict[str, ImportedQuestion] = field(default_factory=dict)
    tests: list[ImportedTest] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was not carried over, and why

    def mark_answer(self, cell: nbformat.NotebookNode, question: str) -> None:
        cell.setdefault("metadata", {})[ANSWER_KEY] = {"answer": question}

    def add_question(self, raw: str, question: ImportedQuestion) -> str:
        """Register a question under an identifier made from `raw`, unique in the assignment."""
        name = base = identifier(raw)
        number = 2
        while name in self.questions:
            name, number = f"{base}_{number}", number + 1
        self.questions[name] = question
        return name

    def finish(self) -> ImportedAssignment:
        """Drop questions left without tests, refuse leftover foreign markers, and name the
        files next to the notebook that were not copied."""
        tested = {t.question for t in self.tests}
        for name, q in list(self.questions.items()):
            if not q.manual and name not in tested:
                del self.questions[name]
                self.skipped.append(f"question {name} ({q.points:g} points, {q.origin}): none "
                                    "of its tests could be carried over; write them by hand")
        for cell in self.notebook.cells:
            found = foreign_marker(cell)
            if found:
                first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
                raise UserError(f"{self.source}: the cell starting {first!r} still holds "
                                f"{found} after import; this format is not understood (otter's "
                                "v0 format? convert it to v1)")
        others = sorted(p.name for p in self.source.parent.iterdir()
                        if p.is_file() and p.suffix != ".ipynb" and not p.name.startswith("."))
        if others:
            shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
            self.skipped.append(f"files next to the notebook were not copied ({shown}); put "
                                "what the notebook reads in source/<id>/data/ (seen as ./data)")
        return self


def test_file(tests: list[ImportedTest], origin: str) -> str:
    """One pytest file holding the tests of one question and visibility."""
    imports = sorted({line for t in tests for line in t.body.imports})
    parts = [f'"""Imported from {origin}."""', "", *imports,
             "from autograder.testing import question", "",
             f"pytestmark = question({tests[0].question!r})"]
    for test in tests:
        decorator = [f"@question({test.question!r}, weight={test.weight!r})"] \
            if test.weight != 1.0 else []
        parts += ["", "", *decorator, test_function(test.name, test.body)]
    return "\n".join(parts) + "\n"


def config_block(imported: ImportedAssignment, due: datetime) -> str:
    """The assignment's block for grading_config.yaml, indented to sit under `assignments:`."""
    questions = {}
    for name, q in imported.questions.items():
        entry: dict = {"points": q.points}
        if q.manual:
            entry["manual"] = True
        questions[name] = entry
    block = {imported.id: {"title": imported.title, "due": due.strftime("%Y-%m-%d %H:%M"),
                           "questions": questions}}
    text = yaml.safe_dump(block, sort_keys=False, default_flow_style=None, width=100)
    return "".join(f"  {line}\n" for line in text.splitlines())


def default_due() -> datetime:
    return (datetime.now() + timedelta(days=14)).replace(hour=23, minute=59, second=0,
                                                         microsecond=0)


def write_assignment(repo: CourseRepo, imported: ImportedAssignment, force: bool = False) -> Path:
    """source/<id>/: the notebook and the test files (public and hidden by folder)."""
    target = repo.root / "source" / imported.id
    if target.exists() and not force:
        raise UserError(f"{target}: already exists; choose another id (--id) or --force")
    public, hidden = target / "tests" / "public", target / "tests" / "hidden"
    for folder in (public, hidden):
        folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(imported.notebook, target / f"{imported.id}.ipynb")
    for (question, is_hidden), tests in _grouped(imported.tests).items():
        folder, suffix = (hidden, "_hidden") if is_hidden else (public, "")
        origin = f"{imported.source.name} ({', '.join(sorted({t.origin for t in tests}))})"
        (folder / f"test_{question}{suffix}.py").write_text(test_file(tests, origin),
                                                           encoding="utf-8")
    return target


def _grouped(tests: list[ImportedTest]) -> dict[tuple[str, bool], list[ImportedTest]]:
    groups: dict[tuple[str, bool], list[ImportedTest]] = {}
    for test in tests:
        groups.setdefault((test.question, test.hidden), []).append(test)
    return groups


def merge_config(repo: CourseRepo, block: str, assignment_id: str) -> None:
    """Insert the block under `assignments:` keeping the file's comments; refuse a result that
    does not validate, leaving the file untouched."""
    path = repo.root / CONFIG_NAME
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    if assignment_id in load_config(path).assignments:
        raise UserError(f"{path}: assignments.{assignment_id} already exists")
    at = next((i for i, line in enumerate(lines) if line.rstrip() == "assignments:"), None)
    if at is None:
        raise UserError(f"{path}: no top-level `assignments:` line to add the block under; "
                        "paste the printed block yourself")
    merged = "".join(lines[: at + 1]) + block + "".join(lines[at + 1:])
    staging = path.with_name(f".{path.name}.import")
    staging.write_text(merged, encoding="utf-8")
    try:
        load_config(staging)
    except UserError as exc:
        staging.unlink()
        raise UserError(f"{path}: the merged file would not validate ({exc}); paste the printed "
                        "block yourself") from None
    staging.replace(path)
