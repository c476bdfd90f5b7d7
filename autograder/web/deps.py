"""What every route needs: the course, a database session, the signed-in account, its role, a
checked CSRF token, and page rendering with the values every template uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import FormData
from starlette.responses import Response

from ..course import CourseRepo
from ..gradebook.models import WebSession
from .auth import STAFF, csrf_matches, find_session
from .grading_queue import GradingQueue

COOKIE = "autograder_session"
# Every value is HTML-escaped (our templates end in .j2, which Jinja's default would not escape).
TEMPLATES = Jinja2Templates(env=Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True))


@dataclass
class WebContext:
    """What every request handler of the web app needs: the course, the gradebook, the grading
    queue."""

    repo: CourseRepo
    sessions: sessionmaker[Session]
    grading: GradingQueue


class NotSignedIn(Exception):
    """No valid session: pages send the browser to the sign-in page."""


def context(request: Request) -> WebContext:
    return request.app.state.web


def db(request: Request) -> Iterator[Session]:
    with context(request).sessions() as session:
        yield session


DB = Annotated[Session, Depends(db)]


def signed_in(request: Request, session: DB) -> WebSession:
    found = find_session(session, request.cookies.get(COOKIE))
    if found is None:
        raise NotSignedIn()
    if found.account.course != context(request).repo.config.course.name:
        raise HTTPException(403, "this account belongs to another course")
    return found


SignedIn = Annotated[WebSession, Depends(signed_in)]


def student(ws: SignedIn) -> WebSession:
    if ws.account.role != "student" or ws.account.student_id is None:
        raise HTTPException(403, "this page is for students")
    return ws


def staff(ws: SignedIn) -> WebSession:
    if ws.account.role not in STAFF:
        raise HTTPException(403, "this page is for the teaching team")
    return ws


def instructor(ws: SignedIn) -> WebSession:
    if ws.account.role != "instructor":
        raise HTTPException(403, "this page is for the instructor")
    return ws


StudentSession = Annotated[WebSession, Depends(student)]
StaffSession = Annotated[WebSession, Depends(staff)]
InstructorSession = Annotated[WebSession, Depends(instructor)]


async def checked_form(request: Request, ws: SignedIn) -> FormData:
    """The POSTed form, after its CSRF token matched the session's; else 403."""
    form = await request.form(max_files=1, max_fields=200)
    if not csrf_matches(ws.csrf_token, form.get("csrf")):
        raise HTTPException(403, "the form's security token is missing or wrong; reload the page")
    return form


CheckedForm = Annotated[FormData, Depends(checked_form)]


def render(request: Request, name: str, ws: WebSession | None, status: int = 200,
           **values: object) -> Response:
    config = context(request).repo.config
    return TEMPLATES.TemplateResponse(request, name, {
        "course": config.course.name, "account": ws.account if ws else None,
        "csrf": ws.csrf_token if ws else "", "tz": ZoneInfo(config.course.timezone), **values},
        status_code=status)
