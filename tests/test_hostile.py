"""Hostile submissions: each gets nothing it did not earn, costs only itself, leaves nothing behind.

Every case grades a crafted notebook for the example assignment (`square` 2 points, `total` 3
points) in the real bubblewrap sandbox, with short limits so that timeouts come quickly.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import resource
import signal
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.grading.results import Result
from autograder.grading.run import SubmissionRun
from autograder.notebook import CodeCell
from autograder.sandbox.kinds import make_launcher
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
    """Live processes inside a sandbox right now: in another PID namespace than this one
    (bubblewrap gives each its own), or running as the sandbox user (uid 65534). Both, because as
    root the sandbox's uid 65534 is host uid 0 and the uid alone finds nothing. Zombies are dead
    (a cold sandbox's bubblewrap waits a moment for the machine's init to reap it)."""
    ours = os.readlink("/proc/self/ns/pid")
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                inside = entry.stat().st_uid == 65534 or os.readlink(entry / "ns" / "pid") != ours
                if inside and state != "Z":
                    found.append(int(entry.name))
            except OSError:  # gone, a zombie, or another user's process we may not inspect
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
    leftover = sandbox_leftovers(before, launcher)
    assert not leftover, leftover_report(leftover, launcher)


def sandbox_leftovers(before: set[int], launcher) -> set[int]:
    """Sandbox processes that should be gone: new since `before`, and not a warm template (which
    lives for the whole module) or what sits directly under it. A template's spare (the next
    worker, forked ahead; it has run nothing) is taken and ended first, so that it is not
    counted and nothing else can hide behind it."""
    for template in getattr(launcher, "templates", {}).values():
        spare = template._take_spare(template.spare.request) if template.spare else None
        if spare is not None:
            spare.kill()  # waits for its end
            spare.close()
    return {p for p in set(sandbox_processes()) - before
            if not any(_in_tree(p, template) for template in launcher.processes())}


def leftover_report(leftover: set[int], launcher) -> str:
    """What each leftover is (state, parent, command line) and whether it is still there two
    seconds later: enough to tell a slow death from a lost worker when the check fails on CI."""
    seen = {pid: _describe(pid) for pid in sorted(leftover)}
    time.sleep(2)
    lines = [f"  {pid}: {text}; after 2 s: {'still there' if _describe(pid) else 'gone'}"
             for pid, text in seen.items()]
    return (f"sandbox processes left behind: {sorted(leftover)} (templates: "
            f"{getattr(launcher, 'processes', list)()})\n" + "\n".join(lines))


def _describe(pid: int) -> str:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:120]
    except OSError:
        return ""
    return f"state {fields[0]}, parent {fields[1]}, {command.decode(errors='replace')}"


def _in_tree(pid: int, root: int) -> bool:
    """Whether pid is the template or directly under it (its bubblewrap init and itself, and a
    worker's init)."""
    for _ in range(4):
        if pid == root:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])
    return False


def test_the_leftover_check_sees_a_running_sandbox(hostile_course, launcher):
    """The check every `grade` test ends with can fail: a live worker is found by it."""
    before = set(sandbox_processes())
    run, _ = live_run(launcher, GradingSpec.from_repo(hostile_course, "squares"), "x = 1")
    try:
        assert sandbox_leftovers(before, launcher)  # also beside a warm template's spare
    finally:
        run.close()


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
    session, student = live_run(launcher, spec, probe)
    try:
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


FORK_AND_WAIT = ("import os, time\npids = []\nfor _ in range(1000):\n    try:\n"
                 "        pid = os.fork()\n    except OSError:\n        break\n"
                 "    if pid == 0:\n        time.sleep(60)\n        os._exit(0)\n"
                 "    pids.append(pid)\nFORKED = len(pids)\n")


