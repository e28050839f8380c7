"""The `residency` program ends with os._exit rather than freeing its heap: its status, its whole
output and the exit handlers of what it imported must come through as at any exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner
from conftest import REPO

from residency.cli import main

PLAN = REPO / "tests" / "fixtures" / "checkov" / "resource_region" / "plan" / "plan.json"

# An exit handler that prints last, to stderr, after the command has written its report.
PROGRAM = """
import atexit, sys
atexit.register(lambda: print("exit handler ran", file=sys.stderr))
sys.argv = ["residency", *sys.argv[1:]]
from residency.cli import run
run()
"""


def program(*args: str) -> subprocess.CompletedProcess:
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}  # as in a terminal-less CI
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True, check=False, env=buffered)


def test_the_report_the_status_and_the_exit_handlers_come_through():
    ended = program("check", str(PLAN), "--policy", "builtin", "--format", "json")
    in_process = CliRunner().invoke(main, ["check", str(PLAN), "--policy", "builtin", "--format", "json"])
    assert (ended.returncode, in_process.exit_code) == (1, 1)
    assert ended.stdout == in_process.stdout and json.loads(ended.stdout)["summary"]["failing"] == 9
    assert ended.stderr.endswith("exit handler ran\n")


def test_bad_input_and_usage_keep_their_status():
    missing = program("check", str(PLAN.parent / "missing.json"), "--policy", "builtin")
    assert missing.returncode == 2 and "not found" in missing.stderr and "Traceback" not in missing.stderr
    usage = program("check", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    assert program("--version").returncode == 0


def test_a_thread_still_running_is_waited_for():
    script = PROGRAM.replace(
        "from residency.cli import run",
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.5), print('thread done', file=sys.stderr))).start()\n"
        "from residency.cli import run",
    )
    ended = subprocess.run([sys.executable, "-c", script, "--version"], capture_output=True, text=True, check=False)
    assert ended.returncode == 0 and "thread done" in ended.stderr
