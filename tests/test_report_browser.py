"""The TA report and a student's feedback page, opened in headless Chromium (Debian's package).

Each page is screenshotted into the test's folder (`--basetemp` to keep them) so a person can
look at what TAs and students see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from report_data import CONFIG, QUESTIONS, TESTS_PER_QUESTION, synthetic_grades
from test_feedback import grade_of

from autograder.batch.feedback import feedback_view, render_feedback
from autograder.batch.report import build_report
from autograder.config import load_config
from autograder.grading import results

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def open_file(page, path: Path) -> None:
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


def test_the_report_renders_its_sections_and_legible_plots(page, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(build_report(CONFIG, "spectrogram_features", synthetic_grades()))
    open_file(page, path)
    for section, heading in (("next", "What to do next"), ("attention", "need attention"),
                             ("mistakes", "Mistakes students make"),
                             ("not-attempted", "Not attempted"),
                             ("questions", "Pass rates by question"), ("tests", "Every test")):
        locator = page.locator(f"#{section}")
        assert locator.is_visible(), section
        assert heading in locator.inner_text(), section
    images = page.locator("#questions img")
    assert images.count() == 4
    for i in range(4):
        natural = images.nth(i).evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert natural[0] > 0 and natural[1] > 0  # decoded, not blocked by the page's CSP
    rows = page.locator("#tests tr").count() - 1
    assert rows == len(QUESTIONS) * TESTS_PER_QUESTION
    assert "s294" in page.locator("#attention").inner_text()
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)


def symmetric_window_result() -> results.Result:
    """hann_window's own test fails, and so do the tests of stft, which builds on it."""
    def test(name: str, question: str, passed: bool, calls: list[str], builds_on=(),
             hidden: bool = False, output: str = "") -> results.TestResult:
        return results.TestResult(name=name, question=question, score=1 if passed else 0, max_score=1,
                          status="passed" if passed else "failed",
                          visibility="hidden" if hidden else "visible", calls=calls,
                          builds_on=list(builds_on), output="" if passed else output)
    tests = [
        test("public/test_framing.py::test_hann_periodic", "framing", False, ["hann_window"],
             output="hann_window(8): 7 of 8 values differ\nHint: this is the symmetric window"),
        test("public/test_framing.py::test_frame_signal_columns", "framing", True,
             ["frame_signal"]),
        test("public/test_stft.py::test_stft_values", "stft", False, ["stft"],
             ["frame_signal", "hann_window"], output="stft(y, n_fft=512): values differ"),
        test("hidden/test_stft_hidden.py::test_stft_random[case0]", "stft", False, [], (),
             True, "expected 42.6, got 42.1"),
        test("public/test_decibels.py::test_power_to_db", "decibels", True, ["power_to_db"]),
    ]
    questions = {q.question: results.QuestionScore(score=0, max_score=1) for q in tests}
    return results.Result(submission="s1.ipynb", assignment="spectrogram_features", status="graded",
                  score=2, max_score=20, questions=questions, tests=tests)


def test_a_feedback_page_puts_the_first_fix_on_top(page, tmp_path):
    config = load_config(ROOT / "grading_config.yaml")
    html, _ = render_feedback(config, feedback_view(config, grade_of(config,
                                                                     symmetric_window_result())))
    path = tmp_path / "feedback.html"
    path.write_text(html)
    open_file(page, path)
    first = page.locator("#first-steps")
    assert "Fix hann_window first: stft uses it." in first.inner_text()
    assert first.bounding_box()["y"] < page.locator("#scores").bounding_box()["y"]
    stft = page.locator("#q-stft")
    assert "probably because hann_window fails" in stft.inner_text()
    assert "expected 42.6" not in page.content()  # a hidden test's message
    passed = page.locator("#q-decibels details li")
    assert not passed.first.is_visible()  # passing tests are collapsed ...
    page.locator("#q-decibels summary").click()
    assert passed.first.is_visible()  # ... and open on a click
    page.screenshot(path=str(tmp_path / "feedback.png"), full_page=True)
