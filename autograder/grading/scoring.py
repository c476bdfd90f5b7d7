"""From test outcomes to points: a question's points are shared among its tests by weight.

A property test (inputs unchanged, dtype, shape, determinism) passes for a function that returns
a constant or its own input, so it earns its points only when the functions it called are also
correct: each was called by at least one value test, and every value test that called it passed.
"""

from __future__ import annotations

from ..config import Assignment
from ..testing.plugin import TestOutcome
from .results import QuestionScore, TestResult


def _value_verdicts(outcomes: list[TestOutcome]) -> dict[str, bool]:
    """Per notebook function: did every value test (not a property test) that called it pass?"""
    verdicts: dict[str, bool] = {}
    for outcome in outcomes:
        if outcome.info.property_test:
            continue
        for name in outcome.called:
            verdicts[name] = verdicts.get(name, True) and outcome.status == "passed"
    return verdicts


def _gate(outcome: TestOutcome, verdicts: dict[str, bool]) -> TestOutcome:
    """A passed property test whose functions are not (yet) correct counts as failed."""
    if not outcome.info.property_test or outcome.status != "passed":
        return outcome
    wrong = sorted(name for name in outcome.called if not verdicts.get(name, False))
    if not outcome.called or wrong:
        names = ", ".join(f"`{n}`" for n in wrong) or "the functions it checks"
        return TestOutcome(outcome.info, "failed",
                           f"this check passed, but it earns points only once {names} also "
                           "returns correct values", outcome.called)
    return outcome


def score_tests(assignment: Assignment, outcomes: list[TestOutcome],
                hidden_visibility: str) -> tuple[list[TestResult], dict[str, QuestionScore]]:
    verdicts = _value_verdicts(outcomes)
    outcomes = [_gate(outcome, verdicts) for outcome in outcomes]
    weights: dict[str, float] = {}
    for outcome in outcomes:
        q = outcome.info.question or ""
        weights[q] = weights.get(q, 0.0) + outcome.info.weight
    tests = []
    earned: dict[str, float] = {}
    questions = {name: QuestionScore(score=0.0, max_score=q.points)
                 for name, q in assignment.autograded.items()}
    for outcome in outcomes:
        q = outcome.info.question or ""
        points = assignment.questions[q].points if q in assignment.questions else 0.0
        max_score = points * outcome.info.weight / weights[q] if weights[q] else 0.0
        score = max_score if outcome.status == "passed" else 0.0
        visibility = "visible" if outcome.info.visibility == "visible" else hidden_visibility
        tests.append(TestResult(name=outcome.info.name, question=q, score=round(score, 6),
                                max_score=round(max_score, 6), status=outcome.status,
                                visibility=visibility, output=outcome.message,
                                calls=sorted(outcome.called),
                                builds_on=list(outcome.info.builds_on),
                                safe_message=outcome.info.safe_message))
        earned[q] = earned.get(q, 0.0) + score
    for name, total in earned.items():  # round sums, not shares: 3 x 4/3 is 4, not 3.999999
        if name in questions:
            questions[name].score = round(total, 6)
    return tests, questions
