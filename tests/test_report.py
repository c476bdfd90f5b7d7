"""The TA report tells staff what to do next, and stays legible at 300 students and 60 tests."""

from __future__ import annotations

import base64
import re

import pytest
from report_data import (
    CONFIG,
    LATE,
    OVERRIDDEN,
    QUESTIONS,
    SPECIAL,
    STUBS,
    SYMMETRIC,
    TESTS_PER_QUESTION,
    synthetic_grades,
)

from autograder.batch.mistakes import cluster, shape
from autograder.batch.report import build_report, needs_attention

SECTIONS = ("next", "attention", "mistakes", "not-attempted", "questions", "tests")


@pytest.fixture(scope="module")
def grades():
    return synthetic_grades()


@pytest.fixture(scope="module")
def html(grades):
    return build_report(CONFIG, "spectrogram_features", grades)


def section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    ends = [html.find(f'id="{other}"', start + 1) for other in SECTIONS]
    return html[start:min([e for e in ends if e > 0], default=len(html))]


def test_the_sections_come_in_the_order_a_ta_needs_them(html):
    positions = [html.index(f'id="{name}"') for name in SECTIONS]
    assert positions == sorted(positions)


def test_messages_that_differ_only_in_numbers_are_one_mistake(grades):
    mistakes, stubs = cluster(g for g in grades if g.adjusted_score is not None)
    top = mistakes[0]
    assert top.question == "stft" and top.key.startswith("Hint: this matches a symmetric window")
    graded_symmetric = {g.student.id for g in grades[:SYMMETRIC] if g.adjusted_score is not None}
    assert top.students == graded_symmetric
    assert len(top.tests) == TESTS_PER_QUESTION


def test_stubs_are_counted_apart_from_wrong_answers(grades, html):
    mistakes, stubs = cluster(g for g in grades if g.adjusted_score is not None)
    assert [(s.question, len(s.students)) for s in stubs] == [("mfcc", STUBS)]
    assert not any("NotImplementedError" in m.key or "NotImplementedError" in m.example
                   for m in mistakes)
    assert re.search(rf"mfcc</td><td class=\"num\">{STUBS}</td>", section(html, "not-attempted"))
    assert f"{STUBS} student(s) did not attempt mfcc" in section(html, "next")


def test_every_kind_of_student_who_needs_attention_is_listed(grades, html):
    found = {a.student: a.reasons for a in needs_attention(grades)}
    for sid, status in SPECIAL.items():
        assert status in found[sid]
    assert found[OVERRIDDEN] == ["overridden"] and found[LATE] == ["late"]
    assert found["s299"] == ["no trusted time"]
    attention = section(html, "attention")
    for reason in [*SPECIAL.values(), "overridden", "late"]:
        assert f">{reason}</span>" in attention
    assert "run grade-all again (never a zero)" in attention
    first = [a.student for a in needs_attention(grades)][:2]
    assert first == ["s290", "s291"]  # missing and invalid before overrides and lateness


def test_next_steps_lead_with_attention_and_the_commonest_mistake(html):
    steps = re.findall(r"<li>(.*?)</li>", section(html, "next"))
    assert steps[0].startswith(f"{len(SPECIAL) + 3} student(s) need attention")
    assert re.match(r"\d+ student\(s\) make the same mistake in stft: Hint: this matches a "
                    r"symmetric window", steps[1])
    same = [int(step.split()[0]) for step in steps if "make the same mistake" in step]
    assert same and min(same) > 1  # one student's failure is not "the same mistake"


def png_size(encoded: str) -> tuple[int, int]:
    data = base64.b64decode(encoded)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_pass_rate_plot_gives_each_of_60_tests_a_readable_row(html):
    plots = re.findall(r'alt="([^"]+)" src="data:image/png;base64,([^"]+)"', html)
    by_caption = dict(plots)
    width, height = png_size(by_caption["Pass rate per test, grouped and coloured by question"])
    tests = len(QUESTIONS) * TESTS_PER_QUESTION
    assert height / tests >= 20  # 8-point labels need about 11 px; 20 px keeps rows apart
    assert width >= 700


def test_pass_rates_are_grouped_and_coloured_by_question(html):
    every = section(html, "tests")
    order = [m for m in re.findall(r"swatch\" style=\"background: #[0-9a-f]{6}\"></span>(\w+)",
                                   every)]
    assert order == sorted(order, key=QUESTIONS.index)  # grouped, in the notebook's order
    colours = dict(re.findall(r"background: (#[0-9a-f]{6})\"></span>(\w+)</td><td class=\"num\"",
                              section(html, "questions")))
    assert len(set(colours)) == len(QUESTIONS)


def test_the_shape_of_a_message_drops_numbers_and_quotes():
    assert shape("x(8): 7 of 8 differ: expected 0.5, got 1e-3+2j 'abc'") == \
        "x(#): # of # differ: expected #, got # '…'"
    assert shape("first line 3\nHint: use n, not n - 1") == "Hint: use n, not n - #"
    long = shape("word " * 100)
    assert len(long) <= 202 and long.endswith("word …")
