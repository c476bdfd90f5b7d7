"""From test outcomes to points: a question's points are shared among its tests by weight."""

from __future__ import annotations

from ..config import Assignment
from ..testing.plugin import TestOutcome
from .results import QuestionScore, TestResult


def score_tests(assignment: Assignment, outcomes: list[TestOutcome],
                hidden_visibility: str) -> tuple[list[TestResult], dict[str, QuestionScore]]:
    weights: dict[str, float] = {}
    for outcome in outcomes:
        q = outcome.info.question or ""
        weights[q] = weights.get(q, 0.0) + outcome.info.weight
    tests = []
    earned: dict[str, float] = {}
    questions = {name: QuestionScore(score=0.0, max_score=q.points)
                 for name, q in assignment.questions.items()}
    for outcome in outcomes:
        q = outcome.info.question or ""
        points = assignment.questions[q].points if q in assignment.questions else 0.0
        max_score = points * outcome.info.weight / weights[q] if weights[q] else 0.0
        score = max_score if outcome.status == "passed" else 0.0
        visibility = "visible" if outcome.info.visibility == "visible" else hidden_visibility
        tests.append(TestResult(name=outcome.info.name, question=q, score=round(score, 6),
                                max_score=round(max_score, 6), status=outcome.status,
                                visibility=visibility, output=outcome.message))
        earned[q] = earned.get(q, 0.0) + score
    for name, total in earned.items():  # round sums, not shares: 3 x 4/3 is 4, not 3.999999
        if name in questions:
            questions[name].score = round(total, 6)
    return tests, questions
