"""`autograder serve --demo-accounts` prints working one-time links and serves the course."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

from autograder.course import CourseRepo


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_prints_links_that_sign_in(example_course: CourseRepo) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "autograder.cli.main", "serve", "--port", str(port),
               "--demo-accounts", "--workspace", str(example_course.workspace)]
    env = {**os.environ, "AUTOGRADER_ROOT": str(example_course.root), "COLUMNS": "200"}
    server = subprocess.Popen(command, cwd=example_course.root, env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        links = {}
        for line in server.stdout:
            found = re.search(r"(instructor|ta|student) (\S+)\s+(http://\S+)", line)
            if found:
                links[found[2]] = found[3]
            if line.startswith("serving"):
                break
        assert {"instructor", "ta", "demo-student-1"} <= set(links)
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        deadline = time.monotonic() + 120
        while True:
            try:
                page = opener.open(links["ta"], timeout=10).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.5)
        nonce = re.search(r'name="nonce" value="([^"]+)"', page)[1]
        token = urllib.parse.parse_qs(urllib.parse.urlparse(links["ta"]).query)["token"][0]
        form = urllib.parse.urlencode({"nonce": nonce, "token": token}).encode()
        staff = opener.open(f"http://127.0.0.1:{port}/login", data=form, timeout=30)
        assert staff.url.endswith("/staff") and "Manual questions" in staff.read().decode()
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
