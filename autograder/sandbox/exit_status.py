"""A forked worker's end, passed up as one exit status by the init process of its namespace.

In the warm template (template.py) each worker is the child of its namespace's PID 1, and only
that init's exit status reaches the grader (template_launcher.py). init passes the worker's end
on: an exit code as it is, a death by signal n as 128 + n (the shells' convention), and
`INIT_FAILED` when init itself failed before the worker could run.
"""

from __future__ import annotations

SIGNAL_BASE = 128
INIT_FAILED = 71  # EX_OSERR of BSD's sysexits.h: an operating-system error, not the student's


def pass_on(code: int) -> int:
    """init's exit status for the worker's `os.waitstatus_to_exitcode` (negative: a signal)."""
    return SIGNAL_BASE - code if code < 0 else code


def worker_code(status: int | None) -> int | None:
    """The worker's end back from init's exit status, negative for a signal as Popen has it."""
    return -(status - SIGNAL_BASE) if status is not None and status > SIGNAL_BASE else status
