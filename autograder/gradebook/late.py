"""The late policy of grading_config.yaml applied to one submission time."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config import LatePolicy


@dataclass(frozen=True)
class Lateness:
    """How late a submission counts as, and the share of its score the late policy takes."""

    days_late: int  # whole days, rounded up, after the grace period
    penalty_percent: float
    trusted: bool = True  # False: no trusted submission time, so no penalty was charged

    def apply(self, score: float) -> float:
        return round(score * (1 - self.penalty_percent / 100), 6)


UNTRUSTED = Lateness(0, 0.0, trusted=False)
TRUSTED_TIME_SOURCES = ("lms-worksheet", "given", "server")  # LMS record, TA, web app upload


def lateness(policy: LatePolicy, submitted_at: datetime, deadline: datetime) -> Lateness:
    """Days late count from the deadline plus the grace minutes; a started day is a day."""
    over = submitted_at - (deadline + timedelta(minutes=policy.grace_minutes))
    if over <= timedelta(0):
        return Lateness(0, 0.0)
    days = math.ceil(over / timedelta(days=1))
    if policy.kind == "none":
        return Lateness(days, 0.0)
    if policy.kind == "zero":
        return Lateness(days, 100.0)
    return Lateness(days, min(days * policy.percent_per_day, policy.max_percent))
