"""A course for the web app's tests: the example course with a manual question, accounts with
one-time tokens, and (for the fast tests) submissions whose results are already stored."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI
from manual_course import QUESTION, add_manual_question
from sqlalchemy.orm import Session, sessionmaker

from autograder.course import CourseRepo
from autograder.gradebook.db import open_gradebook
from autograder.gradebook.models import SubmissionRow
from autograder.gradebook.store import ensure_assignment, record_result
from autograder.grading.results import Answer, AnswerOutput, QuestionScore, Result, TestResult
from autograder.web.accounts import ensure_account, import_roster
from autograder.web.app import create_app
from autograder.web.auth import issue_token
from autograder.web.grading_queue import GradingQueue

STUDENTS = [("ada", "Ada Lovelace"), ("bob", "Bob <script>alert('x')</script>")]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082")


@dataclass
class RecordingQueue(GradingQueue):
    """Records what would be graded, for the fast tests (the browser tests grade for real)."""

    queued: list[tuple[str, str]] = field(default_factory=list)

    def enqueue(self, assignment_id: str, student_id: str) -> None:
        self.queued.append((assignment_id, student_id))


@dataclass
class WebCourse:
    repo: CourseRepo
    sessions: sessionmaker[Session]
    grading: GradingQueue
    app: FastAPI
    tokens: dict[str, str]

    def token(self, username: str) -> str:
        """A fresh one-time token (each sign-in uses one up)."""
        with self.sessions() as session:
            from autograder.gradebook.models import Account

            account = session.query(Account).filter_by(username=username).one()
            token = issue_token(session, account)
            session.commit()
        return token


def make_web_course(repo: CourseRepo, grading: GradingQueue | None = None) -> WebCourse:
    add_manual_question(repo)
    repo = CourseRepo(repo.root, repo.workspace)  # the config changed: read it again
    sessions = open_gradebook(repo.workspace)
    tokens = {}
    with sessions() as session:
        ensure_assignment(session, repo.config, "squares")
        accounts = [*import_roster(session, repo.config, STUDENTS),
                    ensure_account(session, repo.config, "ta1", "ta", "Tess TA"),
                    ensure_account(session, repo.config, "prof", "instructor", "Prof")]
        tokens = {a.username: issue_token(session, a) for a in accounts}
        session.commit()
    grading = grading or RecordingQueue(repo.root, repo.workspace)
    return WebCourse(repo, sessions, grading, create_app(repo, sessions, grading), tokens)


def store_graded(web: WebCourse, student: str, text: str = "Because squares grow.",
                 tests: list[TestResult] | None = None) -> int:
    """A submission of `student` with a stored result (4/5 autograded) and a manual answer."""
    sha = hashlib.sha256(f"{student} {text}".encode()).hexdigest()
    with web.sessions() as session:
        row = SubmissionRow(student_id=student, assignment_id="squares",
                            path=f"submitted/{student}-{sha[:8]}.ipynb", file_sha256=sha,
                            submitted_at=datetime(2026, 11, 1, tzinfo=UTC), time_source="server")
        session.add(row)
        session.flush()
        (web.repo.workspace / "submitted").mkdir(parents=True, exist_ok=True)
        (web.repo.workspace / row.path).write_text(f"notebook of {student}")
        record_result(session, row, Result(
            submission=row.path, student=student, assignment="squares", status="graded",
            score=4, max_score=5, sha256=sha,
            questions={"square": QuestionScore(score=2, max_score=2),
                       "total": QuestionScore(score=2, max_score=3)},
            tests=tests or [],
            answers=[Answer(question=QUESTION, cell_index=5, kind="markdown", text=text),
                     Answer(question=QUESTION, cell_index=4, kind="code", text="plt.plot()",
                            outputs=[AnswerOutput(mime="image/png", data=PNG)])]), "fp")
        session.commit()
        return row.id


def sign_in(client, token: str) -> None:
    """Sign in the way a browser does: open the link, press the button."""
    page = client.get(f"/login?token={token}")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)[1]
    answer = client.post("/login", data={"nonce": nonce, "token": token},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text


def csrf_of(client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)[1]
