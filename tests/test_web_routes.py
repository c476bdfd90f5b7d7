"""Every route of the course web app is authorised, CSRF-checked and bounded (fast: TestClient)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from web_course import (
    STUDENTS,
    RecordingQueue,
    WebCourse,
    csrf_of,
    make_web_course,
    sign_in,
    store_graded,
)

from autograder.batch.moodle import read_worksheet
from autograder.batch.names import safe_id
from autograder.course import CourseRepo
from autograder.gradebook.grades import compute_grades
from autograder.gradebook.models import Account, LoginToken, ManualGrade, SubmissionRow
from autograder.grading import results
from autograder.web import routes_auth, routes_instructor, routes_student, routes_ta

ROUTERS = (routes_auth, routes_instructor, routes_student, routes_ta)

# Who may use each route: a role, "signed-in" (anyone with a session; the route checks more) or
# "public". A route missing here fails test_every_route_is_in_the_table.
ACCESS = {
    ("GET", "/login"): "public", ("POST", "/login"): "public",
    ("POST", "/logout"): "signed-in", ("GET", "/"): "signed-in",
    ("GET", "/assignments/{assignment_id}"): "student",
    ("POST", "/assignments/{assignment_id}/upload"): "student",
    ("GET", "/submissions/{submission_id}/file"): "signed-in",
    ("GET", "/staff"): "ta",
    ("GET", "/staff/{assignment_id}/manual/{question}"): "ta",
    ("POST", "/staff/{assignment_id}/manual/{question}/bulk"): "ta",
    ("GET", "/staff/{assignment_id}/manual/{question}/{student_id}"): "ta",
    ("POST", "/staff/{assignment_id}/manual/{question}/{student_id}/toggle"): "ta",
    ("POST", "/staff/{assignment_id}/manual/{question}/{student_id}/comment"): "ta",
    ("POST", "/staff/{assignment_id}/manual/{question}/items"): "ta",
    ("POST", "/staff/{assignment_id}/manual/{question}/items/{item_id}"): "ta",
    ("GET", "/staff/{assignment_id}/students/{student_id}"): "ta",
    ("POST", "/staff/{assignment_id}/students/{student_id}/override"): "ta",
    ("GET", "/staff/{assignment_id}/gradebook"): "instructor",
    ("POST", "/staff/{assignment_id}/manual/{question}/publish"): "instructor",
    ("GET", "/staff/{assignment_id}/report"): "instructor",
    ("GET", "/roster"): "instructor", ("POST", "/roster/import"): "instructor",
    ("POST", "/roster/accounts"): "instructor",
    ("POST", "/roster/{account_id}/token"): "instructor",
}
ALLOWED = {"student": {"student", "signed-in", "public"},
           "ta": {"ta", "signed-in", "public"},
           "instructor": {"ta", "instructor", "signed-in", "public"}}
USERS = {"student": "ada", "ta": "ta1", "instructor": "prof"}


@pytest.fixture
def web(example_course: CourseRepo) -> WebCourse:
    web = make_web_course(example_course)
    store_graded(web, "ada")
    store_graded(web, "bob")
    return web


def _client(web: WebCourse, username: str | None = None) -> TestClient:
    client = TestClient(web.app, follow_redirects=False)
    if username:
        sign_in(client, web.token(username))
    return client


def _path(template: str, web: WebCourse) -> str:
    with web.sessions() as session:
        bob_file = session.query(SubmissionRow).filter_by(student_id="bob").first().id
    values = {"assignment_id": "squares", "question": "explain", "student_id": "bob",
              "item_id": "1", "account_id": "1", "submission_id": str(bob_file)}
    return re.sub(r"{(\w+)}", lambda m: values[m[1]], template)


def test_every_route_is_in_the_table() -> None:
    routes = {(method, r.path) for module in ROUTERS for r in module.router.routes
              for method in r.methods}
    assert routes == set(ACCESS)


@pytest.mark.parametrize("role", ["student", "ta", "instructor"])
def test_each_role_reaches_only_its_routes(web: WebCourse, role: str) -> None:
    client = _client(web, USERS[role])
    csrf = csrf_of(client, "/" if role == "student" else "/staff")
    for (method, template), needed in ACCESS.items():
        if template in ("/logout", "/login"):
            continue
        path = _path(template, web)
        answer = client.request(method, path, data={"csrf": csrf} if method == "POST" else None)
        if needed in ALLOWED[role]:
            assert answer.status_code != 403 or path.startswith("/submissions"), (role, path)
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(web: WebCourse) -> None:
    client = _client(web)
    for (method, template), needed in ACCESS.items():
        if needed == "public":
            continue
        answer = client.request(method, _path(template, web))
        assert answer.status_code == 303 and answer.headers["location"] == "/login", template


def test_a_student_sees_only_their_own_file(web: WebCourse) -> None:
    client = _client(web, "ada")
    with web.sessions() as session:
        files = {r.student_id: r.id for r in session.query(SubmissionRow)}
    assert client.get(f"/submissions/{files['ada']}/file").text == "notebook of ada"
    assert client.get(f"/submissions/{files['bob']}/file").status_code == 403
    assert "notebook of bob" not in client.get("/assignments/squares").text


@pytest.mark.parametrize("token", [None, "", "forged", "x" * 64])
def test_a_post_without_the_sessions_csrf_token_is_refused(web: WebCourse, token) -> None:
    client = _client(web, "ta1")
    data = {"item": "1", "students": ["ada"]} | ({} if token is None else {"csrf": token})
    answer = client.post("/staff/squares/manual/explain/bulk", data=data)
    assert answer.status_code == 403
    with web.sessions() as session:
        assert session.query(LoginToken).count() >= 1  # nothing else to check: no grade made
        assert session.query(ManualGrade).count() == 0


def test_another_sessions_csrf_token_is_refused(web: WebCourse) -> None:
    first, second = _client(web, "ta1"), _client(web, "ta1")
    foreign = csrf_of(first, "/staff")
    answer = second.post("/staff/squares/manual/explain/bulk",
                         data={"csrf": foreign, "item": "1", "students": ["ada"]})
    assert answer.status_code == 403


def test_a_token_signs_in_once_and_only_its_hash_is_stored(web: WebCourse) -> None:
    token = web.token("ada")
    client = _client(web)
    sign_in(client, token)
    again = _client(web)
    page = again.get(f"/login?token={token}")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)[1]
    refused = again.post("/login", data={"nonce": nonce, "token": token})
    assert refused.status_code == 403 and "not valid" in refused.text
    with web.sessions() as session:
        stored = [row.token_sha256 for row in session.query(LoginToken)]
    assert token not in stored and all(len(s) == 64 for s in stored)


def test_sign_in_needs_the_forms_own_nonce(web: WebCourse) -> None:
    client = _client(web)
    client.get("/login")
    answer = client.post("/login", data={"nonce": "guessed", "token": web.token("ada")})
    assert answer.status_code == 403


def test_session_cookie_and_headers(web: WebCourse) -> None:
    client = _client(web)
    page = client.get("/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)[1]
    answer = client.post("/login", data={"nonce": nonce, "token": web.token("ada")})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert client.get("/").headers["x-frame-options"] == "DENY"


def test_student_controlled_text_is_escaped(web: WebCourse) -> None:
    store_graded(web, "bob", text="<img src=x onerror=alert(1)>")
    client = _client(web, "ta1")
    pages = client.get("/staff/squares/manual/explain").text + client.get(
        "/staff/squares/manual/explain/bob").text
    assert "<script>alert" not in pages and "&lt;script&gt;" in pages
    assert "<img src=x" not in pages and "&lt;img src=x" in pages
    assert STUDENTS[1][1] not in pages


def test_a_staff_account_of_another_course_is_refused(web: WebCourse) -> None:
    with web.sessions() as session:
        session.add(Account(username="outsider", role="instructor", course="Another course"))
        session.commit()
    client = _client(web)
    page = client.get("/login")
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)[1]
    assert client.post("/login", data={"nonce": nonce,
                                       "token": web.token("outsider")}).status_code == 403


def _upload(client: TestClient, data: bytes, name: str = "squares.ipynb"):
    csrf = csrf_of(client, "/assignments/squares")
    return client.post("/assignments/squares/upload", data={"csrf": csrf},
                       files={"file": (name, data, "application/octet-stream")})


def test_an_upload_is_kept_and_queued_for_grading(web: WebCourse) -> None:
    client = _client(web, "ada")
    notebook = web.repo.source("squares").notebook.read_bytes()
    answer = _upload(client, notebook)
    assert answer.status_code == 303
    assert isinstance(web.grading, RecordingQueue) and web.grading.queued == [("squares", "ada")]
    with web.sessions() as session:
        row = session.query(SubmissionRow).filter_by(student_id="ada").order_by(
            SubmissionRow.id.desc()).first()
        assert row.time_source == "server"
        assert (web.repo.workspace / row.path).read_bytes() == notebook


def test_uploads_that_are_not_notebooks_are_refused_with_a_reason(web: WebCourse) -> None:
    client = _client(web, "ada")
    answer = _upload(client, b"\x00\x01 not json", "evil.ipynb")
    assert answer.status_code == 400 and "not a notebook" in answer.text
    assert web.grading.queued == []


def test_an_upload_over_the_course_limit_is_refused_before_it_is_read(web: WebCourse) -> None:
    client = _client(web, "ada")
    limit = int(web.repo.config.limits.notebook_mb * 2**20)
    answer = _upload(client, b"{" + b" " * (limit + 200_000) + b"}")
    assert answer.status_code == 413
    assert web.grading.queued == []


def test_resubmissions_are_limited_by_the_course(web: WebCourse) -> None:
    client = _client(web, "ada")
    notebook = web.repo.source("squares").notebook.read_text()
    allowed = web.repo.config.uploads.max_submissions - 1  # store_graded made one
    for n in range(allowed):
        assert _upload(client, (notebook + " " * (n + 1)).encode()).status_code == 303
    refused = _upload(client, (notebook + "\n\n").encode())
    assert refused.status_code == 400 and "used all" in refused.text


def test_uploads_per_hour_are_limited_across_assignments(example_course: CourseRepo) -> None:
    path = example_course.root / "grading_config.yaml"
    path.write_text(path.read_text() + "uploads: {max_submissions: 10, per_hour: 2}\n")
    web = make_web_course(example_course)
    client = _client(web, "ada")
    notebook = web.repo.source("squares").notebook.read_text()
    for n in range(2):
        assert _upload(client, (notebook + " " * (n + 1)).encode()).status_code == 303
    refused = _upload(client, (notebook + "\n\n").encode())
    assert refused.status_code == 400 and "at most 2 per hour" in refused.text


def test_signing_out_ends_the_session(web: WebCourse) -> None:
    client = _client(web, "ada")
    cookie = client.cookies.get("autograder_session")
    assert client.post("/logout", data={"csrf": csrf_of(client, "/")}).status_code == 303
    replay = TestClient(web.app, follow_redirects=False, cookies={"autograder_session": cookie})
    assert replay.get("/").headers["location"] == "/login"


WORKSHEET = Path(__file__).resolve().parents[1] / "demo" / "submissions" / "squares" / (
    "grading_worksheet.csv")


@pytest.mark.parametrize("roster", ["csv", "moodle"])
def test_the_instructor_imports_a_roster(web: WebCourse, roster: str) -> None:
    client = _client(web, "prof")
    data = (b"id,name\ncarol,Carol Shaw\n" if roster == "csv" else WORKSHEET.read_bytes())
    answer = client.post("/roster/import", data={"csrf": csrf_of(client, "/roster")},
                         files={"file": ("roster.csv", data, "text/csv")})
    assert answer.status_code == 303
    with web.sessions() as session:
        students = {a.username: a.name for a in session.query(Account).filter_by(role="student")}
    if roster == "csv":
        assert students["carol"] == "Carol Shaw"
    else:
        sheet = read_worksheet(WORKSHEET, "Europe/Berlin")
        assert {safe_id(r.participant) for r in sheet.rows.values()} <= set(students)


def test_a_roster_that_is_neither_is_refused_with_a_reason(web: WebCourse) -> None:
    client = _client(web, "prof")
    answer = client.post("/roster/import", data={"csrf": csrf_of(client, "/roster")},
                         files={"file": ("roster.csv", b"who,what\nx,y\n", "text/csv")})
    assert answer.status_code == 400 and "an `id` column" in answer.text


def test_a_submit_zip_is_accepted_like_a_notebook(web: WebCourse) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("squares.ipynb", web.repo.source("squares").notebook.read_bytes())
        archive.writestr("manifest.json", '{"student": "bob", "assignment": "squares"}')
    client = _client(web, "ada")
    assert _upload(client, buffer.getvalue(), "ada_squares.zip").status_code == 303
    assert web.grading.queued == [("squares", "ada")]  # the signed-in student, not the manifest


def test_a_ta_overrides_an_autograded_question_with_a_reason(web: WebCourse) -> None:
    client = _client(web, "ta1")
    csrf = csrf_of(client, "/staff/squares/students/ada")
    path = "/staff/squares/students/ada/override"
    refused = client.post(path, data={"csrf": csrf, "question": "total", "score": "3",
                                      "comment": " "})
    assert refused.status_code == 400 and "needs a comment" in refused.text
    assert client.post(path, data={"csrf": csrf, "question": "total", "score": "3",
                                   "comment": "the test's tolerance was too tight"}
                       ).status_code == 303
    with web.sessions() as session:
        grade = compute_grades(session, web.repo.config, "squares", "ada")[0]
    override = grade.questions["total"].override
    assert grade.questions["total"].score == 3 and override.created_by == "ta1"
    assert "tolerance was too tight" in client.get("/staff/squares/students/ada").text


@pytest.mark.parametrize("visibility", ["hidden", "after_due_date"])
@pytest.mark.parametrize("past_due", [False, True])
def test_hidden_tests_reach_a_student_only_as_the_course_says(
        example_course: CourseRepo, visibility: str, past_due: bool) -> None:
    path = example_course.root / "grading_config.yaml"
    due = "2020-01-01 00:00" if past_due else "2099-01-01 00:00"
    path.write_text(path.read_text().replace("due: 2026-11-30 23:59", f"due: {due}")
                    .replace("    questions:", f"    hidden_visibility: {visibility}\n"
                             "    questions:", 1))
    web = make_web_course(example_course)
    tests = [results.TestResult(name="test_public_case", question="total", score=1, max_score=1,
                        status="passed", visibility="visible", output="public message"),
             results.TestResult(name="test_secret_case", question="total", score=0, max_score=2,
                        status="failed", visibility=visibility, output="expected 42")]
    store_graded(web, "ada", tests=tests)
    page = _client(web, "ada").get("/assignments/squares").text
    assert "test_public_case" in page and "public message" in page
    assert ("test_secret_case" in page) == (past_due and visibility == "after_due_date")
    assert "expected 42" not in page  # a hidden test's message never reaches the student
    assert ('id="final-score"' in page) == past_due


def test_another_assignments_notebook_is_refused(web: WebCourse) -> None:
    nb = json.loads(web.repo.source("squares").notebook.read_text())
    nb["metadata"]["autograder"] = {"assignment": "convolutions"}
    answer = _upload(_client(web, "ada"), json.dumps(nb).encode())
    assert answer.status_code == 400 and "notebook of &#39;convolutions&#39;" in answer.text
    assert web.grading.queued == []


def test_a_body_without_a_declared_length_is_cut_at_the_limit(web: WebCourse) -> None:
    client = _client(web, "ada")
    limit = int(web.repo.config.limits.notebook_mb * 2**20)

    def chunks():  # no Content-Length: the server must count what arrives
        for _ in range(limit // 2**16 + 64):
            yield b"x" * 2**16

    answer = client.post("/assignments/squares/upload", content=chunks(),
                         headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413
    assert web.grading.queued == []
