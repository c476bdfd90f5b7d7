"""The warm template forks each next worker while the current one runs (its start then costs no
time), and a spare is handed out only as a fresh, living worker with the limits asked for."""

from __future__ import annotations

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
    template.kill(dead.token)  # waits for the template to report its end
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