def test_the_process_limit_holds_whoever_runs_the_grader(hostile_course, launcher):
    """A submission gets at most the process limit: as root, where RLIMIT_NPROC does not apply
    (the sandbox user is host uid 0), a pids cgroup per sandbox holds it (pids_cgroup.py)."""
    from autograder.sandbox.launch import OWN_PROCESSES, ResourceLimits

    run, seen = live_run(launcher, GradingSpec.from_repo(hostile_course, "squares"), FORK_AND_WAIT)
    try:
        assert 0 < seen.get("FORKED") <= ResourceLimits(0).max_processes + OWN_PROCESSES
    finally:
        run.close()


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


# -- nothing crosses between submissions ----------------------------------------------------------

IPC_KEY = 0x5EED1
MARK = "xsub-mark"
LIBC = "import ctypes, os, socket\nlibc = ctypes.CDLL(None, use_errno=True)\n"
WALK = ("def walk():\n"
        "    for root, dirs, files in os.walk('/'):\n"
        "        if root == '/':\n"
        "            dirs[:] = [d for d in dirs if d not in ('proc', 'sys')]\n"
        "        yield root, files\n")
LEAVE_TRACES = LIBC + WALK + (
    f"MARK, KEY = {MARK!r}, {IPC_KEY}\n"
    "WRITABLE = []\n"
    "for root, _ in walk():\n"
    "    try:\n"
    "        with open(os.path.join(root, MARK), 'w') as f:\n"
    "            f.write(MARK)\n"
    "        WRITABLE.append(root)\n"
    "    except OSError:\n"
    "        pass\n"
    "shm = libc.shmget(KEY, 1 << 20, 0o1666)\n"
    "if shm >= 0:\n"
    "    libc.shmat.restype = ctypes.c_void_p\n"
    "    ctypes.memmove(libc.shmat(shm, None, 0), MARK.encode(), len(MARK))\n"
    "CREATED = {'sysv shm': shm >= 0, 'sysv msg': libc.msgget(KEY, 0o1666) >= 0,\n"
    "           'sysv sem': libc.semget(KEY, 1, 0o1666) >= 0,\n"
    "           'mqueue': libc.mq_open(b'/' + MARK.encode(), os.O_CREAT | os.O_RDWR, 0o666,\n"
    "                                  None) >= 0}\n"
    "LISTENING = []\n"
    "for address in ('\\0' + MARK, '/tmp/' + MARK + '.sock', '/dev/shm/' + MARK + '.sock'):\n"
    "    s = socket.socket(socket.AF_UNIX)\n"
    "    try:\n"
    "        s.bind(address); s.listen(); LISTENING.append(s)\n"
    "    except OSError:\n"
    "        pass\n"
    "try:\n"
    "    tcp = socket.socket(); tcp.bind(('127.0.0.1', 47123)); tcp.listen(); LISTENING.append(tcp)\n"
    "except OSError:\n"
    "    pass\n"
    "LISTENING_COUNT = len(LISTENING)\n")
LOOK_FOR_TRACES = LIBC + WALK + (
    f"MARK, KEY = {MARK!r}, {IPC_KEY}\n"
    "FOUND = [os.path.join(root, f) for root, files in walk() for f in files if MARK in f]\n"
    "for name, ok in (('sysv shm', libc.shmget(KEY, 0, 0)), ('sysv msg', libc.msgget(KEY, 0)),\n"
    "                 ('sysv sem', libc.semget(KEY, 0, 0)),\n"
    "                 ('mqueue', libc.mq_open(b'/' + MARK.encode(), os.O_RDONLY, 0, None))):\n"
    "    if ok >= 0:\n"
    "        FOUND.append(name)\n"
    "for address in ('\\0' + MARK, '/tmp/' + MARK + '.sock', '/dev/shm/' + MARK + '.sock'):\n"
    "    s = socket.socket(socket.AF_UNIX)\n"
    "    try:\n"
    "        s.connect(address); FOUND.append(address)\n"
    "    except OSError:\n"
    "        pass\n"
    "try:\n"
    "    socket.create_connection(('127.0.0.1', 47123), timeout=1); FOUND.append('tcp')\n"
    "except OSError:\n"
    "    pass\n"
    "if MARK in open('/proc/net/unix').read():\n"
    "    FOUND.append('/proc/net/unix')\n")


