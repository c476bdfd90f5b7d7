"""The mistakes students really make: failure messages clustered across students.

Two students with the same mistake get messages that differ only in numbers ("7 of 8 values
differ ... got 0.188" and "... got 0.191"), so a message is reduced to its shape first: numbers
become `#`, quoted text `'…'`. When a test author's message names the mistake (a line starting
`Hint:`, from a trap), that line is the cluster's key: it is the diagnosis. A stub still raising
NotImplementedError is not a mistake but work not attempted, and is counted apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..gradebook.grades import StudentGrade

STUB = "NotImplementedError"
NUMBER = re.compile(r"(?<![\w.])[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([-+](\d+\.?\d*|\.\d+)([eE][-+]?\d+)?j)?")
QUOTED = re.compile(r"'[^'\n]{0,80}'|\"[^\"\n]{0,80}\"")
MAX_KEY = 200


def shape(message: str) -> str:
    """The message as a cluster key: the Hint line if any, else the first line, numbers as #."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    hint = next((line for line in lines if line.startswith("Hint:")), None)
    text = hint or (lines[0] if lines else "")
    text = " ".join(NUMBER.sub("#", QUOTED.sub("'…'", text)).split())
    if len(text) > MAX_KEY:  # cut between words
        text = text[:MAX_KEY].rsplit(" ", 1)[0] + " …"
    return text


@dataclass
class Mistake:
    """One kind of failure, with who made it."""

    key: str
    question: str
    tests: set[str] = field(default_factory=set)
    students: set[str] = field(default_factory=set)
    example: str = ""  # one full message, as a student saw it (or a TA, for hidden tests)


@dataclass
class NotAttempted:
    question: str
    students: set[str] = field(default_factory=set)


def _short(name: str) -> str:
    return name.rpartition("::")[2] or name


def cluster(grades: Iterable[StudentGrade]) -> tuple[list[Mistake], list[NotAttempted]]:
    """Mistakes by how many students made them; stubs left alone per question, apart."""
    mistakes: dict[tuple[str, str], Mistake] = {}
    stubs: dict[str, NotAttempted] = {}
    for grade in grades:
        if grade.result is None:
            continue
        for test in grade.result.tests:
            if test.status == "passed":
                continue
            if STUB in test.output:
                stubs.setdefault(test.question, NotAttempted(test.question)).students.add(
                    grade.student.id)
                continue
            key = shape(test.output) or f"{test.status} (no message)"
            entry = mistakes.setdefault((test.question, key), Mistake(key, test.question))
            entry.tests.add(_short(test.name))
            entry.students.add(grade.student.id)
            entry.example = entry.example or test.output.strip()
    ordered = sorted(mistakes.values(), key=lambda m: (-len(m.students), m.question, m.key))
    return ordered, sorted(stubs.values(), key=lambda s: -len(s.students))
