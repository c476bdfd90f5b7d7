"""The teaching team's grading pages: a queue per manual question, one answer at a time with its
rubric, items applied to many answers at once, comments, and overrides of autograded questions.

Every change records who made it and when. Points live on the rubric items only: a score is
computed from the items applied, so editing an item re-scores every answer that has it."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import Response

from ..errors import UserError
from ..gradebook import manual
from ..gradebook.grades import compute_grades
from ..gradebook.models import ManualGrade
from ..gradebook.store import latest_submissions, overrides, remove_override, set_override
from .deps import DB, CheckedForm, StaffSession, context, render
from .views import answers_of, image_src, progress, queue, rubric_usage

router = APIRouter(prefix="/staff")


def _manual(request: Request, session: Session, assignment_id: str, question: str) -> None:
    """404 unless this is a manual question of the course; its rubric is brought up to date."""
    config = context(request).repo.config
    if assignment_id not in config.assignments or question not in config.assignments[
            assignment_id].manual:
        raise HTTPException(404, "no such manual question")
    manual.sync_rubric(session, config, assignment_id)


def _number(text: object, what: str) -> float:
    try:
        return float(str(text).strip())
    except ValueError:
        raise HTTPException(400, f"{what} must be a number") from None


def _back(form: FormData, default: str) -> str:
    """Where a form returns to: only one of our own staff pages."""
    target = form.get("back")
    ok = isinstance(target, str) and target.startswith("/staff/") and "//" not in target
    return target if ok else default


def _grade(session: Session, assignment_id: str, question: str, student_id: str,
           known: dict | None = None) -> ManualGrade:
    """The student's manual grade, made if needed, noting the submission being graded."""
    submission = (known or latest_submissions(session, assignment_id)).get(student_id)
    if submission is None:
        raise HTTPException(404, f"no submission of {student_id} for {assignment_id}")
    grade = manual.grade_of(session, student_id, assignment_id, question, create=True)
    grade.submission_id = submission.id
    return grade


@router.get("")
def overview(request: Request, ws: StaffSession,
             session: DB) -> Response:
    config = context(request).repo.config
    rows = []
    for aid, spec in config.assignments.items():
        manual.sync_rubric(session, config, aid)
        for name in spec.manual:
            rows.append((aid, name, spec.questions[name].points,
                         progress(queue(session, config, aid, name))))
    session.commit()
    students = {aid: sorted(latest_submissions(session, aid)) for aid in config.assignments}
    return render(request, "staff_home.html.j2", ws, rows=rows, assignments=config.assignments,
                  students=students)