def live_run(launcher, spec: GradingSpec, source: str) -> tuple[SubmissionRun, StudentProxy]:
    """A submission whose one cell has run and whose worker stays alive for questions.

    The cell gets minutes, not the course's short limit: these cells walk the whole file system,
    which on a loaded CI machine takes longer than 6 s, and what they test is not timing."""
    limits = spec.limits.model_copy(update={"cell_timeout": 180, "submission_timeout": 600})
    run = SubmissionRun(launcher, [CodeCell(0, "c", source)], limits)
    outcome = run.run_cells()
    assert outcome[0].status == "ok", outcome
    return run, StudentProxy(run)


def test_nothing_crosses_between_submissions_concurrent_or_later(hostile_course, launcher):
    """A leaves traces everywhere it can write and in every IPC channel; B (alive at the same
    time, two workers at once) and C (graded after A ended) find none of them."""
    spec = GradingSpec.from_repo(hostile_course, "squares")
    writer, seen_by_writer = live_run(launcher, spec, LEAVE_TRACES)
    try:
        writable = seen_by_writer.get("WRITABLE")
        # the only writable places are the submission's own tmpfs mounts
        assert writable and all(p.startswith(("/tmp", "/dev/shm")) for p in writable), writable
        created = seen_by_writer.get("CREATED")
        assert created.pop("mqueue"), created  # in the submission's own IPC namespace
        assert not any(created.values()), created  # System V IPC is refused outright
        assert seen_by_writer.get("LISTENING_COUNT") >= 3  # abstract and path sockets listen
        concurrent, seen_by_concurrent = live_run(launcher, spec, LOOK_FOR_TRACES)
        try:
            assert seen_by_concurrent.get("FOUND") == []
        finally:
            concurrent.close()
    finally:
        writer.close()
    later, seen_later = live_run(launcher, spec, LOOK_FOR_TRACES)
    try:
        assert seen_later.get("FOUND") == []
    finally:
        later.close()


def test_shared_memory_is_bounded_and_dies_with_the_submission(hostile_course, launcher):
    """/dev/shm is the submission's own small tmpfs: filling it stops at its size, and the next
    submission finds it empty. (System V segments, whose memory no process limit counts once
    detached, cannot be created at all: see the test above.)"""
    from autograder.sandbox.launch import SHM_BYTES

    spec = GradingSpec.from_repo(hostile_course, "squares")
    filler, seen = live_run(launcher, spec, (
        "import os\nWROTE = 0\nchunk = b'x' * (1 << 24)\n"
        "try:\n"
        "    while WROTE < (1 << 30):  # files of 64 MiB: under the worker's file size limit\n"
        "        with open(f'/dev/shm/filler{WROTE}', 'wb') as f:\n"
        "            for _ in range(4):\n"
        "                f.write(chunk); f.flush(); WROTE += len(chunk)\n"
        "except OSError:\n"
        "    pass\n"))
    try:
        assert 0 < seen.get("WROTE") <= SHM_BYTES
    finally:
        filler.close()
    after, seen_after = live_run(launcher, spec, "import os\nLEFT = os.listdir('/dev/shm')")
    try:
        assert seen_after.get("LEFT") == []
    finally:
        after.close()


# -- a grader that cannot be stalled or exhausted -------------------------------------------------

def grade_within(grade, seconds: float, *cells: str, data: bytes | None = None) -> Result:
    """Grade in a thread: a grader stalled forever fails the test instead of hanging the suite."""
    results: list[Result] = []
    thread = threading.Thread(target=lambda: results.append(grade(*cells, data=data)),
                              daemon=True)
    thread.start()
    thread.join(seconds)
    assert results, f"grading did not end within {seconds} s"
    return results[0]


WORKER = ("import gc, os, struct\n"  # the running worker's class (the module is __main__ when cold)
          "W = type(next(o for o in gc.get_objects() if type(o).__name__ == 'Worker'))\n")


