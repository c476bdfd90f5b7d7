"""The course web app in a real browser: headless Chromium against a real uvicorn server, with
uploads graded in the background by the real batch engine in the sandbox.

The tests run in order on one server (one course): a student uploads, a TA grades, the
instructor publishes, the student sees it; then the refusals. Every page is screenshotted into
the test's folder (tmp_path_factory's `web-shots`)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
import uvicorn
import yaml
from web_course import WebCourse, make_web_course, store_graded

from autograder.course import CourseRepo
from autograder.gradebook.models import SubmissionRow
from autograder.web.grading_queue import GradingQueue

EXAMPLE = Path(__file__).resolve().parent / "example_course"
GRADING_TIMEOUT_MS = 300_000  # a loaded machine: canary and submission, each in the sandbox


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> WebCourse:
    root = tmp_path_factory.mktemp("web") / "course"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("release", "__pycache__"))
    config = root / "grading_config.yaml"
    data = yaml.safe_load(config.read_text())
    data["assignments"]["squares"]["due"] = (datetime.now() + timedelta(days=7)).strftime(
        "%Y-%m-%d %H:%M")
    config.write_text(yaml.safe_dump(data))
    repo = CourseRepo(root, root.parent / "workspace")
    return make_web_course(repo, GradingQueue(repo.root, repo.workspace, sandbox="bwrap"))


@pytest.fixture(scope="module")
def server(web: WebCourse) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port,
                                       log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-shots")


class Person:
    """One signed-in browser context (its own cookies)."""

    def __init__(self, chromium, server: str, web: WebCourse, username: str, shots: Path) -> None:
        self.context = chromium.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.server, self.shots, self.name = server, shots, username
        self.goto(f"/login?token={web.token(username)}")
        self.shot("login")
        self.page.click("button.primary")
        self.page.wait_for_load_state()

    def goto(self, path: str):
        return self.page.goto(self.server + path)

    def shot(self, label: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.name}-{label}.png"), full_page=True)


@pytest.fixture(scope="module")
def people(browser, server: str, web: WebCourse, shots: Path) -> dict[str, Person]:
    return {name: Person(browser, server, web, name, shots) for name in ("ada", "ta1", "prof")}


def _notebook(web: WebCourse, tmp: Path, name: str, cells: list[str] | None = None) -> Path:
    """The reference solution (with its manual answers), or a notebook of the given cells."""
    source = web.repo.source("squares").notebook
    path = tmp / name
    if cells is None:
        shutil.copy(source, path)
    else:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        nbformat.write(nb, path)
    return path


def _full_marks(text: str) -> bool:
    score, maximum = (float(part) for part in text.replace(" ", "").split("/"))
    return maximum > 0 and score == maximum


def _upload(person: Person, notebook: Path) -> None:
    person.goto("/assignments/squares")
    person.page.set_input_files("input[type=file]", str(notebook))
    person.page.click("form.upload button")
    person.page.wait_for_load_state()


def test_a_student_uploads_a_notebook_and_sees_the_score(people, web, tmp_path) -> None:
    ada = people["ada"]
    ada.goto("/")
    ada.shot("home")
    _upload(ada, _notebook(web, tmp_path, "squares.ipynb"))
    assert "being graded" in ada.page.inner_text("main")
    ada.shot("grading")
    ada.page.wait_for_selector("#public-score", timeout=GRADING_TIMEOUT_MS)
    assert _full_marks(ada.page.inner_text("#public-score"))
    assert "after the due date" in ada.page.inner_text("main")  # the rest comes later
    ada.shot("graded")


def test_a_ta_grades_with_the_rubric_and_an_item_edit_rescores_every_answer(people, web):
    store_graded(web, "bob")  # a second answer in the queue
    ta = people["ta1"]
    ta.goto("/staff")
    ta.shot("staff-home")
    ta.goto("/staff/squares/manual/explain")
    for sid in ("ada", "bob"):
        ta.page.check(f"input[name=students][value={sid}]")
    ta.page.select_option("#bulk-item", label="+1 · The plot shows the curve")
    ta.page.click("button[value=apply]")
    ta.page.wait_for_load_state()
    ta.shot("queue")
    ta.goto("/staff/squares/manual/explain/ada")
    assert "quadratically" in ta.page.inner_text("section.answer")
    assert ta.page.locator("img.plot").count() == 1  # the plot the sandboxed run drew
    ta.page.keyboard.press("3")  # "A wrong claim", -1, by keyboard shortcut
    ta.page.wait_for_selector("button.item.on[data-key='3']")
    assert ta.page.inner_text("#answer-score").replace(" ", "") == "0/2"
    ta.page.fill("#comment", "Nice plot, but <b>squares</b> are not linear.")
    ta.page.click("text=Save comment")
    ta.page.wait_for_load_state()
    ta.shot("answer")
    ta.page.fill("input[aria-label='points of The plot shows the curve']", "1.5")
    ta.page.locator("input[aria-label='points of The plot shows the curve'] + button").click()
    ta.page.wait_for_load_state()
    assert ta.page.inner_text("#answer-score").replace(" ", "") == "0.5/2"
    ta.goto("/staff/squares/manual/explain")
    rows = {sid: ta.page.inner_text(f"tr:has(input[value={sid}])") for sid in ("ada", "bob")}
    assert "0.5 / 2" in rows["ada"] and "1.5 / 2" in rows["bob"]
    assert "ta1" in rows["ada"]  # who graded it
    ta.goto("/staff/squares/students/bob")
    ta.shot("student")


def test_after_publishing_the_student_sees_the_manual_score_and_comment(people) -> None:
    ada, prof = people["ada"], people["prof"]
    ada.goto("/assignments/squares")
    assert "Not published yet" in ada.page.inner_text("#manual-explain")
    prof.goto("/staff/squares/gradebook")
    prof.shot("gradebook-before")
    prof.page.click("text=Publish explain")
    prof.page.wait_for_load_state()
    prof.shot("gradebook")
    ada.goto("/assignments/squares")
    manual = ada.page.inner_text("#manual-explain")
    assert "0.5 / 2" in manual
    assert "Nice plot, but <b>squares</b> are not linear." in manual  # shown as text
    ada.shot("published")
    prof.goto("/staff/squares/report")
    prof.shot("report")
    prof.goto("/roster")
    prof.page.locator("tr:has-text('bob') button").click()
    prof.page.wait_for_load_state()
    assert "/login?token=" in prof.page.input_value("input.link-box")
    prof.shot("roster")


def test_a_student_cannot_open_another_students_page_or_a_staff_page(people, web) -> None:
    ada = people["ada"]
    with web.sessions() as session:
        bob_file = session.query(SubmissionRow).filter_by(student_id="bob").first().id
    for path in ("/staff", "/staff/squares/students/bob", "/staff/squares/manual/explain",
                 f"/submissions/{bob_file}/file", "/roster", "/staff/squares/gradebook"):
        assert ada.goto(path).status == 403, path
    ada.shot("forbidden")


def test_a_forged_csrf_token_is_refused(people, web, tmp_path) -> None:
    ada = people["ada"]
    with web.sessions() as session:
        before = session.query(SubmissionRow).count()
    ada.goto("/assignments/squares")
    ada.page.set_input_files("input[type=file]", str(_notebook(web, tmp_path, "again.ipynb")))
    ada.page.eval_on_selector("form.upload input[name=csrf]", "e => e.value = 'forged'")
    with ada.page.expect_navigation() as navigation:
        ada.page.click("form.upload button")
    assert navigation.value.status == 403
    with web.sessions() as session:
        assert session.query(SubmissionRow).count() == before


def test_a_hostile_upload_costs_only_itself(people, web, browser, server, shots,
                                            tmp_path) -> None:
    bob = Person(browser, server, web, "bob", shots)
    hostile = _notebook(web, tmp_path, "hostile.ipynb", [
        "import os\nfor _ in range(8):\n    if os.fork() == 0:\n        while True: pass",
        "x = bytearray(64 * 1024**3)",
        "while True:\n    pass"])
    _upload(bob, hostile)
    ada = people["ada"]
    assert ada.goto("/assignments/squares").status == 200  # the app answers meanwhile
    _upload(ada, _notebook(web, tmp_path, "resubmitted.ipynb", _solution_cells(web)))
    bob.page.wait_for_selector(".card .status.timeout, .card .status.memory, .card .status.crashed",
                               timeout=GRADING_TIMEOUT_MS)
    bob.shot("hostile")
    ada.page.wait_for_selector("#public-score", timeout=GRADING_TIMEOUT_MS)
    ada.goto("/assignments/squares")
    assert _full_marks(ada.page.inner_text("#public-score"))


def _solution_cells(web: WebCourse) -> list[str]:
    nb = nbformat.read(web.repo.source("squares").notebook, as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]
