"""`autograder import otter`: an otter-grader master notebook (format v1) in our format.

otter's format, from its documentation ("Otter Assign", "Notebook Format", v1): raw cells
delimit blocks: `# ASSIGNMENT CONFIG`, `# BEGIN QUESTION` (YAML: name, points, manual),
`# BEGIN SOLUTION` / `# END SOLUTION`, `# BEGIN TESTS` / `# END TESTS`, `# BEGIN PROMPT` /
`# END PROMPT`, `# END QUESTION`. Inside solution cells, `# BEGIN SOLUTION [NO PROMPT]` ...
`# END SOLUTION` regions and lines ending in `# SOLUTION` or `# SOLUTION NO PROMPT` are removed
for students, `# SEED` lines too. Each test cell is one test case: public unless its first line
is `# HIDDEN` or its `# BEGIN TEST CONFIG` ... `# END TEST CONFIG` string (YAML) says
`hidden: true`; points per test follow otter's resolution rules; a test passes when the cell runs
and its last expression shows the output recorded in the master notebook (usually `True`).
Here solution regions and lines become our markers, test cells become pytest functions through
the `student` proxy, questions get their points, manual questions are marked, and otter's own
calls (`import otter`, `grader = otter.Notebook()`, `grader.check(...)`) are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from ..errors import UserError
from ..notebook import read_notebook
from .assignment import (
    ImportedAssignment,
    ImportedQuestion,
    ImportedTest,
    identifier,
    new_notebook_like,
    points_value,
)
from .rewrite import (
    NotebookNames,
    Untranslatable,
    boolean_like,
    ends_with_expression,
    translate,
)

DELIMITER = re.compile(r"^\s*#\s*(ASSIGNMENT CONFIG|BEGIN QUESTION|END QUESTION|BEGIN SOLUTION|"
                       r"END SOLUTION|BEGIN TESTS|END TESTS|BEGIN PROMPT|END PROMPT)\s*$", re.I)
REGION_BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION( NO PROMPT)?\s*$", re.I)
REGION_END = re.compile(r"^(\s*)#\s*END SOLUTION\s*$", re.I)
ONE_LINE = re.compile(r"^(\s*)(.*?)\s*# ?SOLUTION( NO PROMPT)?\s*$")  # case as otter's own
SEED_LINE = re.compile(r"^(.*?)\s*# ?SEED\s*$")
PROMPT_BEGIN = re.compile(r"^\s*(\"\"\"|''')\s*#\s*BEGIN PROMPT\s*$", re.I)
PROMPT_END = re.compile(r"^\s*(\"\"\"|''');?\s*#\s*END PROMPT\s*$", re.I)
TEST_CONFIG = re.compile(r"^\s*(\"\"\"|''')\s*#\s*BEGIN TEST CONFIG\s*\n(.*?)^\s*(\"\"\"|''')\s*"
                         r"#\s*END TEST CONFIG\s*$\n?", re.I | re.S | re.M)
HIDDEN_LINE = re.compile(r"^\s*#\s*HIDDEN\s*$", re.I)
OTTER_IMPORT = re.compile(r"^\s*(import\s+otter\b|from\s+otter\b)")
OTTER_NOTEBOOK = re.compile(r"^\s*(\w+)\s*=\s*otter\.Notebook\(")


def _source(cell: nbformat.NotebookNode) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def solution_to_markers(source: str) -> str:
    """otter's solution syntax to `### BEGIN SOLUTION` regions (consecutive one-liners at one
    indentation share a region); prompt blocks are dropped, `# SEED` markers too."""
    out: list[str] = []
    pending: list[str] = []
    pending_indent = ""
    prompt = False

    def flush() -> None:
        if pending:
            out.extend([f"{pending_indent}### BEGIN SOLUTION", *pending,
                        f"{pending_indent}### END SOLUTION"])
            pending.clear()

    for line in source.splitlines():
        if prompt:
            prompt = not PROMPT_END.match(line)
            continue
        if PROMPT_BEGIN.match(line):
            flush()
            prompt = True
            continue
        begin, end, one = REGION_BEGIN.match(line), REGION_END.match(line), ONE_LINE.match(line)
        if one and not begin and not end:
            indent, code = one.group(1), one.group(2)
            if pending and indent != pending_indent:
                flush()
            pending_indent = indent
            pending.append(f"{indent}{code}")
            continue
        flush()
        if begin:
            out.append(f"{begin.group(1)}### BEGIN SOLUTION")
        elif end:
            out.append(f"{end.group(1)}### END SOLUTION")
        elif SEED_LINE.match(line):
            out.append(SEED_LINE.match(line).group(1))
        else:
            out.append(line)
    flush()
    return "\n".join(out)


def without_otter_calls(source: str, graders: set[str]) -> str:
    kept = []
    for line in source.splitlines():
        named = OTTER_NOTEBOOK.match(line)
        if named:
            graders.add(named.group(1))
            continue
        if OTTER_IMPORT.match(line) or any(re.match(rf"^\s*{re.escape(g)}\.\w+\(", line)
                                           for g in graders):
            continue
        kept.append(line)
    return "\n".join(kept)


@dataclass
class _Question:
    name: str
    points: float | None
    manual: bool
    tests: list[tuple[str, dict, str | None, str]] = field(default_factory=list)


def _expected(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "execute_result":
            text = output.get("data", {}).get("text/plain")
            return text if isinstance(text, str) else "".join(text or [])
    return None


def _yaml(text: str, where: str) -> object:
    """otter's YAML blocks; a mistake is one line naming the cell."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{where}: not valid YAML: {problem}") from None