def test_a_worker_that_stops_reading_cannot_stall_the_grader(grade):
    """The worker never reads again; the next cell is larger than the pipe's buffer."""
    stop_reading = ("import sys, time\n"
                    "sys.modules['autograder.sandbox.channel'].Channel.recv = "
                    "lambda *a, **k: time.sleep(10**6)\n")
    big_cell = "x = 1\n" + "# padding\n" * 100_000
    r = grade_within(grade, 300, SQUARE, stop_reading, big_cell, TOTAL)
    assert r.status == "timeout"
    assert r.cells[2].status == "timeout"


def test_watchdog_ends_a_request_whatever_its_own_deadline(hostile_course, launcher):
    """At submission_timeout + margin the watchdog stops the worker, even under a request that
    was given far more time than the submission has."""
    from autograder.grading.run import _decode_plain
    from autograder.sandbox.codec import encode
    from autograder.sandbox.transport import WorkerLost

    spec = GradingSpec.from_repo(hostile_course, "squares")
    limits = spec.limits.model_copy(update={"submission_timeout": 2})
    run = SubmissionRun(launcher, [CodeCell(0, "c", "x = 1")], limits)
    try:
        run.run_cells()
        assert run.worker is not None
        with pytest.raises(WorkerLost) as lost:
            run.worker.request("run_cell", encode({"source": "import time\ntime.sleep(600)"}),
                               600, None, _decode_plain)
        assert lost.value.status == "timeout"
        assert run.expired
    finally:
        run.close()


def test_colliding_dict_keys_cannot_make_decoding_quadratic(grade):
    """A reply of 200k int keys that all hash alike (cheap to send as pairs, hours to build as a
    dict): the grader's decoder refuses it after a bounded number of such keys."""
    colliding = (WORKER + "def reply(self, request_id, value):\n"
                 "    pairs = [[k * (2**61 - 1), 0] for k in range(200_000)]\n"
                 "    self.channel.send({'id': request_id, 'r': {'$d': pairs}})\n"
                 "W.reply = reply\n")
    r = grade_within(grade, 300, SQUARE, colliding, TOTAL)
    assert r.status == "crashed"  # the reply broke the rules: the submission's doing
    assert [c.status for c in r.cells] == ["ok", "crashed", "ok"]
    assert r.score == 5.0


def test_huge_exception_type_names_are_refused(grade):
    """Type names are the student's text: bounded, never kept by the grader."""
    huge_name = (WORKER + "def reply(self, request_id, value):\n"
                 "    self.channel.send({'id': request_id, 'r': {'$e': ['E' * 10**6, 'm', '']}})\n"
                 "W.reply = reply\n")
    r = grade_within(grade, 300, SQUARE, TOTAL, huge_name)
    assert r.status == "crashed"
    assert r.score == 5.0


# -- the student cannot choose grader-error -------------------------------------------------------

MALFORMED = (WORKER + "def reply(self, request_id, value):\n"
             "    self.channel.send({'id': request_id, 'r': {'$nonsense': 1}})\n"
             "W.reply = reply\n")
OVER_DEEP = (WORKER + "def reply(self, request_id, value):\n"
             "    body = (b'{\"m\": {\"id\": %d, \"r\": ' % request_id + b'[' * 100000\n"
             "            + b']' * 100000 + b'}, \"b\": []}')\n"
             "    os.write(self.channel.write_fd, struct.pack('>I', len(body)) + body)\n"
             "W.reply = reply\n")


@pytest.mark.parametrize("breaker", [MALFORMED, OVER_DEEP], ids=["malformed", "over-deep"])
def test_a_broken_reply_is_crashed_with_points_kept(grade, breaker):
    r = grade_within(grade, 300, SQUARE, breaker, TOTAL)
    assert r.status == "crashed"
    assert [c.status for c in r.cells] == ["ok", "crashed", "ok"]
    assert r.score == 5.0


