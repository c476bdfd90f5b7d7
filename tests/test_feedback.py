"""Student feedback that teaches: the first thing to fix on top, tests grouped by question.

The spectrogram_features case is the one from the issue: a symmetric window breaks stft, mel and
mfcc; the feedback must say "Fix hann_window first" before anything else.
"""

from __future__ import annotations

import re

import pytest

from autograder.batch.feedback import feedback_view, render_feedback
from autograder.batch.root_causes import root_causes
from autograder.gradebook.grades import QuestionGrade, StudentGrade
from autograder.gradebook.late import Lateness
from autograder.gradebook.models import Student
from autograder.grading.results import Result

SYMMETRIC_WINDOW = '''
def hann_window(n, periodic=True):
    return np.hanning(int(n))
'''
STUB_DECIBELS = {
    "power_to_db": "def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):\n"
                   "    raise NotImplementedError()\n",
    "amplitude_to_db": "def amplitude_to_db(S, ref=1.0, amin=1e-5, top_db=80.0):\n"
                       "    raise NotImplementedError()\n",
}


def grade_of(config, result: Result, student: str = "s1") -> StudentGrade:
    """A gradebook grade for one result, as compute_grades would build it."""
    spec = config.assignment(result.assignment)
    questions = {name: QuestionGrade(result.questions[name].score if name in result.questions
                                     else None, q.points, None)
                 for name, q in spec.questions.items()}
    known = result.status not in ("grader-error",)
    return StudentGrade(Student(id=student, name="Sam Student"), result.assignment, None, result,
                        result.status, questions, result.score if known else None,
                        result.score if known else None, Lateness(0, 0.0),
                        result.score if known else None, spec.max_score, 1)


@pytest.fixture(scope="module")
def symmetric_window(course, grade_variant):
    result = grade_variant("spectrogram_features", {"hann_window": SYMMETRIC_WINDOW})
    assert result.status == "graded" and result.score < result.max_score
    view = feedback_view(course.config, grade_of(course.config, result))
    return result, view, *render_feedback(course.config, view)


def test_a_symmetric_window_is_traced_back_to_hann_window_first(symmetric_window):
    result, view, html, markdown = symmetric_window
    first = view.causes[0]
    assert first.function == "hann_window"
    assert first.advice == ("Fix hann_window first: stft, melspectrogram, mfcc and "
                            "spectral_centroid use it.")
    for page in (markdown, html):
        assert page.index("Fix hann_window first") < page.index("Score")
    assert "symmetric window" in markdown[:markdown.index("## Score")]  # its message comes along


def test_failures_of_dependent_tests_name_the_function_they_build_on(symmetric_window):
    result, view, html, markdown = symmetric_window
    stft = next(q for q in view.questions if q.name == "stft")
    visible_failures = [t for t in stft.failed if not t.hidden]
    assert visible_failures and all(t.because == "hann_window" for t in visible_failures)
    assert "probably because `hann_window` fails" in markdown
    assert "- failed, hidden tests: `test_stft_random` (10 cases), " in markdown


def test_tests_are_grouped_by_question_and_passing_ones_collapsed(symmetric_window):
    result, view, html, markdown = symmetric_window
    decibels = next(q for q in view.questions if q.name == "decibels")
    assert decibels.passed and not decibels.failed
    section = markdown[markdown.index("### decibels"):markdown.index("### mel")]
    assert re.search(r"- passed: `test_power_to_db`, .*`test_power_to_db_many` \(2 cases, hidden\)",
                     section)
    assert section.count("\n- ") == 1  # one line for all passing tests
    assert f"{len(decibels.passed)} test(s) passed</summary>" in html


def test_markdown_reads_as_plain_text_without_a_repeated_status(symmetric_window):
    result, view, html, markdown = symmetric_window
    assert "\\_" not in markdown and "\\." not in markdown
    assert "`test_hann_periodic`" in markdown
    assert "Status" not in markdown and "Graded." not in markdown


