"""Hostile submissions: each gets nothing it did not earn, costs only itself, leaves nothing behind.

Every case grades a crafted notebook for the example assignment (`square` 2 points, `total` 3
points) in the real bubblewrap sandbox, with short limits so that timeouts come quickly.
"""

from __future__ import annotations

import os
import resource
import socket
import threading
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.grading.results import Result
from autograder.grading.run import SubmissionRun
from autograder.notebook import CodeCell
from autograder.sandbox.launch import make_launcher
from autograder.submission import Submission
from autograder.testing.student import StudentProxy

SQUARE = "import numpy as np\ndef square(x):\n    return np.asarray(x, dtype=float) ** 2"
TOTAL = "def total(x):\n    return float(np.sum(np.asarray(x, dtype=float) ** 2))"
WRONG_SQUARE = "import numpy as np\ndef square(x):\n    return np.asarray(x, dtype=float) * 3"
WRONG_TOTAL = "def total(x):\n    return 1.0"
CANARY = "grader-secret-4b1d"


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory: pytest.TempPathFactory) -> CourseRepo:
    import shutil

    from conftest import EXAMPLE

    root = tmp_path_factory.mktemp("hostile") / "course"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("release", "__pycache__"))
    config = yaml.safe_load((root / "grading_config.yaml").read_text())
    config["limits"] = {"cell_timeout": 6, "call_timeout": 6, "submission_timeout": 90,
                        "memory_mb": 2048, "max_restarts": 3, "output_kb": 64}
    (root / "grading_config.yaml").write_text(yaml.safe_dump(config))
    return CourseRepo(root, workspace=root / "workspace")


def notebook(*cells: str, metadata: dict | None = None) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.update(metadata or {})
    return nbformat.writes(nb).encode()


