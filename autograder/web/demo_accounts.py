"""Accounts for trying the app on a course (`autograder serve --demo-accounts`, `make serve`):
an instructor, a TA and the gradebook's students (three made-up ones when it has none), each
with a fresh one-time sign-in link printed once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import GradingConfig
from ..gradebook.models import Student
from .accounts import ensure_account, import_roster
from .auth import issue_token

MADE_UP = [("demo-student-1", "Ada Lovelace"), ("demo-student-2", "Alan Turing"),
           ("demo-student-3", "Grace Hopper")]


def demo_links(session: Session, config: GradingConfig, base_url: str,
               made_up: bool = False) -> list[tuple[str, str]]:
    """(who, sign-in link) for the demo accounts, the made-up students too when `made_up`;
    committed by the caller."""
    students = [(s.id, s.name) for s in session.scalars(select(Student).order_by(Student.id))
                if (s.id, s.name) not in MADE_UP][:5]
    roster = [*students, *MADE_UP] if made_up else students or MADE_UP
    accounts = [ensure_account(session, config, "instructor", "instructor", "Instructor"),
                ensure_account(session, config, "ta", "ta", "Teaching assistant"),
                *import_roster(session, config, roster)]
    return [(f"{a.role} {a.username}", f"{base_url}/login?token={issue_token(session, a)}")
            for a in accounts]
