"""grading_config.yaml: every mistake is one line naming the file, the key and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from autograder.config import load_config
from autograder.errors import UserError

ROOT = Path(__file__).resolve().parents[1]
GOOD = {
    "course": {"name": "C", "timezone": "Europe/Berlin"},
    "assignments": {"a1": {"title": "A", "due": "2026-11-30 23:59",
                           "questions": {"q1": {"points": 2, "forbidden": ["librosa"]}}}},
}


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "grading_config.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def with_change(path: list, value) -> dict:
    import copy

    data = copy.deepcopy(GOOD)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def test_the_course_config_loads():
    config = load_config(ROOT / "grading_config.yaml")
    assert set(config.assignments) == {"gradient_descent", "spectrogram_features", "convolutions"}
    assert config.limits.memory_mb >= 2048


def test_naive_deadlines_are_in_the_course_timezone(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert config.deadline("a1").utcoffset().total_seconds() == 3600


@pytest.mark.parametrize("change,expected", [
    (["assignments", "a1", "questions", "q1", "colour"], "assignments.a1.questions.q1.colour: unknown key"),
    (["assignments", "a1", "questions", "q1", "points"], "assignments.a1.questions.q1.points: Input should be greater than 0"),
    (["assignments", "a1", "due"], "assignments.a1.due: Input should be a valid datetime"),
    (["assignments", "a1", "questions", "q1", "forbidden"], "'not a module!' is not a module name"),
    (["course", "timezone"], "course.timezone: unknown timezone 'Mars/Olympus'"),
    (["assignments", "a1", "questions"], "assignments.a1.questions: Dictionary should have at least 1 item"),
])
def test_each_mistake_is_one_line_naming_file_key_and_problem(tmp_path, change, expected):
    values = {"colour": "red", "points": 0, "due": "next friday", "forbidden": ["not a module!"],
              "timezone": "Mars/Olympus", "questions": {}}
    path = write(tmp_path, with_change(change, values[change[-1]]))
    with pytest.raises(UserError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_yaml_syntax_errors_name_the_line(tmp_path):
    path = write(tmp_path, "course:\n  name: C\n assignments: [\n")
    with pytest.raises(UserError, match=r"grading_config.yaml:\d+: not valid YAML"):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
