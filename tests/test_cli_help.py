"""`--help` a person can follow: every Example works in this course, types read as words."""

from __future__ import annotations

import re
import shlex
from importlib import metadata
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from autograder.bench.__main__ import app as bench_app
from autograder.cli.main import app
from autograder.config import load_config
from autograder.errors import UserError
from autograder.sandbox.kinds import make_launcher

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load_config(ROOT / "grading_config.yaml")
PROGRAMS = {"autograder": typer.main.get_command(app),
            "python -m autograder.bench": typer.main.get_command(bench_app)}
PYTHON_TYPES = re.compile(r"<(str|int|float|bool|path|Path|list|dict|tuple|datetime)\b|"
                          r"\b(Optional|Union|List|Dict|list|dict|tuple)\[|NoneType|<class ")


def commands(command, path: tuple[str, ...] = ()):
    """(path, command) for a command and every subcommand below it."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def examples() -> list[tuple[str, tuple[str, ...], str]]:
    found = []
    for program, root in PROGRAMS.items():
        for path, command in commands(root):
            for line in (command.help or "").splitlines():
                if line.strip().startswith("Example:"):
                    found.append((program, path, line.strip().removeprefix("Example:").strip()))
    return found


EXAMPLES = examples()


def test_every_command_has_an_example():
    with_example = {(program, path) for program, path, _ in EXAMPLES}
    for program, root in PROGRAMS.items():
        for path, command in commands(root):
            if path and not getattr(command, "commands", None):
                assert (program, path) in with_example, f"{program} {' '.join(path)}"


@pytest.mark.parametrize(("program", "path", "example"), EXAMPLES,
                         ids=[" ".join((p, *path)) for p, path, _ in EXAMPLES])
def test_each_example_parses_and_names_what_this_course_has(program, path, example):
    assert example.startswith(program + " "), f"the example runs another program: {example}"
    args = shlex.split(example.removeprefix(program))
    command, names = PROGRAMS[program], []
    while getattr(command, "commands", None):
        names.append(args.pop(0))
        command = command.commands[names[-1]]
    if path:
        assert tuple(names) == path, f"the example of {path} runs {names}"
    params = command.make_context(" ".join([program, *names]), args).params
    named = [params.get("assignment"), params.get("assignments")]
    assignments = [a for v in named if v for a in (v if isinstance(v, list | tuple) else [v])]
    for aid in assignments:
        assert aid in CONFIG.assignments, f"{example}: no assignment {aid!r} in this course"
    if params.get("question"):
        assert isinstance(params.get("assignment"), str)
        questions = CONFIG.assignments[params["assignment"]].questions
        assert params["question"] in questions, f"{example}: no question {params['question']!r}"
    for value in params.values():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, Path) and item.parts[:1] in (("release",), ("source",)):
                assert (ROOT / item).exists(), f"{example}: {item} does not exist"


@pytest.mark.parametrize("path", [p for p, _ in commands(PROGRAMS["autograder"])],
                         ids=lambda p: " ".join(p) or "autograder")
def test_help_has_no_python_type_names(path):
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=140)
    assert result.exit_code == 0, result.output
    assert not PYTHON_TYPES.search(result.output), PYTHON_TYPES.search(result.output)


def test_sandbox_help_lists_every_kind():
    with pytest.raises(UserError) as info:
        make_launcher("no-such-kind")
    kinds = re.findall(r"[\w-]+", str(info.value).partition("use ")[2])
    kinds = [k for k in kinds if k != "or"]
    assert set(kinds) >= {"bwrap", "bwrap-cold", "none"}
    options = [(path, param) for path, command in commands(PROGRAMS["autograder"])
               for param in command.params if param.name == "sandbox"]
    assert options
    for path, param in options:
        missing = [k for k in kinds if not re.search(rf"(?<![\w-]){k}(?![\w-])", param.help)]
        assert not missing, f"{' '.join(path)} --sandbox: help does not name {missing}"


def test_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"autograder {metadata.version('dl-audio-autograder')}"
