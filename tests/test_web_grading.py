"""Uploads are graded in the background by grade-all (the real engine, in the sandbox), and wait
for a TA's batch that holds the workspace instead of failing."""

from __future__ import annotations

import threading
import time

from web_course import make_web_course

from autograder.batch.lock import workspace_lock
from autograder.course import CourseRepo
from autograder.gradebook.store import latest_submissions
from autograder.web.grading_queue import BUSY_WAIT, GradingQueue
from autograder.web.uploads import accept_upload


def test_an_upload_waits_for_a_running_batch_then_is_graded(example_course: CourseRepo) -> None:
    grading = GradingQueue(example_course.root, example_course.workspace, sandbox="bwrap")
    web = make_web_course(example_course, grading)
    with web.sessions() as session:
        accept_upload(session, web.repo.config, web.repo.workspace, "ada", "squares",
                      "squares.ipynb", web.repo.source("squares").notebook.read_bytes())
        session.commit()
    held = threading.Event()

    def ta_batch() -> None:  # a TA's grade-all, holding the workspace for a while
        with workspace_lock(web.repo.workspace, "grade-all squares"):
            held.set()
            time.sleep(BUSY_WAIT + 2)

    batch = threading.Thread(target=ta_batch)
    batch.start()
    held.wait(30)
    assert grading.resume(web.sessions, web.repo.config) == 1  # as a restarted server does
    deadline = time.monotonic() + 600
    while grading.pending("squares", "ada"):
        assert time.monotonic() < deadline, "the upload was never graded"
        time.sleep(1)
    batch.join()
    with web.sessions() as session:
        result = latest_submissions(session, "squares")["ada"].result
        assert result is not None and result.status == "graded"
        assert result.contract().score == result.contract().max_score
