"""The instructor's pages: the gradebook, the report, publishing manual grades, the roster.

Sign-in links are shown once, when they are made: the gradebook keeps only their hashes."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..batch.report import build_report
from ..errors import UserError
from ..gradebook import manual
from ..gradebook.grades import compute_grades
from ..gradebook.models import Account, LoginToken
from .accounts import ensure_account, import_roster, roster_rows
from .auth import STAFF, issue_token
from .deps import DB, CheckedForm, InstructorSession, context, render
from .security import REPORT_CSP

router = APIRouter()


def _assignment(request: Request, assignment_id: str) -> str:
    if assignment_id not in context(request).repo.config.assignments:
        raise HTTPException(404, "no such assignment")
    return assignment_id


@router.get("/staff/{assignment_id}/gradebook")
def gradebook(request: Request, assignment_id: str, ws: InstructorSession,
              session: DB) -> Response:
    aid = _assignment(request, assignment_id)
    config = context(request).repo.config
    manual.sync_rubric(session, config, aid)
    session.commit()
    return render(request, "gradebook.html.j2", ws, aid=aid, spec=config.assignments[aid],
                  grades=compute_grades(session, config, aid),
                  published=manual.published_questions(session, aid))


@router.post("/staff/{assignment_id}/manual/{question}/publish")
def publish(request: Request, assignment_id: str, question: str, ws: InstructorSession,
            form: CheckedForm, session: DB) -> Response:
    aid = _assignment(request, assignment_id)
    if question not in context(request).repo.config.assignments[aid].manual:
        raise HTTPException(404, "no such manual question")
    manual.publish(session, aid, question, ws.account.username,
                   published=form.get("action") != "unpublish")
    session.commit()
    return RedirectResponse(f"/staff/{aid}/gradebook", status_code=303)


@router.get("/staff/{assignment_id}/report")
def report(request: Request, assignment_id: str, ws: InstructorSession, session: DB) -> Response:
    aid = _assignment(request, assignment_id)
    config = context(request).repo.config
    html = build_report(config, aid, compute_grades(session, config, aid))
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


def _roster_page(request: Request, ws: InstructorSession, session: DB, status: int = 200,
                 error: str = "", link: tuple[str, str] | None = None) -> Response:
    accounts = list(session.scalars(select(Account).order_by(Account.role, Account.username)))
    used = {a.id: session.scalar(select(LoginToken.used_at).where(
        LoginToken.account_id == a.id, LoginToken.used_at.is_not(None))
        .order_by(LoginToken.used_at.desc()).limit(1)) for a in accounts}
    return render(request, "roster.html.j2", ws, status=status, accounts=accounts, used=used,
                  error=error, link=link, roles=STAFF)


def _change_roster(request: Request, ws: InstructorSession, session: DB,
                   change: Callable[[], object]) -> Response:
    """Make a change and go back to the roster; a problem is shown there, nothing is saved."""
    try:
        change()
    except UserError as exc:
        session.rollback()
        return _roster_page(request, ws, session, 400, str(exc))
    session.commit()
    return RedirectResponse("/roster", status_code=303)


@router.get("/roster")
def roster(request: Request, ws: InstructorSession, session: DB) -> Response:
    return _roster_page(request, ws, session)


@router.post("/roster/import")
async def roster_import(request: Request, ws: InstructorSession, form: CheckedForm,
                        session: DB) -> Response:
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return _roster_page(request, ws, session, 400, "Choose a CSV file to import.")
    config = context(request).repo.config
    data = await file.read(2 * 1024 * 1024 + 1)

    def change() -> None:
        with tempfile.TemporaryDirectory() as scratch:
            rows = roster_rows(data, file.filename or "roster.csv", config.course.timezone,
                               Path(scratch))
        import_roster(session, config, rows)

    return _change_roster(request, ws, session, change)


@router.post("/roster/accounts")
def add_staff(request: Request, ws: InstructorSession, form: CheckedForm,
              session: DB) -> Response:
    username = str(form.get("username", "")).strip()
    role = str(form.get("role", ""))
    if not username or role not in STAFF:
        return _roster_page(request, ws, session, 400, "A staff account needs a name and a role.")
    return _change_roster(request, ws, session, lambda: ensure_account(
        session, context(request).repo.config, username[:80], role,
        str(form.get("name", "")).strip()[:300]))


@router.post("/roster/{account_id}/token")
def new_token(request: Request, account_id: int, ws: InstructorSession, form: CheckedForm,
              session: DB) -> Response:
    account = session.get(Account, account_id)
    if account is None or account.course != context(request).repo.config.course.name:
        raise HTTPException(404, "no such account")
    token = issue_token(session, account)
    session.commit()
    link = str(request.url_for("login_page").include_query_params(token=token))
    return _roster_page(request, ws, session, link=(account.username, link))
