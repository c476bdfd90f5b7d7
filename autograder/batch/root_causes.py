"""Which failing function to fix first: failures traced back along what functions build on.

Tests record the notebook functions they call (`calls`) and declare what those build on
(`@builds_on("hann_window")` on an stft test). When hann_window's own tests fail and so do the
tests of stft, melspectrogram and mfcc, which build on it, the first thing a student should read
is "Fix hann_window first", not four separate failures. Only visible tests are read: hidden tests
carry no calls in the student's view.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RootCause:
    """A failing function that builds on no other failing function."""

    function: str
    dependents: tuple[str, ...]  # failing functions that build on it, directly or not
    test: str  # its first failing test (the function's name, without the file)
    message: str  # that test's message

    @property
    def advice(self) -> str:
        fix = "Write" if "NotImplementedError" in self.message or "Not done yet" in self.message \
            else "Fix"
        if not self.dependents:
            return f"{fix} {self.function}." if fix == "Write" else f"Start with {self.function}."
        verb = "uses" if len(self.dependents) == 1 else "use"
        return f"{fix} {self.function} first: {join_names(self.dependents)} {verb} it."


def short_test_name(name: str) -> str:
    """`test_hann_periodic` for `public/test_framing.py::test_hann_periodic`."""
    return name.rpartition("::")[2] or name


def join_names(names: tuple[str, ...] | list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _uses(tests: list[dict]) -> dict[str, set[str]]:
    """function -> the functions it builds on, as the tests declare it."""
    graph: dict[str, set[str]] = {}
    for test in tests:
        for function in test.get("calls", []):
            graph.setdefault(function, set()).update(
                d for d in test.get("builds_on", []) if d != function)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


def root_causes(tests: list[dict], questions: list[str] | None = None) -> list[RootCause]:
    """The failing functions to fix first, most consequential first, then in the order of
    `questions` (the notebook's), then of the tests."""
    rank = {name: i for i, name in enumerate(questions or [])}
    tests = sorted(tests, key=lambda t: rank.get(t.get("question", ""), len(rank)))
    graph = _uses(tests)
    first_failure: dict[str, dict] = {}
    for test in tests:
        if test["status"] != "passed" and test["visibility"] == "visible":
            for function in test.get("calls", []):
                first_failure.setdefault(function, test)
    failing = list(first_failure)
    below = {f: _reachable(graph, f) for f in failing}
    roots = []
    for function in failing:
        if below[function] & set(failing):
            continue
        dependents = tuple(g for g in failing if function in below[g])
        test = first_failure[function]
        roots.append(RootCause(function, dependents, short_test_name(test["name"]),
                               test.get("output", "")))
    order = {f: i for i, f in enumerate(failing)}
    return sorted(roots, key=lambda r: (-len(r.dependents), order[r.function]))
