"""The Dask executor: grading on a Dask cluster, when one machine is not enough.

Scheduling, worker loss and retries are Dask's: a task whose worker dies is rescheduled on
another worker, and after `distributed.scheduler.allowed-failures` deaths it fails with
KilledWorker, which the engine records as a grader-error (never the student's doing).

Each worker keeps one `Grader` (a worker plugin), so its warm sandbox template is started once
and reused for every submission it grades. The assignment's trusted bundle is scattered once to
the workers under its content hash and unpacked into each worker's own cache folder: a worker
needs only the installed package and bubblewrap, no shared file system. Workers hold the hidden
tests: run them on trusted machines only. Submissions go out as bytes, results come back as
JSON text; only the coordinator writes the gradebook. A batch that stops at once on a cluster
it does not own ends its running gradings on their workers (`stop_running`): Dask's cancel alone
would let them run to the end.
"""

from __future__ import annotations

import contextlib
import logging
import os

from distributed import Client, Future, KilledWorker, LocalCluster, WorkerPlugin, get_worker

from ..errors import UserError
from .bundle import Bundle
from .executor import Done, Task, future_outcome
from .grader import Grader

PLUGIN = "autograder-grader"


class GraderPlugin(WorkerPlugin):
    """Gives each worker its own long-lived grader (warm template included)."""

    name = PLUGIN

    def __init__(self, sandbox: str) -> None:
        self.sandbox = sandbox
        self.grader: Grader | None = None
        self.running: object = None  # the key of the Dask task being graded, if any

    def setup(self, worker) -> None:
        """The grader. Dask's event loop runs in another thread of the worker process: a
        grading shortens the interpreter lock's switch interval for that (grading/grade.py)."""
        self.grader = Grader(self.sandbox)

    def teardown(self, worker) -> None:
        if self.grader is not None:
            self.grader.close()


def grade_on_worker(task: Task, bundle_sha: str, bundle_data: bytes) -> str:
    worker = get_worker()
    plugin = worker.plugins[PLUGIN]
    assert isinstance(plugin, GraderPlugin) and plugin.grader is not None
    plugin.running = worker.get_current_task()
    try:
        return plugin.grader.grade(task, bundle_sha, bundle_data)
    finally:
        plugin.running = None


def stop_running(keys: list, dask_worker) -> bool:
    """Run on every worker by a batch that stops at once: if this worker is grading one of the
    batch's tasks, end it (Dask's cancel only forgets a task that is running)."""
    plugin = dask_worker.plugins.get(PLUGIN)
    if not isinstance(plugin, GraderPlugin) or plugin.grader is None or plugin.running not in keys:
        return False
    plugin.grader.interrupt()
    return True


class DaskExecutor:
    """`address` of a running scheduler, or "local" for a LocalCluster of `workers` processes
    (one thread each: pytest is not thread-safe)."""

    def __init__(self, address: str, sandbox: str, workers: int | None = None) -> None:
        self.address = address
        self.sandbox = sandbox
        self.workers = workers
        self.cluster: LocalCluster | None = None
        self.client: Client | None = None
        self.bundle: Future | None = None
        self.bundle_sha = ""
        self.futures: set[Future] = set()

    def _connect(self) -> Client:
        if self.address == "local":
            self.cluster = LocalCluster(n_workers=self.workers or os.cpu_count() or 1,
                                        threads_per_worker=1, processes=True,
                                        dashboard_address=None, memory_limit=0,
                                        silence_logs=logging.ERROR)
            return Client(self.cluster)
        try:
            return Client(self.address, timeout=30)
        except OSError as exc:
            raise UserError(f"--dask {self.address}: cannot reach the scheduler ({exc})") from None

    def start(self, bundle: Bundle) -> int:
        self.client = self._connect()
        self.client.register_plugin(GraderPlugin(self.sandbox), name=PLUGIN)
        self.bundle_sha = bundle.sha256
        scattered = self.client.scatter({f"autograder-bundle-{bundle.sha256}": bundle.data},
                                        broadcast=True, hash=False)
        self.bundle = scattered[f"autograder-bundle-{bundle.sha256}"]
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, task: Task, done: Done) -> None:
        assert self.client is not None, "start() first"
        future = self.client.submit(grade_on_worker, task, self.bundle_sha, self.bundle,
                                    pure=False)
        self.futures.add(future)

        def report(f: Future) -> None:
            self.futures.discard(f)
            done(task, future_outcome(f, KilledWorker, "Dask workers died while grading it",
                                      final=True))

        future.add_done_callback(report)

    def close(self, now: bool) -> None:
        if self.client is None:
            return
        with contextlib.suppress(Exception):  # the cluster may be gone already
            futures = list(self.futures)
            if now and futures and self.cluster is None:  # a cluster that outlives this batch
                self.client.run(stop_running, [f.key for f in futures])
            self.client.cancel(futures)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None