def test_a_nested_request_from_a_callback_is_crashed(hostile_course, launcher, tmp_path):
    """The student's code hands a test's callback one of its own objects; looking at it from the
    callback would ask the worker a question while it waits for the callback's answer."""
    import dataclasses

    (tmp_path / "test_callback.py").write_text(
        "from autograder.testing import question\n\n"
        "pytestmark = question('total')\n\n\n"
        "def test_callback(student):\n"
        "    assert student.apply(lambda v: v.value + 1) == 2\n")
    spec = GradingSpec.from_repo(hostile_course, "squares")
    spec = dataclasses.replace(spec, test_dirs=(*spec.test_dirs, tmp_path))
    apply = ("class Box:\n    value = 1\n"
             "def apply(f):\n    return f(Box())\n")
    r = grade_submission(spec, Submission(Path("nested.ipynb"), notebook(SQUARE, TOTAL, apply)),
                         launcher)
    assert r.status == "crashed"
    assert q(r, "square") == 2.0
    crashed = [t for t in r.tests if t.name.endswith("test_callback")]
    assert crashed and crashed[0].status == "error"


def test_a_notebook_nested_100k_levels_is_invalid_in_one_line(grade):
    r = grade(data=b"[" * 100_000 + b"]" * 100_000)
    assert r.status == "invalid"
    assert "nested too deeply" in r.message and "\n" not in r.message


RSS_PROBE = '''
import sys
from pathlib import Path
import nbformat
from autograder.course import CourseRepo
from autograder.grading.grade import GradingSpec, grade_submission
from autograder.sandbox.kinds import make_launcher
from autograder.submission import Submission

def rss(field):
    return next(int(l.split()[1]) // 1024 for l in open("/proc/self/status") if l.startswith(field))

root, n, cells = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
repo = CourseRepo(root, workspace=root / "workspace")
spec = GradingSpec.from_repo(repo, "squares")
spec = type(spec)(**{**spec.__dict__, "questions": frozenset({"total"}),
                     "limits": spec.limits.model_copy(update={"max_restarts": 0})})
launcher = make_launcher("bwrap")
marks = []
for i in range(n):
    source = cells[i % len(cells)].replace("NUMBER", str(i))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    r = grade_submission(spec, Submission(Path(f"h{i}.ipynb"), nbformat.writes(nb).encode()),
                         launcher)
    assert r.status != "grader-error", r.message
    if i + 1 in (n // 10, n):
        marks.append(rss("VmRSS:"))
launcher.close()
print(marks[0], marks[1], rss("VmHWM:"))
'''
HOSTILE_KINDS = [
    # a distinct exception type name of 4 MB in every reply to a call
    WORKER + "handle, reply = W.handle, W.reply\n"
    "def on_handle(self, op, a):\n    self.op = op\n    return handle(self, op, a)\n"
    "def on_reply(self, request_id, value):\n"
    "    if getattr(self, 'op', None) == 'call':\n"
    "        name = 'ENUMBER' + 'x' * (4 << 20)\n"
    "        self.channel.send({'id': request_id, 'r': {'$e': [name, 'm', '']}})\n"
    "    else:\n        reply(self, request_id, value)\n"
    "W.handle, W.reply = on_handle, on_reply\n",
    # 10 MB of output
    "import os\nfor _ in range(40):\n    os.write(1, b'y' * 2**18)\n",
    # 50 MB replies to every call
    "import numpy as np\ndef total(x):\n    return np.ones(50 * 2**20 // 8)\n",
]
PEAK_RSS_MB = 640  # one 50 MB reply decoded, and a grader with pytest and NumPy loaded
GROWTH_MB = 64


