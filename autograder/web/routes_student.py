"""Student pages: my assignments, my results, my uploads. Nothing here takes a student id from
the request: every query is for the signed-in student's own id, so no one else's work is reachable."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from ..gradebook.models import SubmissionRow, WebSession, now
from .deps import DB, CheckedForm, SignedIn, StudentSession, context, render
from .uploads import UploadRefused, accept_upload, max_upload_bytes, remaining, window
from .views import student_view

router = APIRouter()
NOTICES = {"uploaded": "Your upload was received and is being graded; this page updates itself."}


def _assignment(request: Request, assignment_id: str) -> str:
    if assignment_id not in context(request).repo.config.assignments:
        raise HTTPException(404, "no such assignment")
    return assignment_id


def _page(request: Request, session: Session, ws: WebSession, assignment_id: str,
          status: int = 200, error: str = "", notice: str = "") -> Response:
    web = context(request)
    config = web.repo.config
    sid = ws.account.student_id
    view = student_view(session, config, assignment_id, sid)
    grading = web.grading.pending(assignment_id, sid) and view.grade.status == "ungraded"
    opens = window(config, assignment_id, sid)
    return render(request, "student_assignment.html.j2", ws, status=status, view=view,
                  window=opens, closed=not opens.open_at(now()), grading=grading,
                  remaining=remaining(session, config, sid, assignment_id), error=error,
                  notice=notice if grading else "", max_mb=config.limits.notebook_mb)


@router.get("/")
def home(request: Request, ws: SignedIn,
         session: DB) -> Response:
    if ws.account.role != "student":
        return RedirectResponse("/staff", status_code=303)
    config = context(request).repo.config
    views = [student_view(session, config, aid, ws.account.student_id)
             for aid in config.assignments]
    return render(request, "student_home.html.j2", ws, views=views)


@router.get("/assignments/{assignment_id}")
def assignment_page(request: Request, assignment_id: str, ws: StudentSession, session: DB,
                    done: str = "") -> Response:
    return _page(request, session, ws, _assignment(request, assignment_id),
                 notice=NOTICES.get(done, ""))


@router.post("/assignments/{assignment_id}/upload")
async def upload(request: Request, assignment_id: str, ws: StudentSession,
                 form: CheckedForm, session: DB) -> Response:
    web = context(request)
    aid = _assignment(request, assignment_id)
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return _page(request, session, ws, aid, 400, error="Choose a notebook or zip to upload.")
    data = await file.read(max_upload_bytes(web.repo.config) + 1)
    try:
        accept_upload(session, web.repo.config, web.repo.workspace, ws.account.student_id, aid,
                      file.filename or "", data)
    except UploadRefused as exc:
        session.rollback()
        return _page(request, session, ws, aid, 400, error=str(exc))
    session.commit()
    web.grading.enqueue(aid, ws.account.student_id)
    return RedirectResponse(f"/assignments/{aid}?done=uploaded", status_code=303)


@router.get("/submissions/{submission_id}/file")
def download(request: Request, submission_id: int, ws: SignedIn,
             session: DB) -> Response:
    """The file as it was received; a student only their own, staff any."""
    row = session.get(SubmissionRow, submission_id)
    if row is None:
        raise HTTPException(404, "no such submission")
    if ws.account.role == "student" and row.student_id != ws.account.student_id:
        raise HTTPException(403, "this is not your submission")
    path = context(request).repo.workspace / row.path
    return Response(path.read_bytes(), media_type="application/octet-stream",
                    headers={"Content-Disposition": "attachment; filename=submission"
                             + (".zip" if row.path.endswith(".zip") else ".ipynb")})
