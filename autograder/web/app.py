"""The app factory: one FastAPI app over a course repository and its gradebook."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..course import CourseRepo
from . import routes_auth, routes_instructor, routes_student, routes_ta
from .deps import NotSignedIn, WebContext, render
from .grading_queue import GradingQueue
from .security import BodyTooLarge, SecurityMiddleware
from .uploads import max_upload_bytes

STATIC = Path(__file__).parent / "static"


def create_app(repo: CourseRepo, sessions: sessionmaker[Session],
               grading: GradingQueue) -> FastAPI:
    app = FastAPI(title=repo.config.course.name, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.web = WebContext(repo, sessions, grading)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (routes_auth, routes_instructor, routes_ta, routes_student):
        app.include_router(module.router)

    @app.exception_handler(NotSignedIn)
    def _sign_in(request: Request, _: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(BodyTooLarge)
    def _too_large(request: Request, _: BodyTooLarge) -> Response:
        return Response("the upload is larger than this course accepts", status_code=413,
                        media_type="text/plain")

    @app.exception_handler(HTTPException)
    def _error(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html.j2", None, status=exc.status_code,
                      status_code=exc.status_code,
                      message=str(exc.detail))

    app.add_middleware(SecurityMiddleware, max_body=max_upload_bytes(repo.config) + 64 * 1024)
    return app
