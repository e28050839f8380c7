"""A part computed in a forked copy comes back whole, with the shared objects as the parent's own,
or not at all: then the caller computes it, and the outcome is the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from residency import forking
from residency.findings import ResourceIdentity
from residency.rules import RULES

pytestmark = [pytest.mark.skipif(sys.platform != "linux", reason="forks only on Linux"), pytest.mark.usefixtures("may_fork")]
METAS = [rule.meta for rule in RULES]



@pytest.fixture
def copies(monkeypatch) -> list[int]:
    """The process IDs of the copies made (other tests' processes may be running beside them)."""
    made: list[int] = []
    real = os.fork

    def recorded() -> int:
        pid = real()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recorded)
    return made


def _reaped(pids: list[int]) -> bool:
    """Whether each copy has ended and been waited for (no zombie left)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


def test_the_copys_result_comes_back_with_the_shared_objects_as_themselves(copies):
    identity = ResourceIdentity("urn:a", "a", "oci:ObjectStorage/bucket:Bucket", "oci_objectstorage_bucket",
                                "us-ashburn-1", "explicit-provider", "oci")

    def work():
        yield {"pid": os.getpid(), "metas": METAS[:3]}
        yield {"identity": identity}

    with forking.forked(work, METAS) as part:
        first, second = part.result(otherwise=lambda: pytest.fail("the copy gave no result"))
    result = first | second
    assert result["pid"] != os.getpid()  # computed in the copy
    assert all(got is meta for got, meta in zip(result["metas"], METAS[:3]))  # not copies
    assert result["identity"] == identity and result["identity"] is not identity  # a value: a copy
    assert _reaped(copies)


def _raises():
    yield "a first piece"
    raise RuntimeError("a bug in the part")


def _killed():
    yield "a first piece"
    os.kill(os.getpid(), signal.SIGKILL)


def _unpicklable():
    yield lambda: None  # a function of no module: pickling it fails in the copy


def _exits_cleanly_without_a_result():
    yield "a first piece"
    os._exit(0)


@pytest.mark.parametrize("work", [_raises, _killed, _unpicklable, _exits_cleanly_without_a_result])
def test_a_copy_that_fails_leaves_its_part_to_the_caller(work, copies):
    with forking.forked(work) as part:
        assert part.result(otherwise=lambda: ["computed here"]) == ["computed here"]
    assert _reaped(copies)


@pytest.mark.parametrize("call", ["fork", "pipe"])
def test_where_no_copy_can_be_made_the_caller_computes_the_part(call, monkeypatch):
    def refused(*arguments):
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, call, refused)
    with forking.forked(lambda: ["computed in a copy"]) as part:
        assert part.result(otherwise=lambda: ["computed here"]) == ["computed here"]


def test_a_caller_that_fails_stops_its_copy_and_reaps_it(copies):
    def forever():
        signal.pause()

    with pytest.raises(KeyError), forking.forked(forever):
        raise KeyError("the caller's own part failed")
    assert _reaped(copies)


def test_no_fork_once_the_grpc_core_is_loaded(monkeypatch):
    assert forking.available()
    monkeypatch.setitem(sys.modules, forking.GRPC_CORE, object())  # as after an offline Pulumi run
    assert not forking.available()


def test_claims_are_shared_out_each_to_one_process():
    def take(claimed):
        return [(claim, time.sleep(0.001))[0] for claim in claimed]

    with forking.claims(300) as claimed, forking.forked(lambda: take(claimed)) as part:
        mine = take(claimed)
        theirs = part.result(otherwise=lambda: pytest.fail("the copy gave no result"))
    assert mine and theirs  # both took some
    assert sorted(mine + theirs) == list(range(300))  # each once
    assert mine == sorted(mine) and theirs == sorted(theirs)  # in order


def test_no_more_claims_than_a_pipe_takes_at_once():
    with pytest.raises(ValueError, match="at most 1024"), forking.claims(forking.CLAIMS_MAX + 1):
        pass


def test_no_fork_while_another_thread_runs():
    assert forking.available()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not forking.available()  # a lock held by that thread would stay held in the copy
    finally:
        stop.set()
        thread.join()
    assert forking.available()


def test_output_buffered_before_the_fork_is_written_once():
    program = (
        "import sys\n"
        "from residency import forking\n"
        "sys.stdout.write('before ')\n"  # buffered: stdout is a pipe
        "with forking.forked(lambda: [41]) as part:\n"
        "    sys.stdout.write(str(part.result(otherwise=lambda: [0])[0] + 1))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, env=environment)
    assert completed.stdout == "before 42"


def _cgroup(tmp_path, membership: str, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "membership").write_text(membership)
    return tmp_path, tmp_path / "membership"


@pytest.mark.parametrize("membership, files, cores", [
    ("0::/ci/job\n", {"ci/job/cpu.max": "150000 100000\n"}, 1),  # 1.5 cores' worth: a fork would not pay
    ("0::/ci/job\n", {"ci/job/cpu.max": "200000 100000\n"}, 2),
    ("0::/\n", {"cpu.max": "max 100000\n"}, 4),  # no quota
    ("0::/ci/job\n", {"cpu.max": "100000 100000\n"}, 1),  # the namespace's root, where the path is not mounted
    ("4:memory:/x\n1:cpu,cpuacct:/job\n", {"cpu,cpuacct/job/cpu.cfs_quota_us": "100000", "cpu,cpuacct/job/cpu.cfs_period_us": "100000"}, 1),
    ("1:cpu,cpuacct:/\n", {"cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000"}, 4),  # v1: no quota
    ("0::/\n", {}, 4),  # nothing to read: nothing known to limit it
    ("0::/\n", {"cpu.max": "800000 100000"}, 4),  # a quota above the cores it may run on
    ("0::/\n", {"cpu.max": "garbled"}, 4),
])
def test_the_cores_a_process_may_use_are_those_its_cpu_quota_allows(tmp_path, monkeypatch, membership, files, cores):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert forking.usable_cores(*_cgroup(tmp_path, membership, files)) == cores
