"""Signing in with a one-time token, and out.

The link the instructor hands out opens a page with a button; only the POST spends the token,
so a mail scanner that follows the link does not use it up. The sign-in form is protected from
cross-site posting by a double-submit token (a cookie and a form field that must match).
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ..gradebook.models import WebSession
from .auth import csrf_matches, digest, open_session, redeem_token
from .deps import COOKIE, DB, CheckedForm, SignedIn, context, render

router = APIRouter()
LOGIN_COOKIE = "autograder_login"
HOME = {"student": "/", "ta": "/staff", "instructor": "/staff"}


def set_cookie(request: Request, response: Response, name: str, value: str,
               max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


@router.get("/login")
def login_page(request: Request, token: str = "") -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html.j2", None, token=token[:200], nonce=nonce)
    set_cookie(request, response, LOGIN_COOKIE, nonce, 3600)
    return response


@router.post("/login")
async def login(request: Request, session: DB) -> Response:
    form = await request.form()
    if not csrf_matches(request.cookies.get(LOGIN_COOKIE, ""), form.get("nonce")):
        return render(request, "login.html.j2", None, status=403, nonce="",
                      error="The sign-in form expired; open your sign-in link again.")
    token = form.get("token")
    account = redeem_token(session, token.strip()) if isinstance(token, str) and token else None
    if account is None or account.course != context(request).repo.config.course.name:
        session.rollback()
        return render(request, "login.html.j2", None, status=403, nonce="",
                      error="This sign-in link is not valid: it was used already, has expired, "
                            "or was mistyped. Ask the teaching team for a new one.")
    key = open_session(session, account)
    session.commit()
    response = RedirectResponse(HOME[account.role], status_code=303)
    set_cookie(request, response, COOKIE, key, 12 * 3600)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(request: Request, ws: SignedIn,
           _: CheckedForm, session: DB) -> Response:
    row = session.get(WebSession, ws.id)
    if row is not None and row.key_sha256 == digest(request.cookies.get(COOKIE, "")):
        session.delete(row)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
