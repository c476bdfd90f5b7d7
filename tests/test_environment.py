"""Environment variables: one schema, documented, read when needed, none set by importing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from autograder.course import CourseRepo
from autograder.environment import PREFIX, Environment, environment

ROOT = Path(__file__).resolve().parents[1]
VARIABLES = [PREFIX + name.upper() for name in Environment.model_fields]


def test_every_variable_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `(AUTOGRADER_[A-Z_]+)` \|", (ROOT / "README.md").read_text(),
                                re.MULTILINE))
    assert documented == set(VARIABLES)


def test_no_other_module_reads_a_user_setting() -> None:
    """environment.py is the one place: a module reading $AUTOGRADER_DB itself would bypass it."""
    reading = re.compile(r"(environ\.get|getenv)\(\s*[\"'](" + "|".join(VARIABLES) + r")[\"']"
                         r"|environ\[\s*[\"'](" + "|".join(VARIABLES) + r")[\"']\s*\](?!\s*=)")
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "autograder").rglob("*.py")
                 if path.name != "environment.py" and reading.search(path.read_text())]
    assert offenders == []


def test_settings_are_read_when_needed(monkeypatch, tmp_path: Path) -> None:
    repo = CourseRepo(tmp_path)
    monkeypatch.setenv("AUTOGRADER_WORKSPACE", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("AUTOGRADER_CACHE", "")
    assert repo.workspace == tmp_path / "elsewhere"
    assert environment().cache == Path.home() / ".cache" / "autograder"  # empty is unset
    monkeypatch.delenv("AUTOGRADER_WORKSPACE")
    assert repo.workspace == tmp_path / "course"


def test_importing_the_package_changes_no_environment_variable() -> None:
    code = ("import json, os; before = dict(os.environ)\n"
            "import autograder, autograder.cli.main, autograder.grading.grade\n"
            "print(json.dumps(sorted(set(os.environ.items()) ^ set(before.items()))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=300).stdout
    assert json.loads(out) == []
