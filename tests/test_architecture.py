"""ARCHITECTURE.md stays true: every path it names exists, and the layers import only downwards."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "ARCHITECTURE.md"

# what each package must not import (the layers above it), as ARCHITECTURE.md's table says
ABOVE = {
    "sandbox": {"testing", "grading", "gradebook", "batch", "cli", "web", "student", "authoring",
                "importers", "gradescope", "demo", "bench"},
    "testing": {"grading", "gradebook", "batch", "cli", "web", "student", "authoring",
                "importers", "gradescope", "demo", "bench"},
    "grading": {"gradebook", "batch", "cli", "web", "student", "authoring", "importers",
                "gradescope", "demo", "bench"},
    "gradebook": {"batch", "cli", "web", "student", "authoring", "importers", "gradescope",
                  "demo", "bench"},
    "batch": {"cli", "web", "demo", "bench"},
}


def named_paths() -> list[str]:
    """Every `path` in backquotes that looks like a file or folder of the repository."""
    found = re.findall(r"`([A-Za-z0-9_.<>/-]+)`", PAGE.read_text())
    inside_source = {"tests/public/", "tests/hidden/"}  # named as parts of source/<id>/
    return sorted({p for p in found if "/" in p and "<" not in p} - inside_source
                  | {"grading_config.yaml", "source/", "tests/assignments/"})


def test_the_page_names_paths() -> None:
    assert len(named_paths()) > 20


@pytest.mark.parametrize("path", named_paths())
def test_every_named_path_exists(path: str) -> None:
    assert (ROOT / path).exists(), f"ARCHITECTURE.md names {path}, which does not exist"


def _imported_packages(path: Path) -> set[str]:
    """The autograder subpackages a module imports (relative or absolute)."""
    tree = ast.parse(path.read_text())
    depth = len(path.relative_to(ROOT / "autograder").parts) - 1  # folders below autograder/
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                if node.level > depth:  # from the top package: ..x from autograder/<pkg>/m.py
                    out.add((node.module or "").split(".")[0])
                else:
                    out.add(path.relative_to(ROOT / "autograder").parts[0])
            elif (node.module or "").startswith("autograder."):
                out.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("autograder.")}
    return out


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_layers_import_only_downwards(package: str) -> None:
    upward = {f"{p.relative_to(ROOT)} imports {sorted(_imported_packages(p) & ABOVE[package])}"
              for p in (ROOT / "autograder" / package).rglob("*.py")
              if _imported_packages(p) & ABOVE[package]}
    assert upward == set()
