"""Uploads graded in the background by the batch engine, one student at a time.

Each job is `autograder grade-all <id> --student <student>` in its own process: the same engine,
canary and sandbox as the TA's batch, and whatever a submission does (or the grader suffers)
stays out of the web server's process. Jobs wait in a queue served by one thread, so the web app
adds at most one grading batch to the machine; a restarted server requeues what is ungraded.
"""

from __future__ import annotations

import logging
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from ..config import GradingConfig
from ..gradebook.store import latest_submissions
from .uploads import TIME_SOURCE

log = logging.getLogger("autograder.web")
BUSY = "grade-all is already running on this workspace"  # batch/lock.py's refusal
BUSY_WAIT = 10.0


@dataclass
class GradingQueue:
    """Uploads waiting to be graded, one student at a time, by `grade-all` in a child process."""

    root: Path  # the course repository
    workspace: Path
    db_url: str | None = None  # None: the child resolves it as the server did ($AUTOGRADER_DB)
    sandbox: str = "bwrap"
    timeout: float = 3600.0
    jobs: queue.Queue = field(default_factory=queue.Queue)
    waiting: set[tuple[str, str]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    thread: threading.Thread | None = None

    def enqueue(self, assignment_id: str, student_id: str) -> None:
        with self.lock:
            if (assignment_id, student_id) in self.waiting:
                return
            self.waiting.add((assignment_id, student_id))
            if self.thread is None:
                self.thread = threading.Thread(target=self._serve, name="grading", daemon=True)
                self.thread.start()
        self.jobs.put((assignment_id, student_id))

    def resume(self, sessions: sessionmaker[Session], config: GradingConfig) -> int:
        """Queue the uploads a previous run of the server left ungraded; returns how many."""
        waiting = []
        with sessions() as session:
            for aid in config.assignments:
                for sid, row in latest_submissions(session, aid).items():
                    if row.result is None and row.time_source == TIME_SOURCE:
                        waiting.append((aid, sid))
        for aid, sid in waiting:
            self.enqueue(aid, sid)
        return len(waiting)

    def pending(self, assignment_id: str, student_id: str) -> bool:
        with self.lock:
            return (assignment_id, student_id) in self.waiting

    def command(self, assignment_id: str, student_id: str) -> list[str]:
        command = [sys.executable, "-m", "autograder.cli.main", "grade-all", assignment_id,
                   "--student", student_id, "--workers", "1", "--sandbox", self.sandbox,
                   "--reuse-canary",
                   "--workspace", str(self.workspace)]
        return command + (["--db", self.db_url] if self.db_url else [])

    def _serve(self) -> None:
        while True:
            assignment_id, student_id = self.jobs.get()
            try:
                self._grade(assignment_id, student_id)
            finally:
                with self.lock:
                    self.waiting.discard((assignment_id, student_id))

    def _grade(self, assignment_id: str, student_id: str) -> None:
        """Run the batch for one student; while a TA's grade-all holds the workspace, wait; a
        batch that crashed (not a refusal, exit 2) is tried once more: never the student's fault."""
        env = {**os.environ, "AUTOGRADER_ROOT": str(self.root)}
        deadline = time.monotonic() + self.timeout
        crashes = 0
        while True:
            try:
                done = subprocess.run(self.command(assignment_id, student_id), cwd=self.root,
                                      env=env, capture_output=True, text=True, check=False,
                                      timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("grading %s/%s took over %.0f s; left ungraded", assignment_id,
                          student_id, self.timeout)
                return
            crashed = done.returncode not in (0, 2)
            if time.monotonic() + BUSY_WAIT > deadline or not (
                    BUSY in done.stderr or (crashed and crashes == 0)):
                break
            crashes += crashed
            time.sleep(BUSY_WAIT)
        if done.returncode != 0:
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            last = said[-1] if said else "(no message)"
            log.error("grading %s/%s failed (exit %d): %s", assignment_id, student_id,
                      done.returncode, last)
