"""The warm template forks each next worker while the current one runs (its start then costs no
time), and a spare is handed out only as a fresh, living worker with the limits asked for."""

from __future__ import annotations

import time

import pytest

from autograder.sandbox.codec import decode, encode
from autograder.sandbox.kinds import make_launcher
from autograder.sandbox.launch import ResourceLimits
from autograder.sandbox.process import OutputSink, WorkerProcess
from autograder.sandbox.template_launcher import TemplateLauncher, TemplatePool

LIMITS = ResourceLimits(2 << 30)


@pytest.fixture
def pool():
    launcher = make_launcher("bwrap")
    assert isinstance(launcher, TemplatePool)
    yield launcher
    launcher.close()


def _started(pool: TemplatePool, limits: ResourceLimits = LIMITS) -> WorkerProcess:
    worker = WorkerProcess(pool, limits, OutputSink(1 << 16))
    worker.start()
    return worker


def _template(pool: TemplatePool) -> TemplateLauncher:
    (template,) = pool.templates.values()
    return template


def _token(worker: WorkerProcess) -> int:
    return worker.spawned.token  # type: ignore[union-attr]


def _answers(worker: WorkerProcess) -> bool:
    return worker.request("ping", encode({}), 30, None, decode) == "pong"


def test_the_next_worker_is_forked_while_one_runs(pool: TemplatePool) -> None:
    first = _started(pool)
    spare = _template(pool).spare
    assert spare is not None and spare.token != _token(first)
    second = _started(pool)
    assert _token(second) == spare.token
    assert _answers(first) and _answers(second)  # two workers, each its own
    for worker in (first, second):
        worker.kill()


def test_a_spare_that_died_waiting_is_not_handed_out(pool: TemplatePool) -> None:
    """As when the OOM killer picks it: the student must get a living worker, not a dead one
    whose end would read as their crash."""
    _started(pool).kill()
    template = _template(pool)
    dead = template.spare
    assert dead is not None
    template.kill_soon(dead.token)  # the template reports its end; nobody reads it yet
    time.sleep(1.0)
    worker = _started(pool)
    assert _token(worker) != dead.token
    assert _answers(worker)
    worker.kill()


def test_a_spare_made_for_other_limits_is_not_handed_out(pool: TemplatePool) -> None:
    _started(pool).kill()
    spare = _template(pool).spare
    assert spare is not None
    worker = _started(pool, ResourceLimits(1 << 30))
    assert _token(worker) != spare.token
    assert _answers(worker)
    worker.kill()


FILL = """
import os, time
while True:
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
    except OSError:
        break
"""


def test_a_spare_the_running_submission_left_no_room_for_costs_nothing(pool: TemplatePool) -> None:
    """The spare is forked while another submission runs, which may hold every process the
    limit allows: the template lives on, and the next student gets a fresh fork."""
    hog = _started(pool)
    template = _template(pool)
    if template.cgroup is None:
        pytest.skip("no pids cgroup here (not root): each worker has its own RLIMIT_NPROC")
    started = template.proc.pid if template.proc is not None else None
    reply = hog.request("run_cell", encode({"source": FILL, "answer": None}), 120, None, decode)
    assert reply["ok"], reply
    second = _started(pool)  # the spare forked before the fill; the one after it finds no room
    failed = template.spare
    assert failed is not None and _answers(second)
    for worker in (hog, second):
        worker.kill()
    third = _started(pool)
    assert _token(third) != failed.token
    assert _answers(third)
    assert template.proc is not None and template.proc.pid == started  # never restarted
    assert template.template_alive()
    third.kill()
