"""Start a Pulumi program in a process of its own against the gate's monitor, and wait for it.

The program cannot reach the gate's process: it shares no memory with it, its output goes to a file
that is passed on to the gate's stderr (never its stdout), it runs in a session of its own so
everything it starts is ended with it, under a memory cap, and a wall-clock timeout ends a program
that does not finish. How it ended is decided here, from the process and from the monitor; the
resources come only from the monitor.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from pulumi.runtime.proto import engine_pb2_grpc, resource_pb2_grpc

from residency.errors import InputError, ProgramError
from residency.sources.pulumi_host.limits import Limits
from residency.sources.pulumi_host.monitor import RecordingEngine, RecordingMonitor
from residency.sources.pulumi_host.outside import OutsideReads

CHILD = Path(__file__).with_name("child.py")
OUTPUT_SHOWN = 64 * 1024  # the tail of the program's output passed on to stderr
OUTPUT_FILE_LIMIT = 256 * 1024 * 1024  # the largest file the program may write, its output included


@dataclass(frozen=True)
class Launch:
    """How the language host would start the program."""

    python: str
    program: str  # what the exec script runs: the main directory or file
    pwd: Path  # the working directory: the main directory
    root: Path  # the project directory
    project: str
    stack: str
    program_file: Path  # for messages
    environment: dict[str, str]
    dry_run: bool = True
    purpose: str = ""  # why this run, for messages about it
    clock: float = field(default_factory=time.time)  # the program's clock starts here in every run of it
    probe_files: tuple[str, ...] | None = None  # the probe run: these files' content is changed (and the clock, randomness)


def run_in_process(
    launch: Launch, monitor: RecordingMonitor, limits: Limits, *, pass_output: bool = True,
) -> OutsideReads:
    """Run the program to its end; raise ProgramError (exit 2) naming the cause if it did not finish.
    `pass_output`: whether the program's output goes on to stderr when it succeeds. Returns what the
    program's own code read from outside itself."""
    engine = RecordingEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16), options=[
        ("grpc.max_receive_message_length", 400 * 1024 * 1024), ("grpc.max_send_message_length", 400 * 1024 * 1024),
    ])
    resource_pb2_grpc.add_ResourceMonitorServicer_to_server(monitor, server)
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="residency-run-") as scratch:
            outcome, output = _run_child(launch, f"127.0.0.1:{port}", Path(scratch), limits)
    finally:
        server.stop(grace=None)
        monitor.close()
    if pass_output or outcome.status != "done" or engine.errors:
        _pass_on(output)
    _judge(launch, limits, outcome, engine.errors, monitor)
    return OutsideReads.from_child(outcome.detail.get("outside"))


@dataclass(frozen=True)
class _Outcome:
    status: str  # done, failed, memory, exit, timeout, ended
    detail: dict
    returncode: int | None


def _run_child(launch: Launch, address: str, scratch: Path, limits: Limits) -> tuple[_Outcome, str]:
    result_file = scratch / "result.json"
    command = [
        launch.python, "-u", str(CHILD),
        "--monitor", address, "--engine", address, "--project", launch.project, "--stack", launch.stack,
        "--organization", "organization", "--root", str(launch.root), "--pwd", str(launch.pwd),
        "--dry_run", "true" if launch.dry_run else "false", "--parallel", "16", "--result", str(result_file),
        "--clock", repr(launch.clock),
        launch.program,
    ]
    if launch.probe_files is not None:
        probe = scratch / "probe.json"
        probe.write_text(json.dumps({"files": list(launch.probe_files)}), encoding="utf-8")
        command[-1:-1] = ["--probe", str(probe)]
    memory = limits.memory_mb * 1024 * 1024
    with open(scratch / "output", "w+b") as output:
        child = subprocess.Popen(
            command, cwd=launch.pwd, env=launch.environment, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            # Set from here rather than in a pre-exec hook, which is unsafe beside the server's threads;
            # the interpreter is still starting when it takes effect.
            resource.prlimit(child.pid, resource.RLIMIT_AS, (memory, memory))
            # Nor may its output (or any file it writes) fill the disk.
            resource.prlimit(child.pid, resource.RLIMIT_FSIZE, (OUTPUT_FILE_LIMIT, OUTPUT_FILE_LIMIT))
        except ProcessLookupError:  # already gone; how it ended is judged below
            pass
        try:
            returncode: int | None = child.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            _end_session(child)
        output.seek(max(0, output.seek(0, os.SEEK_END) - OUTPUT_SHOWN))
        text = output.read().decode("utf-8", "replace")
    if returncode is None:
        return _Outcome("timeout", {}, None), text
    try:
        detail = json.loads(result_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return _Outcome("ended", {}, returncode), text
    status = detail.get("status") if isinstance(detail, dict) else None
    return _Outcome(status if isinstance(status, str) else "ended", detail, returncode), text


def _end_session(child: subprocess.Popen) -> None:
    """End the program and whatever it started (its session is its own)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    child.wait()


def _pass_on(output: str) -> None:
    if output.strip():
        sys.stderr.write(output if output.endswith("\n") else output + "\n")
        sys.stderr.flush()


def _judge(launch: Launch, limits: Limits, outcome: _Outcome, errors: list[str], monitor: RecordingMonitor) -> None:
    file = str(launch.program_file) + (f" ({launch.purpose})" if launch.purpose else "")
    unanswered = sorted(monitor.unanswered_invokes)
    hint = [f"offline, these data sources have no answer (give one with --invoke-answers): {', '.join(unanswered)}"] if unanswered else []
    if outcome.status == "timeout":
        raise InputError(f"the program did not finish within {limits.timeout:g} seconds (--timeout); it was stopped",
                         file=file)
    if outcome.status == "memory" or (outcome.status == "ended" and outcome.returncode not in (0, None)
                                      and outcome.returncode < 0 and _memory_signal(outcome.returncode)):
        raise InputError(f"the program used more than the memory limit of {limits.memory_mb} MiB; it was stopped",
                         file=file)
    if outcome.returncode == -signal.SIGXFSZ:
        raise InputError(f"the program wrote more than {OUTPUT_FILE_LIMIT // (1024 * 1024)} MiB to its output or a "
                         "file; it was stopped", file=file)
    if outcome.status == "failed":
        raise ProgramError(f"the program raised {outcome.detail.get('error', 'an error')}", file=file,
                           details=[*outcome.detail.get("frames", []), *hint])
    if outcome.status == "exit":
        raise ProgramError(f"the program exited with status {outcome.detail.get('code')}", file=file, details=hint)
    if outcome.status != "done":
        how = f"status {outcome.returncode}" if outcome.returncode is not None and outcome.returncode >= 0 \
            else f"signal {-(outcome.returncode or 0)}"
        raise ProgramError(f"the program ended its process ({how}) before its Pulumi run completed, so what it "
                           "would deploy is not known", file=file)
    if errors:
        raise ProgramError("the program logged errors, which fail a Pulumi run", file=file,
                           details=[*(e.strip() for e in errors), *hint])


def _memory_signal(returncode: int) -> bool:
    return -returncode in (signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL)