def _test_cell(cell: nbformat.NotebookNode, where: str) -> tuple[str, dict]:
    source = _source(cell)
    config: dict = {}
    found = TEST_CONFIG.search(source)
    if found:
        loaded = _yaml(found.group(2), where) or {}
        config = loaded if isinstance(loaded, dict) else {}
        config["points"] = points_value(config.get("points"), where)
        source = source[: found.start()] + source[found.end():]
    lines = source.splitlines()
    if lines and HIDDEN_LINE.match(lines[0]):
        config.setdefault("hidden", True)
        lines = lines[1:]
    return "\n".join(lines), config


def _points(question: _Question) -> list[float]:
    """Per-test points by otter's rules (Notebook Format, "Test Cells")."""
    given = [t[1].get("points") for t in question.tests]
    specified = [float(p) for p in given if p is not None]
    n_free = sum(p is None for p in given)
    if specified and question.points is None:
        return [float(p) if p is not None else 0.0 for p in given]
    total = 1.0 if question.points is None else float(question.points)
    share = max(0.0, total - sum(specified)) / n_free if n_free else 0.0
    return [float(p) if p is not None else share for p in given]


@dataclass
class _Walk:
    """Where a walk through the master notebook is: the open question and the open block."""

    path: Path
    imported: ImportedAssignment
    question: _Question | None = None
    block: str = ""  # SOLUTION, TESTS, PROMPT or ""
    questions: list[_Question] = field(default_factory=list)

    def delimiter(self, kind: str, source: str, index: int) -> None:
        where = f"{self.path}: cell {index}"
        if kind == "BEGIN QUESTION":
            meta = _yaml(source, where) or {}
            if not isinstance(meta, dict) or not meta.get("name"):
                raise UserError(f"{where}: # BEGIN QUESTION without a name")
            self.question = _Question(identifier(str(meta["name"])),
                                      points_value(meta.get("points"), where),
                                      bool(meta.get("manual")))
            self.questions.append(self.question)
        elif kind == "END QUESTION":
            self.question = None
        elif kind.startswith("BEGIN"):
            self.block = kind.split()[1]
        elif kind.startswith("END"):
            self.block = ""
        elif kind == "ASSIGNMENT CONFIG":
            self.imported.skipped.append(f"cell {index}: otter's assignment config (files, "
                                         "requirements, generate) is not carried over")

    @property
    def manual_answer(self) -> str | None:
        """The manual question whose solution block is open: its cells are answers."""
        if self.block == "SOLUTION" and self.question is not None and self.question.manual:
            return self.question.name
        return None


def import_master(path: Path, assignment_id: str | None = None) -> ImportedAssignment:
    nb = read_notebook(path)
    aid = assignment_id or identifier(path.stem, "assignment")
    out = new_notebook_like(nb, path)
    walk = _Walk(path, ImportedAssignment(aid, path.stem, path, out))
    names, graders = NotebookNames(), set()
    for index, cell in enumerate(nb.cells):
        source = _source(cell)
        first = source.strip().splitlines()[0] if source.strip() else ""
        delimiter = DELIMITER.match(first) if cell.cell_type == "raw" else None
        if delimiter:
            walk.delimiter(delimiter.group(1).upper(), source, index)
        elif walk.block == "TESTS" and walk.question is not None and cell.cell_type == "code":
            code, config = _test_cell(cell, f"{path}: cell {index}")
            walk.question.tests.append((code, config, _expected(cell), f"cell {index}"))
        elif walk.block != "PROMPT":
            new = _carried_over(cell, source, walk, names, graders)
            if new is not None:
                if walk.manual_answer:
                    walk.imported.mark_answer(new, walk.manual_answer)
                out.cells.append(new)
    for q in walk.questions:
        _add_question(walk.imported, q, names)
    return walk.imported.finish()


def _carried_over(cell: nbformat.NotebookNode, source: str, walk: _Walk, names: NotebookNames,
                  graders: set[str]) -> nbformat.NotebookNode | None:
    """The student-facing cell made from a master cell outside tests and prompts (None: empty)."""
    if cell.cell_type == "code":
        source = without_otter_calls(source, graders)
        if walk.block == "SOLUTION":
            source = solution_to_markers(source)
        if not source.strip():
            return None
        names.add_cell(source)
        return nbformat.v4.new_code_cell(source)
    if cell.cell_type == "markdown":
        if walk.manual_answer:
            source = f"### BEGIN SOLUTION\n{source}\n### END SOLUTION"
        return nbformat.v4.new_markdown_cell(source)
    return nbformat.v4.new_raw_cell(source)


def _add_question(imported: ImportedAssignment, q: _Question, names: NotebookNames) -> None:
    if q.manual:
        imported.add_question(q.name, ImportedQuestion(float(q.points or 1), manual=True,
                                                       origin=f"question {q.name}"))
        return
    points = _points(q)
    name = imported.add_question(q.name, ImportedQuestion(sum(points) or 1.0,
                                                          origin=f"question {q.name}"))
    for i, ((code, config, expected, where), pts) in enumerate(zip(q.tests, points, strict=True)):
        if expected is None and boolean_like(code):
            expected = "True"
        try:
            if expected is None and ends_with_expression(code):
                raise Untranslatable("its expected output is not recorded; run the master "
                                     "notebook (as otter assign does) so the test cell shows it")
            body = translate(code, names, expected)
        except Untranslatable as exc:
            imported.skipped.append(f"{where} (test {i + 1} of question {q.name}): {exc}")
            continue
        hidden = bool(config.get("hidden"))
        imported.tests.append(ImportedTest(name, f"{name}_{i + 1}", body, hidden,
                                           weight=pts if sum(points) else 1.0, origin=where))
