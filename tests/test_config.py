"""grading_config.yaml: every mistake is one line naming the file, the key and the problem."""

from __future__ import annotations

import re
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
    (["assignments", "a1", "due"], "assignments.a1.due: 'next friday' is not a date-time; "
                                   "expected YYYY-MM-DD HH:MM"),
    (["assignments", "a1", "questions", "q1", "forbidden"], "'not a module!' is not a module name"),
    (["course", "timezone"], "course.timezone: unknown timezone 'Mars/Olympus'"),
    (["assignments", "a1", "questions"], "assignments.a1.questions: Dictionary should have at least 1 item"),
])
def test_each_mistake_is_one_line_naming_file_key_and_problem(tmp_path, change, expected):
    values = {"colour": "red", "points": 0, "due": "next friday", "forbidden": ["not a module!"],
              "timezone": "Mars/Olympus", "questions": {}}
    path = write(tmp_path, with_change(change, values[change[-1]]))
    with pytest.raises(UserError, match=re.escape(f"{path}: ") + ".*" + re.escape(expected)) as info:
        load_config(path)
    assert "\n" not in str(info.value)


COPIED_BLOCK = """\
course: {name: C}
assignments:
  a1:
    title: First
    due: 2026-11-20 23:59
    questions: {q1: {points: 2}}
  a1:
    title: Second (copied, not renamed)
    due: 2026-11-27 23:59
    questions: {q1: {points: 2}}
"""


def test_a_duplicated_key_is_refused_naming_both_lines(tmp_path):
    path = write(tmp_path, COPIED_BLOCK)
    with pytest.raises(UserError, match=re.escape(f"{path}:7: duplicate key 'a1'") +
                       ".*already defined at line 3"):
        load_config(path)


def test_a_duplicated_key_deep_inside_is_refused_too(tmp_path):
    path = write(tmp_path, "course: {name: C, name: D}\n")
    with pytest.raises(UserError, match=re.escape(f"{path}:1: duplicate key 'name'")):
        load_config(path)


def test_an_impossible_date_is_one_line_naming_the_key(tmp_path):
    path = write(tmp_path, COPIED_BLOCK.replace("  a1:\n    title: Second", "  a2:\n    title: Second")
                 .replace("2026-11-27", "2026-11-31"))
    with pytest.raises(UserError, match=re.escape(f"{path}: assignments.a2.due: '2026-11-31 23:59' "
                                                  "is not a real date-time: day is out of range")):
        load_config(path)


@pytest.mark.parametrize("due", ["30.11.2026 23:59", "2026/11/30", "friday"])
def test_other_date_mistakes_say_the_expected_format(tmp_path, due):
    path = write(tmp_path, with_change(["assignments", "a1", "due"], due))
    with pytest.raises(UserError, match=re.escape(f"assignments.a1.due: {due!r} is not a date-time; "
                                                  "expected YYYY-MM-DD HH:MM (e.g. 2026-11-30 23:59")):
        load_config(path)


def test_an_unknown_top_level_key_suggests_the_known_one(tmp_path):
    data = {"course": GOOD["course"], "assignmnets": GOOD["assignments"]}
    with pytest.raises(UserError, match=re.escape("assignmnets: unknown key (did you mean "
                                                  "'assignments'?) (and 1 more problem)")):
        load_config(write(tmp_path, data))


def test_an_unknown_nested_key_suggests_the_known_one(tmp_path):
    path = write(tmp_path, with_change(["late_policy"], {"kind": "zero", "grace_minuts": 5}))
    with pytest.raises(UserError, match=re.escape("late_policy.grace_minuts: unknown key (did you "
                                                  "mean 'grace_minutes'?)")):
        load_config(path)


@pytest.mark.parametrize("extension,expected", [
    ({"student": "s1", "assignment": "a1x", "days": 2},
     "extensions[1].assignment: unknown assignment 'a1x' (did you mean 'a1'?)"),
    ({"student": "s1", "assignment": "zz", "days": 2},
     "extensions[1].assignment: unknown assignment 'zz' (known: a1)"),
    ({"student": "s1", "assignment": "a1", "days": 0},
     "extensions[1].days: Input should be greater than 0"),
    ({"student": "s1", "assignment": "a1", "day": 2},
     "extensions[1].day: unknown key (did you mean 'days'?)"),
])
def test_a_bad_extension_is_named_by_its_index(tmp_path, extension, expected):
    good = {"student": "s0", "assignment": "a1", "days": 1}
    path = write(tmp_path, with_change(["extensions"], [good, extension]))
    with pytest.raises(UserError, match=re.escape(f"{path}: {expected}")):
        load_config(path)


def test_yaml_syntax_errors_name_the_line(tmp_path):
    path = write(tmp_path, "course:\n  name: C\n assignments: [\n")
    with pytest.raises(UserError, match=r"grading_config.yaml:\d+: not valid YAML"):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(UserError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
