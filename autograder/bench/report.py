"""The bench's printout: one table of numbers, then the targets with PASS/MISS (never a failure)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from .measure import AssignmentBench
from .ours import RunResult

OVERHEAD_TARGET = 0.1  # seconds per submission beyond the student's own code (issue 13's goal)
NBGRADER_TARGET = 10.0  # times nbgrader's throughput
GROWTH_TARGET = 1.2  # throughput with all workers / with one worker, at least
CHECK_TARGET = 1.0  # seconds for a first self-check


@dataclass
class Target:
    assignment: str
    name: str
    value: str
    passed: bool | None  # None: could not be measured


def _engine(run: RunResult) -> str:
    return "ours, warm (bwrap)" if run.sandbox == "bwrap" else f"ours, cold ({run.sandbox})"


def one_time_costs(bench: AssignmentBench) -> list[str]:
    """What each engine pays once per batch or per grading process, kept out of the table."""
    lines = []
    for run in bench.runs:
        if run.error:
            continue
        per = "per grading process" + (f", {run.workers} in parallel" if run.workers > 1 else "")
        first = f"first grading (released stub) {max(run.warmups):.1f} s"
        if run.template_starts:
            lines.append(f"{_engine(run)}, {run.workers} worker(s): template start "
                         f"{max(run.template_starts):.1f} s, {first}; paid once {per}")
        else:
            lines.append(f"{_engine(run)}: {first} (the grader's own imports); paid once {per}")
    if bench.nbgrader is not None and not bench.nbgrader.error:
        lines.append(f"nbgrader: its own start {bench.nbgrader.startup:.1f} s, paid once per "
                     f"batch; import and numba warm-up {bench.nbgrader_warm:.1f} s, once")
    if bench.paired is not None:
        lines.append(f"in-process: first round {bench.paired.own_first:.1f} s "
                     "(imports, JIT), not counted")
    return lines


def _overhead(run: RunResult, student: float | None) -> float | None:
    """Paired: the median difference; otherwise the mean grading time minus the student's."""
    if run.overhead is not None:
        return run.overhead
    return run.per_submission - student if student is not None else None


def _pairs(count: int) -> str:
    return f"{count} pair{'s' * (count != 1)}"


def numbers_table(bench: AssignmentBench) -> Table:
    table = Table(title=f"{bench.assignment_id}: grading throughput, one run", title_justify="left")
    for column, justify in (("engine", "left"), ("workers", "right"), ("subs", "right"),
                            ("full marks", "right"), ("s / sub", "right"),
                            ("subs / min", "right"), ("overhead s", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    student = bench.student_seconds
    if student is not None and bench.paired is not None:
        table.add_row("student's code, in-process", "1", str(len(bench.paired.submissions)),
                      bench.paired.own_tests, f"{student:.2f}", f"{60 / student:.1f}", "0")
    for run in bench.runs:
        if run.error:
            table.add_row(_engine(run), str(run.workers), "-", "-", "-", "-",
                          f"[red]{run.error}[/red]")
            continue
        overhead = _overhead(run, student)
        table.add_row(_engine(run) + (", paired" if run.paired else ""), str(run.workers),
                      str(len(run.submissions)),
                      f"{run.full_marks}/{len(run.submissions)}", f"{run.per_submission:.2f}",
                      f"{run.throughput:.1f}", f"{overhead:+.2f}" if overhead is not None else "-")
    nb = bench.nbgrader
    if nb is not None:
        overhead = f"{nb.per_submission - student:+.2f}" if student is not None else "-"
        if nb.error:
            overhead = f"[red]{nb.error}[/red]"
        table.add_row("nbgrader 0.9.6 autograde", "1", str(len(nb.per_student)),
                      f"{nb.full_marks}/{len(nb.per_student)}", f"{nb.per_submission:.2f}",
                      f"{nb.throughput:.1f}", overhead)
    return table


def targets(bench: AssignmentBench, workers: int) -> list[Target]:
    aid = bench.assignment_id
    one, many = bench.run("bwrap", 1), bench.run("bwrap", workers)
    student = bench.student_seconds
    found: list[Target] = []
    overhead = _overhead(one, student) if one is not None else None
    if one is not None and student is not None and overhead is not None:
        spread = one.overhead_spread
        middle = f", middle half {spread[0]:+.2f} to {spread[1]:+.2f} s" if spread else ""
        found.append(Target(aid, f"overhead < {OVERHEAD_TARGET} s per submission (warm, 1 worker)",
                            f"{overhead:+.2f} s (median of {_pairs(len(one.pairs))}{middle}: "
                            f"{one.per_submission:.2f} s graded vs {student:.2f} s in-process)",
                            overhead < OVERHEAD_TARGET))
    else:
        found.append(Target(aid, "overhead", "not measured", None))
    best = many or one
    nb = bench.nbgrader
    if best is not None and nb is not None and nb.throughput > 0 and not nb.error:
        ratio = best.throughput / nb.throughput
        ceiling = ""
        if student:  # zero overhead, perfect scaling: the student's own code is the limit
            ceiling = f"; at most {best.workers * 60 / student / nb.throughput:.1f}x possible"
        found.append(Target(aid, f">= {NBGRADER_TARGET:g}x nbgrader's throughput",
                            f"{ratio:.1f}x ({best.throughput:.1f} vs {nb.throughput:.1f} subs/min, "
                            f"ours with {best.workers} worker{'s' * (best.workers > 1)}{ceiling})",
                            ratio >= NBGRADER_TARGET))
    else:
        found.append(Target(aid, "nbgrader comparison", "not measured", None))
    if workers > 1:
        if one is not None and many is not None and one.throughput > 0:
            growth = many.throughput / one.throughput
            found.append(Target(aid, f"throughput grows with workers (x{GROWTH_TARGET:g} or more)",
                                f"{growth:.2f}x from 1 to {workers} workers", growth >= GROWTH_TARGET))
        else:
            found.append(Target(aid, "throughput growth", "not measured", None))
    if bench.check_seconds is not None:
        found.append(Target(aid, f"self-check check({bench.check_question!r}) < {CHECK_TARGET:g} s",
                            f"{bench.check_seconds:.2f} s", bench.check_seconds < CHECK_TARGET))
    return found


def targets_table(results: list[AssignmentBench], workers: int) -> Table:
    table = Table(title="Targets (a report, not a test)")
    for column in ("assignment", "target", "measured", ""):
        table.add_column(column)
    for bench in results:
        for t in targets(bench, workers):
            verdict = {True: "[green]PASS[/green]", False: "[red]MISS[/red]",
                       None: "[yellow]n/a[/yellow]"}[t.passed]
            table.add_row(t.assignment, t.name, t.value, verdict)
        table.add_section()
    return table


def print_report(console: Console, results: list[AssignmentBench], workers: int,
                 notes: list[str]) -> None:
    for bench in results:
        console.print(numbers_table(bench))
        for line in one_time_costs(bench):
            console.print(f"  one-time: {line}")
        for note in bench.notes:
            console.print(f"  [yellow]{note}[/yellow]")
        console.print()
    console.print(targets_table(results, workers))
    for note in notes:
        console.print(f"- {note}")
