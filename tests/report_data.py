"""A synthetic batch for the report: 300 students, 60 tests over 6 questions, every kind of
student the teaching team must look at, a common mistake whose numbers differ between students,
and stubs left alone. Deterministic (a seeded generator), built without grading anything."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from autograder.config import GradingConfig
from autograder.gradebook.grades import QuestionGrade, StudentGrade
from autograder.gradebook.late import UNTRUSTED, Lateness
from autograder.gradebook.models import Override, Student, SubmissionRow
from autograder.grading.results import CellResult, QuestionScore, Result, TestResult

QUESTIONS = ["framing", "stft", "decibels", "mel", "mfcc", "spectral_centroid"]
TESTS_PER_QUESTION = 10
STUDENTS = 300
SYMMETRIC = 120  # students with the symmetric-window mistake in stft
STUBS = 45  # students who left mfcc as a stub
SPECIAL = {"s290": "missing", "s291": "invalid", "s292": "crashed", "s293": "timeout",
           "s294": "grader-error", "s295": "ungraded", "s296": "memory"}
OVERRIDDEN, LATE = "s297", "s298"

CONFIG = GradingConfig.model_validate({
    "course": {"name": "Deep Learning for Audio", "timezone": "Europe/Berlin"},
    "assignments": {"spectrogram_features": {
        "title": "Spectrogram features (week 3)", "due": "2026-11-13 23:59",
        "questions": {q: {"points": 3} for q in QUESTIONS}}}})


def _message(question: str, index: int, rng: np.random.Generator, student: int) -> str:
    if question == "stft" and student < SYMMETRIC:
        return (f"stft(y, n_fft=512): {rng.integers(900, 16000)} of 16191 values differ at index "
                f"({rng.integers(0, 256)}, {rng.integers(0, 60)}): expected "
                f"{rng.normal():.4f}, got {rng.normal():.4f}\n"
                "Hint: this matches a symmetric window (np.hanning): the STFT uses the periodic "
                "Hann window")
    if question == "mfcc" and SYMMETRIC <= student < SYMMETRIC + STUBS:
        return "your code raised NotImplementedError: \n  File \"<cell 14>\", line 3, in mfcc"
    kind = ("returns a list, not an array", "frame count one short", "float64 expected",
            "modifies its input in place", "wrong axis order")[index % 5]
    return f"{question}: {kind} (case {index}, size {rng.integers(10, 90)})"


def result_for(student: int, rng: np.random.Generator) -> Result:
    tests, scores = [], {}
    for q in QUESTIONS:
        earned = 0.0
        for i in range(TESTS_PER_QUESTION):
            stub = q == "mfcc" and SYMMETRIC <= student < SYMMETRIC + STUBS
            fails = (q == "stft" and student < SYMMETRIC) or stub or rng.random() < 0.04 * (i % 4)
            points = 3 / TESTS_PER_QUESTION
            earned += 0 if fails else points
            tests.append(TestResult(
                name=f"{'hidden' if i % 3 == 0 else 'public'}/test_{q}.py::test_{q}_case_{i}",
                question=q, score=0 if fails else points, max_score=points,
                status="failed" if fails else "passed",
                visibility="hidden" if i % 3 == 0 else "visible",
                output=_message(q, i, rng, student) if fails else ""))
        scores[q] = QuestionScore(score=round(earned, 6), max_score=3)
    score = round(sum(s.score for s in scores.values()), 6)
    return Result(submission=f"s{student:03d}.ipynb", assignment="spectrogram_features",
                  status="graded", score=score, max_score=18, questions=scores, tests=tests,
                  execution_time=float(rng.gamma(4, 0.3)))


def grade_for(sid: str, result: Result | None, status: str) -> StudentGrade:
    known = status not in ("ungraded", "grader-error", "missing")
    def auto(q: str) -> float | None:  # as compute_grades: 0 for a question without a score
        return (result.questions[q].score if q in result.questions else 0.0) if known else None

    questions = {q: QuestionGrade(auto(q), 3, auto(q)) for q in QUESTIONS}
    late = Lateness(0, 0.0)
    if sid == OVERRIDDEN:
        questions["stft"] = QuestionGrade(2.5, 3, questions["stft"].auto_score,
                                          Override(score=2.5, comment="right idea"))
    if sid == LATE:
        late = Lateness(2, 20.0)
    if sid == "s299":
        late = UNTRUSTED
    raw = result.score if known and result else None
    adjusted = round(sum(q.score or 0 for q in questions.values()), 6) if known else None
    final = late.apply(adjusted) if adjusted is not None else None
    submission = None if status == "missing" else SubmissionRow(
        student_id=sid, assignment_id="spectrogram_features", path="x", file_sha256="0",
        submitted_at=datetime(2026, 11, 13, 12, 0), time_source="lms-worksheet")
    return StudentGrade(Student(id=sid, name=f"Student {sid}"), "spectrogram_features",
                        submission, result if status != "missing" else None, status, questions,
                        raw, adjusted, late, final, 18, 1)


def synthetic_grades() -> list[StudentGrade]:
    rng = np.random.default_rng(2026)
    grades = []
    for student in range(STUDENTS):
        sid = f"s{student:03d}"
        status = SPECIAL.get(sid, "graded")
        result = result_for(student, rng)
        if status in ("ungraded", "missing"):
            result = None
        elif status in ("invalid", "grader-error"):
            result = Result(submission=f"{sid}.pdf", assignment="spectrogram_features",
                            status=status, max_score=18, message=f"{sid}: {status} (synthetic)")
        elif status != "graded":
            result = result.model_copy(update={"status": status, "cells": [
                CellResult(index=7, status=status, error=f"the cell ran into a {status}")]})
        grades.append(grade_for(sid, result, status))
    return grades
