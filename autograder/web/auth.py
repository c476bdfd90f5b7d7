"""Accounts, one-time sign-in tokens, browser sessions and CSRF tokens.

Only hashes of tokens and session keys are stored, so a copy of the gradebook signs nobody in.
Students have no passwords: the instructor hands out a one-time link; redeeming it opens a
session (a random key in an HttpOnly, SameSite=Strict cookie, Secure over https) that carries a
per-session CSRF token every form must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..gradebook.models import Account, LoginToken, WebSession, now

ROLES = ("student", "ta", "instructor")
STAFF = ("ta", "instructor")
TOKEN_LIFETIME = timedelta(days=30)
SESSION_LIFETIME = timedelta(hours=12)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, account: Account, lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """A new one-time token for `account`; the plain token is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(LoginToken(account_id=account.id, token_sha256=digest(token),
                           expires_at=now() + lifetime))
    session.flush()
    return token


def redeem_token(session: Session, token: str) -> Account | None:
    """The account a valid, unused, unexpired token belongs to; the token is used up."""
    row = session.scalar(select(LoginToken).where(LoginToken.token_sha256 == digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now():
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.active:
        return None
    row.used_at = now()
    return account


def open_session(session: Session, account: Account) -> str:
    """A new browser session; returns the cookie value (only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    session.add(WebSession(key_sha256=digest(key), account_id=account.id,
                           csrf_token=secrets.token_urlsafe(32),
                           expires_at=now() + SESSION_LIFETIME))
    session.flush()
    return key


def find_session(session: Session, key: str | None) -> WebSession | None:
    if not key:
        return None
    row = session.scalar(select(WebSession).where(WebSession.key_sha256 == digest(key)))
    if row is None or row.expires_at <= now() or not row.account.active:
        return None
    return row


def csrf_matches(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())