def test_hidden_tests_show_name_points_and_pass_fail_only(symmetric_window):
    result, view, html, markdown = symmetric_window
    hidden = [t for t in result.tests if t.visibility != "visible" and t.status != "passed"]
    assert hidden
    for test in hidden:
        assert test.output and test.output not in markdown and test.output not in html
    lines = [t for q in view.questions for t in q.tests if t.hidden]
    assert lines and all(not t.output and not t.because for t in lines)


def test_stubs_left_alone_are_not_attempted_not_wrong(course, grade_variant):
    result = grade_variant("spectrogram_features", STUB_DECIBELS, questions={"decibels", "mel"})
    view = feedback_view(course.config, grade_of(course.config, result))
    assert view.not_attempted == ["decibels"]  # mel was written (and passes): not listed
    assert view.causes[0].advice == "Write power_to_db first: amplitude_to_db uses it."
    html, markdown = render_feedback(course.config, view)
    assert "Not attempted yet: decibels (still raising NotImplementedError)." in markdown
    assert "| decibels | 0 | 2 | not attempted |" in markdown


def test_an_invalid_upload_says_what_to_upload_instead(course):
    result = Result(submission="s1.pdf", assignment="convolutions", status="invalid",
                    max_score=18, message="s1.pdf: not a notebook (.ipynb) or zip")
    view = feedback_view(course.config, grade_of(course.config, result))
    html, markdown = render_feedback(course.config, view)
    assert "**Invalid:** Your upload could not be read" in markdown
    assert "Upload your convolutions.ipynb" in markdown and "`autograder submit`" in markdown
    assert markdown.index("Upload your") < markdown.index("## Score")
    assert "Upload your convolutions.ipynb" in html


def visible(name: str, status: str, calls: list[str], builds_on: list[str] = (),
            output: str = "wrong") -> dict:
    return {"name": f"public/t.py::{name}", "status": status, "visibility": "visible",
            "calls": calls, "builds_on": list(builds_on), "output": output}


def test_root_causes_follow_chains_and_keep_independent_mistakes():
    tests = [
        visible("test_hann", "failed", ["hann_window"]),
        visible("test_stft", "failed", ["stft"], ["hann_window", "frame_signal"]),
        visible("test_frames", "passed", ["frame_signal"]),
        visible("test_mel", "failed", ["melspectrogram"], ["stft", "mel_filterbank"]),
        visible("test_db", "failed", ["power_to_db"]),
        {**visible("test_mfcc_hidden", "failed", [], []), "visibility": "hidden"},
    ]
    causes = root_causes(tests)
    assert [(c.function, c.dependents) for c in causes] == [
        ("hann_window", ("stft", "melspectrogram")), ("power_to_db", ())]
    assert causes[0].advice == "Fix hann_window first: stft and melspectrogram use it."
    assert causes[1].advice == "Start with power_to_db."


def test_a_passing_dependency_is_not_blamed():
    tests = [visible("test_hann", "passed", ["hann_window"]),
             visible("test_stft", "failed", ["stft"], ["hann_window"]),
             visible("test_mel", "failed", ["melspectrogram"], ["stft"])]
    assert [c.advice for c in root_causes(tests)] == ["Fix stft first: melspectrogram uses it."]


OUTPUT_LENGTH_WITHOUT_PLUS_ONE = '''
def conv_output_length(L, kernel_size, stride=1, padding=0, dilation=1):
    return int((L + 2 * padding - dilation * (kernel_size - 1) - 1) // stride)
'''


def test_convolutions_trace_a_wrong_output_length_to_its_users(course, grade_variant):
    result = grade_variant("convolutions", {"conv_output_length": OUTPUT_LENGTH_WITHOUT_PLUS_ONE},
                           questions={"conv1d", "conv2d"})
    view = feedback_view(course.config, grade_of(course.config, result))
    first = view.causes[0]
    assert first.function == "conv_output_length"
    assert {"conv1d", "convolve1d", "conv2d", "max_pool2d"} <= set(first.dependents)
    assert first.advice.startswith("Fix conv_output_length first: conv1d, ")
