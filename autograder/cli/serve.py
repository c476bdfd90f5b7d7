"""`autograder serve`: the course web app (see autograder/web)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..gradebook.db import open_gradebook
from ..gradebook.models import now
from .common import SandboxOption, WorkspaceOption, console, repo
from .terminal import markup

DbOption = typer.Option(None, "--db", help="gradebook database URL (default: SQLite in the "
                        "workspace, or $AUTOGRADER_DB)")


def serve_command(
    host: Annotated[str, typer.Option("--host", help="address to listen on; keep 127.0.0.1 "
                                      "behind a reverse proxy")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    demo_accounts: Annotated[bool, typer.Option(
        "--demo-accounts", help="create instructor, TA and student accounts and print "
        "one-time sign-in links (for trying it out)")] = False,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="the address students open (https://... behind a proxy); used in "
        "sign-in links")] = None,
    sandbox: str = SandboxOption, workspace: Path | None = WorkspaceOption,
    db: str | None = DbOption,
) -> None:
    """Run the course web app: students upload and see results, TAs grade, instructors publish.

    Example: autograder serve --port 8000 --demo-accounts
    """
    import uvicorn

    from ..web.app import create_app
    from ..web.demo_accounts import MADE_UP, demo_links
    from ..web.demo_course import is_demo_workspace, open_demo_course
    from ..web.grading_queue import GradingQueue
    from ..web.uploads import window

    course = repo(workspace)
    sessions = open_gradebook(course.workspace, db)
    base = (public_url or f"http://{host}:{port}").rstrip("/")
    if demo_accounts:
        demo = is_demo_workspace(course.workspace)
        if demo:
            course, moved = open_demo_course(course, [sid for sid, _ in MADE_UP])
            console.print(moved, soft_wrap=True, markup=False)
        with sessions() as session:
            links = demo_links(session, course.config, base, made_up=demo)
            session.commit()
        console.print(markup("[bold]Sign-in links[/] (each works once):"))
        for who, link in links:
            console.print(f"  {who:<28} {link}", soft_wrap=True)
        uploader = MADE_UP[0][0] if demo else ""
        for aid in course.config.assignments:  # a past deadline closes uploads, demo or not
            closes = window(course.config, aid, uploader).closes
            state = "open until" if closes > now() else "closed since"
            console.print(f"  uploads of {aid}: {state} {closes:%Y-%m-%d %H:%M %Z}")
    grading = GradingQueue(course.root, course.workspace, db, sandbox)
    if grading.resume(sessions, course.config):
        console.print("grading the uploads a previous run left ungraded")
    app = create_app(course, sessions, grading)
    console.print(f"serving {course.config.course.name} on http://{host}:{port} "
                  f"(workspace {course.workspace}); Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, proxy_headers=True, log_level="warning")