def test_grader_memory_is_bounded_across_200_hostile_submissions(hostile_course):
    """One grader process, real workers forked from the warm template: what a submission sends
    (huge type names, floods, large replies) is gone when it ends."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", RSS_PROBE, str(hostile_course.root), "200",
                           *HOSTILE_KINDS], capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stderr[-2000:]
    after_20, after_200, peak = (int(x) for x in done.stdout.split())
    assert peak < PEAK_RSS_MB, (after_20, after_200, peak)
    assert after_200 - after_20 < GROWTH_MB, (after_20, after_200, peak)


# -- self-check cannot hang a notebook ------------------------------------------------------------

class _Hung(Exception):
    """Raised into the main thread by the guard below when a self-check would hang the suite."""


@contextlib.contextmanager
def main_thread_guard(seconds: float):
    """Interrupt the main thread every few seconds once `seconds` have passed (old code hangs)."""
    done = threading.Event()

    def on_signal(*_: object) -> None:
        raise _Hung

    previous = signal.signal(signal.SIGUSR1, on_signal)

    def guard() -> None:
        if done.wait(seconds):
            return
        while not done.wait(2):
            _thread.interrupt_main(signal.SIGUSR1)

    thread = threading.Thread(target=guard, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        signal.signal(signal.SIGUSR1, previous)


def test_self_check_stops_at_the_first_call_that_runs_out_of_time(hostile_course, monkeypatch):
    """check_all() in the notebook: an endless `square` ends after the course's call_timeout
    (6 s here) with a clear message, and the self-check stops there."""
    from autograder.authoring.release import release
    from autograder.student.selfcheck import enable_checks

    folder = release(hostile_course, "squares")
    namespace: dict = {}
    exec("import numpy as np\ndef square(x):\n    while True:\n        pass\n" + TOTAL, namespace)
    monkeypatch.chdir(folder)
    _, check_all = enable_checks("squares", namespace=namespace)
    with main_thread_guard(120):
        report = check_all()
    timed_out = [t for t in report.tests if t.message.startswith("your code did not finish within 6 s")]
    assert len(timed_out) == 1 and timed_out[0].question == "square", report.tests
    rest = [t for t in report.tests if t not in timed_out]
    assert rest and all(t.message.startswith("not run: self-check stopped") for t in rest)


# -- a dead template is the grader's failure ------------------------------------------------------

def _template_pid() -> int:
    """The warm template's Python process under this test process (not its forks, not bwrap)."""
    def cmdline(pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            return ""

    def parent(pid: int) -> int:
        try:
            return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return 0

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parent(pid)
        return False

    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    found = [pid for pid in pids if "autograder.sandbox.template" in cmdline(pid)
             and "autograder.sandbox.template" not in cmdline(parent(pid)) and ours(pid)]
    assert len(found) == 1, found
    return found[0]


def _has_worker(template: int) -> bool:
    """Whether the template has a forked submission running (its child processes)."""
    children = Path(f"/proc/{template}/task/{template}/children")
    return bool(children.exists() and children.read_text().split())


def test_a_killed_template_is_a_grader_error_and_the_batch_goes_on(hostile_course):
    """kill -9 of the warm template (as the OOM killer would) while a correct notebook runs:
    `grader-error` naming the template, never `crashed`; the next submission is graded."""
    spec = GradingSpec.from_repo(hostile_course, "squares")
    launcher = make_launcher("bwrap")

    def grade_now(*cells: str) -> Result:
        return grade_submission(spec, Submission(Path("ok.ipynb"), notebook(*cells)), launcher)

    try:
        assert grade_now(SQUARE, TOTAL).score == 5.0  # the template is warm
        template = _template_pid()
        results: list[Result] = []
        slow = "import time\ntime.sleep(4)"
        thread = threading.Thread(target=lambda: results.append(grade_now(SQUARE, slow, TOTAL)))
        thread.start()
        while thread.is_alive() and not _has_worker(template):
            time.sleep(0.05)
        time.sleep(1)  # into the slow cell
        os.kill(template, signal.SIGKILL)
        thread.join()
        killed = results[0]
        assert killed.status == "grader-error", killed
        assert "template died" in killed.message
        after = grade_now(SQUARE, TOTAL)  # the launcher starts a fresh template
        assert (after.status, after.score) == ("graded", 5.0)
    finally:
        launcher.close()


def test_a_deep_notebook_costs_only_itself_in_a_grade_run(hostile_course, tmp_path):
    """`autograder grade` over a notebook nested 100k levels and a correct one: one line for the
    first, full marks for the second, no traceback."""
    import json
    import subprocess
    import sys

    deep, good = tmp_path / "deep.ipynb", tmp_path / "good.ipynb"
    deep.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    good.write_bytes(notebook(SQUARE, TOTAL))
    out = tmp_path / "results.json"
    done = subprocess.run([str(Path(sys.executable).parent / "autograder"), "grade", "squares",
                           str(deep), str(good), "--json", str(out)], cwd=hostile_course.root,
                          capture_output=True, text=True, timeout=600)
    assert "Traceback" not in done.stdout + done.stderr
    first, second = json.loads(out.read_text())
    assert first["status"] == "invalid" and "nested too deeply" in first["message"]
    assert (second["status"], second["score"]) == ("graded", 5.0)


def test_a_worker_started_from_a_thread_that_ends_lives_on(launcher):
    """A sandbox dies with what started it, and the kernel counts that per thread: a worker (or
    a warm template) started from a thread that has since ended must still answer. One
    submission's views start their workers from threads of their own."""
    from autograder.sandbox.codec import decode, encode
    from autograder.sandbox.launch import ResourceLimits
    from autograder.sandbox.process import OutputSink, WorkerProcess

    worker = WorkerProcess(launcher, ResourceLimits(2 << 30), OutputSink(1 << 16))
    starter = threading.Thread(target=worker.start)
    starter.start()
    starter.join()
    time.sleep(0.5)  # the signal, were it sent, has arrived
    try:
        assert worker.request("ping", encode({}), 30, None, decode) == "pong"
    finally:
        worker.kill()


POISON_CACHE = """
import os
entry = os.path.join(os.environ["NUMBA_CACHE_DIR"], "librosa_x", "f.nbi")
BEFORE = open(entry, "rb").read()
try:
    with open(entry, "wb") as f:
        f.write(b"poison")
    WRITE = "written"
except OSError as exc:
    WRITE = type(exc).__name__
with open(entry + ".tmp", "wb") as f:
    f.write(b"poison")
os.replace(entry + ".tmp", entry)  # how numba itself writes an entry
AFTER = open(entry, "rb").read()
"""
READ_CACHE = """
import os
SEEN = open(os.path.join(os.environ["NUMBA_CACHE_DIR"], "librosa_x", "f.nbi"), "rb").read()
"""


@pytest.mark.parametrize("kind", ["bwrap", "bwrap-cold"])
def test_a_poisoned_numba_cache_stays_the_submission_s_own(hostile_course, kind, tmp_path,
                                                         monkeypatch):
    """numba's cache files are pickles: a worker's cache is a private mirror of the trusted seed.
    Writing into an entry fails (the seed is read-only), replacing one replaces only the
    worker's link, and the next submission reads the trusted entry again."""
    from autograder.sandbox.numba_cache import COMPLETE, cache_dir

    monkeypatch.setenv("AUTOGRADER_CACHE", str(tmp_path))
    entry = cache_dir() / "librosa_x" / "f.nbi"
    entry.parent.mkdir(parents=True)
    entry.write_bytes(b"trusted")
    (cache_dir() / COMPLETE).touch()
    spec = GradingSpec.from_repo(hostile_course, "squares")
    fresh = make_launcher(kind)
    try:
        poisoner, seen = live_run(fresh, spec, POISON_CACHE)
        try:
            assert seen.get("BEFORE") == b"trusted"
            assert seen.get("WRITE") != "written"
            assert seen.get("AFTER") == b"poison"
        finally:
            poisoner.close()
        later, seen_later = live_run(fresh, spec, READ_CACHE)
        try:
            assert seen_later.get("SEEN") == b"trusted"
        finally:
            later.close()
    finally:
        fresh.close()
    assert entry.read_bytes() == b"trusted"