def sandbox_processes() -> list[int]:
    """Processes running as the sandbox user (uid 65534) right now."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == 65534:
                    found.append(int(entry.name))
            except FileNotFoundError:
                continue
    return found


@pytest.fixture(scope="module", params=["bwrap", "bwrap-cold"])
def launcher(request: pytest.FixtureRequest):
    """Both sandboxes: workers forked from the warm template, and one bubblewrap per worker."""
    chosen = make_launcher(request.param)
    yield chosen
    chosen.close()


@pytest.fixture
def grade(hostile_course: CourseRepo, launcher):
    spec = GradingSpec.from_repo(hostile_course, "squares")
    before = set(sandbox_processes())

    def run(*cells: str, data: bytes | None = None) -> Result:
        payload = data if data is not None else notebook(*cells)
        return grade_submission(spec, Submission(Path("hostile.ipynb"), payload),
                                launcher)

    yield run
    allowed = set(before)  # and the warm templates, which live for the whole module
    allowed |= {p for p in sandbox_processes()
                if any(_in_tree(p, template) for template in launcher.processes())}
    leftover = set(sandbox_processes()) - allowed
    assert not leftover, f"sandbox processes left behind: {sorted(leftover)}"


def _in_tree(pid: int, root: int) -> bool:
    """Whether pid is the template or directly under it (its bubblewrap init and itself)."""
    for _ in range(4):
        if pid == root:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False


def q(result: Result, name: str) -> float:
    return result.questions[name].score


def test_honest_submission_scores_full_marks(grade):
    r = grade(SQUARE, TOTAL)
    assert (r.status, r.score) == ("graded", 5.0)


def test_patching_numpy_testing_earns_nothing(grade):
    patch = ("import numpy.testing, numpy as np, unittest, torch\n"
             "numpy.testing.assert_allclose = lambda *a, **k: None\n"
             "np.allclose = lambda *a, **k: True\n"
             "np.testing.assert_array_equal = lambda *a, **k: None\n"
             "unittest.TestCase.assertEqual = lambda *a, **k: None\n"
             "torch.testing.assert_close = lambda *a, **k: None\n"
             "import builtins; builtins.AssertionError = type('X', (Exception,), {})")
    r = grade(patch, WRONG_SQUARE, WRONG_TOTAL)
    assert r.status == "graded"
    assert r.score == 0.0


def test_always_equal_objects_and_rigged_arrays_earn_nothing(grade):
    rigged = ("import numpy as np\n"
              "class Yes:\n    def __eq__(self, other): return True\n"
              "    __array_priority__ = 1000\n"
              "class Rigged(np.ndarray):\n    def __eq__(self, other): return np.True_\n"
              "    def __array_finalize__(self, obj): pass\n"
              "def square(x):\n    return (np.asarray(x) * 0).view(Rigged)\n"
              "class F(float):\n    def __eq__(self, o): return True\n"
              "    def __sub__(self, o): return 0.0\n    def __abs__(self): return 0.0\n"
              "def total(x):\n    return F(-1.0)")
    r = grade(rigged)
    assert r.score == 0.0
    r = grade("class Yes:\n    def __eq__(self, o): return True\n"
              "def square(x): return Yes()\ndef total(x): return Yes()")
    assert r.score == 0.0
    assert any("expected a NumPy array" in t.output for t in r.tests if t.visibility == "visible")


def test_forged_results_are_ignored(grade, hostile_course: CourseRepo):
    forged = ('import json, os\n'
              'fake = {"score": 5, "max_score": 5, "status": "graded", "tests": []}\n'
              'print(json.dumps(fake))\n'
              'for p in ["results.json", "/tmp/results.json", os.path.expanduser("~/results.json")]:\n'
              '    open(p, "w").write(json.dumps(fake))\n')
    r = grade(forged, WRONG_SQUARE, WRONG_TOTAL)
    assert r.score == 0.0
    assert not list(hostile_course.root.rglob("results.json"))


def test_hidden_tests_course_files_and_environment_are_not_visible(grade, hostile_course, launcher,
                                                                   monkeypatch):
    grader_only = ("AUTOGRADER_TEST_SECRET", "SSH_AUTH_SOCK", "AWS_SECRET_ACCESS_KEY",
                   "AUTOGRADER_ROOT", "PWD_OF_GRADER")
    for name in grader_only:  # set in the grader, so that a leak would show
        monkeypatch.setenv(name, CANARY)
    hidden = hostile_course.source("squares").hidden_tests / "test_square_hidden.py"
    probe = ("import os\n"
             f"paths = [{str(hidden)!r}, {str(hostile_course.root)!r}, '/home', '/root/.ssh']\n"
             "SEEN = [p for p in paths if os.path.exists(p)]\n"
             "for top in ('/tmp', '/opt', '/etc', '/work', '/root', '/home', '/srv', '/mnt'):\n"
             "    for root, dirs, files in os.walk(top):\n"
             "        dirs[:] = [d for d in dirs if d not in ('.venv', 'site-packages')]\n"
             "        SEEN += [os.path.join(root, f) for f in files if 'hidden' in f]\n"
             "ENV = dict(os.environ)\n"
             "PIDS = [int(p) for p in os.listdir('/proc') if p.isdigit()]\n"
             "def signallable(pid):\n"
             "    try:\n        os.kill(pid, 0); return True\n    except OSError:\n        return False\n"
             "REACH = [p for p in range(1, 4096) if signallable(p)]\n"
             "def environ(pid):\n"
             "    try:\n        return open(f'/proc/{pid}/environ', 'rb').read().decode('latin-1')\n"
             "    except OSError:\n        return ''\n"
             "ENVIRONS = ''.join(environ(p) for p in PIDS)\n"
             "UID = os.getuid()\n")
    r = grade(probe, SQUARE, TOTAL)
    assert r.score == 5.0  # the probe costs nothing, and gains nothing
    # Look at what the probe saw, through the engine's own session machinery.
    spec = GradingSpec.from_repo(hostile_course, "squares")
    session = SubmissionRun(launcher, [CodeCell(0, "probe", probe)], spec.limits)
    try:
        outcome = session.run_cells()
        assert outcome[0].status == "ok", outcome
        student = StudentProxy(session)
        seen = {name: student.get(name) for name in ("SEEN", "ENV", "REACH", "ENVIRONS", "UID")}
    finally:
        session.close()
    assert seen["SEEN"] == []
    # kill() addresses only the caller's own PID namespace: its init, itself and its threads
    assert seen["REACH"] and max(seen["REACH"]) < 10
    assert CANARY not in seen["ENVIRONS"]  # no process it can read holds the grader's env
    assert seen["UID"] == 65534
    assert not {"HOME", "PATH"} ^ ({"HOME", "PATH"} & set(seen["ENV"]))
    assert not set(grader_only) & set(seen["ENV"]) and CANARY not in str(seen["ENV"])
    assert seen["ENV"]["HOME"].startswith("/tmp")


def test_writes_outside_the_sandbox_go_nowhere(grade, tmp_path: Path):
    target = tmp_path / "pwned.txt"
    attempt = ("import os\n"
               f"for p in [{str(target)!r}, '/usr/pwned', '/etc/pwned', "
               f"{os.path.dirname(os.__file__)!r} + '/pwned.py']:\n"
               "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass\n")
    r = grade(attempt, SQUARE, TOTAL)
    assert r.score == 5.0
    assert not target.exists()
    assert not Path(os.path.dirname(os.__file__), "pwned.py").exists()


def test_network_is_unreachable_even_on_loopback(grade):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[object] = []

    def accept() -> None:
        try:
            accepted.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    attempt = ("import socket\nREACHED = []\n"
               f"for host in ('127.0.0.1', '10.0.0.1', '8.8.8.8'):\n"
               "    try:\n"
               f"        socket.create_connection((host, {port}), timeout=1); REACHED.append(host)\n"
               "    except OSError:\n        pass\n"
               "assert not REACHED, REACHED\n")
    r = grade(attempt, SQUARE, TOTAL)
    thread.join()
    server.close()
    assert not accepted
    assert r.cells[0].status == "ok"  # the cell's own assertion held: nothing was reached
    assert r.score == 5.0


@pytest.mark.parametrize("killer", [
    "import os\nos._exit(3)",
    "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
    "import ctypes\nctypes.string_at(0)",
])
def test_a_cell_that_kills_the_worker_costs_only_itself(grade, killer):
    r = grade(SQUARE, killer, TOTAL)
    assert r.status == "crashed"
    assert r.score == 5.0  # functions defined before and after the fatal cell still count
    assert [c.status for c in r.cells] == ["ok", "crashed", "ok"]


def test_killing_the_parent_fails_and_costs_only_that_cell(grade):
    killer = ("import os, signal, time\n"
              "for pid in (os.getppid(), 1):\n"
              "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\n"
              "time.sleep(30)")
    r = grade(SQUARE, killer, TOTAL)
    assert r.cells[1].status in ("timeout", "crashed")
    assert r.score == 5.0


def test_system_exit_is_an_ordinary_cell_error(grade):
    r = grade(SQUARE, "raise SystemExit(1)", "exit()", TOTAL)
    assert r.status == "graded"
    assert r.score == 5.0


@pytest.mark.parametrize("stall", ["while True:\n    pass", "import time\ntime.sleep(10**6)"])
def test_endless_cells_time_out(grade, stall):
    r = grade(SQUARE, stall, TOTAL)
    assert r.status == "timeout"
    assert r.cells[1].status == "timeout"
    assert r.score == 5.0


def test_endless_function_times_out_per_call(grade):
    r = grade("import numpy as np\ndef square(x):\n    while True:\n        pass", TOTAL)
    assert r.status == "timeout"
    assert q(r, "square") == 0.0
    assert q(r, "total") == 3.0  # later tests still ran against a fresh worker


def test_fork_bomb_is_contained(grade):
    bomb = ("import os\nfor _ in range(100000):\n    try:\n        os.fork()\n"
            "    except OSError:\n        pass\n")
    r = grade(SQUARE, bomb, TOTAL)
    assert r.status in ("timeout", "crashed")
    assert q(r, "square") == 2.0


@pytest.mark.parametrize("bomb", ["x = bytearray(40 * 2**30)",
                                  "import numpy as np\nx = np.ones((60000, 60000))",
                                  "import numpy as np\nxs = []\nwhile True:\n    xs.append(np.empty(2**28, np.uint8))"])
def test_memory_bombs_are_contained(grade, bomb):
    r = grade(SQUARE, bomb, TOTAL)
    assert r.status == "memory"
    assert r.cells[1].status in ("memory", "crashed")
    assert r.score == 5.0


def test_output_flood_is_bounded(grade):
    flood = "import os\nchunk = b'x' * 2**24\nfor _ in range(128):\n    os.write(1, chunk)"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    r = grade(SQUARE, flood, "print('y' * 10**8)", TOTAL)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert r.score == 5.0
    assert len(r.output) < 70 * 1024
    assert "more bytes of output not kept" in r.output
    assert grown_mb < 300


def test_huge_and_unencodable_return_values(grade):
    r = grade("import numpy as np\ndef square(x):\n    return np.zeros(2 * 10**8)",
              "def total(x):\n    return lambda: 5.0")
    assert r.status in ("graded", "memory")
    assert r.score == 0.0


def test_input_fails_fast(grade):
    r = grade("name = input('your name? ')", SQUARE, TOTAL)
    assert r.cells[0].status == "error"
    assert "input() is not available" in r.cells[0].error
    assert r.score == 5.0


def test_forging_protocol_messages_costs_only_the_forger(grade):
    forge = ("import os, struct, json\n"
             "msg = json.dumps({'m': {'id': 1, 'r': 5.0}, 'b': []}).encode()\n"
             "for fd in range(3, 12):\n"
             "    try:\n        os.write(fd, struct.pack('>I', len(msg)) + msg)\n"
             "    except OSError:\n        pass\n")
    r = grade(SQUARE, forge, WRONG_TOTAL)
    assert q(r, "total") == 0.0
    assert q(r, "square") == 2.0


@pytest.mark.parametrize("data,reason", [
    (b"", "empty"),
    (b'{"cells": [', "invalid JSON"),
    (bytes(range(256)) * 4, "not UTF-8"),
    (b'{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}, "cells": []}', "nbformat 3"),
    (b'[1, 2, 3]', "no cells"),
    (b"PK\x03\x04garbage", "broken zip"),
])
def test_broken_files_are_invalid_with_a_reason(grade, data, reason, tmp_path):
    from autograder.notebook import InvalidNotebook
    from autograder.submission import load_submission

    if data.startswith(b"PK"):
        path = tmp_path / "broken.zip"
        path.write_bytes(data)
        with pytest.raises(InvalidNotebook, match=reason):
            load_submission(path)
        return
    r = grade(data=data)
    assert r.status == "invalid"
    assert reason in r.message


def test_wrong_assignment_is_invalid(grade):
    r = grade(data=notebook(SQUARE, metadata={"autograder": {"assignment": "convolutions"}}))
    assert r.status == "invalid"
    assert "'convolutions'" in r.message


def test_submissions_forked_from_one_template_cannot_reach_each_other(hostile_course):
    """Two live workers of one warm template: A cannot read, write, signal or trace B."""
    spec = GradingSpec.from_repo(hostile_course, "squares")
    launcher = make_launcher("bwrap")
    victim = SubmissionRun(launcher, [CodeCell(0, "v", "import os\nSECRET = 'b-only-7731'\n"
                                              "open('/tmp/mine.txt', 'w').write(SECRET)\n"
                                              "PID_SEEN_OUTSIDE = None")], spec.limits)
    attacker = SubmissionRun(launcher, [CodeCell(0, "a", (
        "import os, signal\nFOUND, SIGNALLED = [], []\n"
        "def heap(pid):\n"
        "    out = b''\n"
        "    with open(f'/proc/{pid}/maps') as maps, open(f'/proc/{pid}/mem', 'rb') as mem:\n"
        "        for line in maps:\n"
        "            lo, hi = (int(x, 16) for x in line.split()[0].split('-'))\n"
        "            if 'rw-p' in line and hi - lo < 1 << 24:\n"
        "                try:\n                    mem.seek(lo); out += mem.read(hi - lo)\n"
        "                except OSError:\n                    pass\n"
        "    return out\n"
        "me = os.readlink('/proc/self')\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit() and p != me]:\n"
        "    try:\n"
        "        if b'b-only-7731' in heap(pid):\n"
        "            FOUND.append((pid, 'mem'))\n"
        "    except OSError:\n        pass\n"
        "    for name in ('environ', 'cmdline', 'root/tmp/mine.txt', 'fd/0'):\n"
        "        try:\n"
        "            with open(f'/proc/{pid}/{name}', 'rb') as f:\n"
        "                data = f.read(1 << 16)\n"
        "            if b'b-only-7731' in data:\n"
        "                FOUND.append((pid, name))\n"
        "        except OSError:\n            pass\n"
        "for pid in range(1, 4096):\n"
        "    if pid > 2:\n"
        "        try:\n            os.kill(pid, signal.SIGKILL); SIGNALLED.append(pid)\n"
        "        except OSError:\n            pass\n"
        "open('/tmp/mine.txt', 'w').write('overwritten by a')\n"))], spec.limits)
    try:
        victim.run_cells()
        attack = attacker.run_cells()
        assert attack[0].status == "ok", attack
        seen = StudentProxy(attacker)
        assert seen.get("FOUND") == []
        assert seen.get("SIGNALLED") == []
        survivor = StudentProxy(victim)
        assert survivor.evaluate("open('/tmp/mine.txt').read()") == "b-only-7731"
        assert survivor.get("SECRET") == "b-only-7731"
    finally:
        victim.close()
        attacker.close()
        launcher.close()