@router.get("/{assignment_id}/manual/{question}")
def question_queue(request: Request, assignment_id: str, question: str,
                   ws: StaffSession, session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    session.commit()
    config = context(request).repo.config
    rows = queue(session, config, assignment_id, question)
    return render(request, "ta_queue.html.j2", ws, aid=assignment_id, question=question,
                  rows=rows, progress=progress(rows),
                  items=manual.rubric(session, assignment_id, question),
                  usage=rubric_usage(session, assignment_id, question),
                  points=config.assignments[assignment_id].questions[question].points)


@router.post("/{assignment_id}/manual/{question}/bulk")
def bulk_apply(request: Request, assignment_id: str, question: str,
               ws: StaffSession, form: CheckedForm,
               session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    row = manual.item(session, assignment_id, question, int(_number(form.get("item"), "item")))
    chosen = [s for s in form.getlist("students") if isinstance(s, str)]
    known = latest_submissions(session, assignment_id)
    for sid in chosen:
        grade = _grade(session, assignment_id, question, sid, known)
        manual.set_applied(session, grade, row, form.get("action") != "remove",
                           ws.account.username)
    session.commit()
    return RedirectResponse(f"/staff/{assignment_id}/manual/{question}", status_code=303)


@router.get("/{assignment_id}/manual/{question}/{student_id}")
def answer_page(request: Request, assignment_id: str, question: str, student_id: str,
                ws: StaffSession, session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    session.commit()
    config = context(request).repo.config
    rows = queue(session, config, assignment_id, question)
    ids = [r.student_id for r in rows]
    if student_id not in ids:
        raise HTTPException(404, "no graded submission of this student")
    here = ids.index(student_id)
    row = rows[here]
    applied = {a.item_id: a for a in row.grade.applied} if row.grade else {}
    return render(request, "ta_answer.html.j2", ws, aid=assignment_id, question=question,
                  row=row, answers=answers_of(row.submission, question), image_src=image_src,
                  items=manual.rubric(session, assignment_id, question), applied=applied,
                  usage=rubric_usage(session, assignment_id, question),
                  points=config.assignments[assignment_id].questions[question].points,
                  previous=ids[here - 1] if here > 0 else None,
                  next=ids[here + 1] if here + 1 < len(ids) else None,
                  progress=progress(rows))


@router.post("/{assignment_id}/manual/{question}/{student_id}/toggle")
def toggle_item(request: Request, assignment_id: str, question: str, student_id: str,
                ws: StaffSession, form: CheckedForm,
                session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    row = manual.item(session, assignment_id, question, int(_number(form.get("item"), "item")))
    grade = _grade(session, assignment_id, question, student_id)
    on = all(a.item_id != row.id for a in grade.applied)
    manual.set_applied(session, grade, row, on, ws.account.username)
    session.commit()
    return RedirectResponse(f"/staff/{assignment_id}/manual/{question}/{student_id}",
                            status_code=303)


@router.post("/{assignment_id}/manual/{question}/{student_id}/comment")
def comment(request: Request, assignment_id: str, question: str, student_id: str,
            ws: StaffSession, form: CheckedForm,
            session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    grade = _grade(session, assignment_id, question, student_id)
    manual.set_comment(grade, str(form.get("comment", ""))[:5000], ws.account.username)
    session.commit()
    target = f"/staff/{assignment_id}/manual/{question}/{student_id}"
    nxt = form.get("next")
    if form.get("go") == "next" and isinstance(nxt, str) and nxt:
        target = f"/staff/{assignment_id}/manual/{question}/{nxt}"
    return RedirectResponse(target, status_code=303)


@router.post("/{assignment_id}/manual/{question}/items")
def add_item(request: Request, assignment_id: str, question: str,
             ws: StaffSession, form: CheckedForm,
             session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    try:
        manual.add_item(session, assignment_id, question, str(form.get("description", ""))[:500],
                        _number(form.get("points"), "points"))
    except UserError as exc:
        raise HTTPException(400, str(exc)) from None
    session.commit()
    return RedirectResponse(_back(form, f"/staff/{assignment_id}/manual/{question}"),
                            status_code=303)


@router.post("/{assignment_id}/manual/{question}/items/{item_id}")
def edit_item(request: Request, assignment_id: str, question: str, item_id: int,
              ws: StaffSession, form: CheckedForm,
              session: DB) -> Response:
    _manual(request, session, assignment_id, question)
    row = manual.item(session, assignment_id, question, item_id)
    row.points = _number(form.get("points"), "points")
    description = str(form.get("description", "")).strip()
    if description:
        row.description = description[:500]
    session.commit()
    return RedirectResponse(_back(form, f"/staff/{assignment_id}/manual/{question}"),
                            status_code=303)


def _student(request: Request, session: Session, assignment_id: str, student_id: str):
    config = context(request).repo.config
    if assignment_id not in config.assignments:
        raise HTTPException(404, "no such assignment")
    found = compute_grades(session, config, assignment_id, student_id)
    if not found:
        raise HTTPException(404, "no such student")
    return found[0]


@router.get("/{assignment_id}/students/{student_id}")
def student_page(request: Request, assignment_id: str, student_id: str,
                 ws: StaffSession, session: DB) -> Response:
    grade = _student(request, session, assignment_id, student_id)
    spec = context(request).repo.config.assignments[assignment_id]
    return render(request, "staff_student.html.j2", ws, aid=assignment_id, grade=grade,
                  spec=spec, overrides=overrides(session, assignment_id))


@router.post("/{assignment_id}/students/{student_id}/override")
def override(request: Request, assignment_id: str, student_id: str,
             ws: StaffSession, form: CheckedForm,
             session: DB) -> Response:
    _student(request, session, assignment_id, student_id)
    config = context(request).repo.config
    question = str(form.get("question", ""))
    try:
        if form.get("action") == "remove":
            remove_override(session, assignment_id, student_id, question)
        else:
            row = set_override(session, config, assignment_id, student_id, question,
                               _number(form.get("score"), "score"), str(form.get("comment", "")))
            row.created_by = ws.account.username
    except UserError as exc:
        session.rollback()
        raise HTTPException(400, str(exc)) from None
    session.commit()
    return RedirectResponse(f"/staff/{assignment_id}/students/{student_id}", status_code=303)
