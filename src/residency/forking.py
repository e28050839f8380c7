"""Part of a computation on another core: a forked copy of this process computes it and sends its
result back, pickled, through a pipe.

The result comes in pieces, each pickled as soon as the copy has made it, while its work goes on
(pickling them all at the end would keep the caller waiting), and all sent when the work is done.

`fork` gives the copy the parent's memory as it stands (the inventory, the policy): nothing is sent
to it, and only its result comes back. Objects both sides hold and a result refers to (the rules'
metadata, the policy's waivers: `shared`) come back as the parent's own, not as copies. A copy
that fails in any way (an exception, killed, a result cut short) gives no result, and the caller
computes that part itself, as it would have on one core: the outcome never depends on the copy.

Forking is only safe on Linux, in a process with one thread (a thread holding a lock in the parent
would hold it forever in the copy): `available()` says whether this process may fork now.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def available() -> bool:
    """Whether this process can fork safely: Linux (macOS's system libraries are not safe to use in
    a forked copy, which is why Python starts processes afresh there), no thread but this one, and
    no gRPC core loaded (the offline Pulumi run serves gRPC in this process: its core keeps threads
    of its own, which Python does not count)."""
    return (sys.platform == "linux" and GRPC_CORE not in sys.modules and threading.active_count() == 1
            and threading.current_thread() is threading.main_thread())


GRPC_CORE = "grpc._cython.cygrpc"


def usable_cores(cgroups: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")) -> int:
    """The cores this process may use: those it may run on, fewer where a CPU quota (a container's
    cgroup: v2 `cpu.max`, v1 `cpu.cfs_quota_us`) gives it less time than that; a share of a core
    counts for none, since a fork costs more than it saves on less than one more core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _cpu_quota(cgroups, membership)
    return max(1, min(cores, int(quota))) if quota is not None else cores


def _cpu_quota(cgroups: Path, membership: Path) -> float | None:
    """The cores' worth of time the cgroup gives this process per period; None where none is set
    (or it cannot be read: nothing is known to limit it)."""
    try:
        lines = membership.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        relative = path.lstrip("/")
        if controllers == "":  # v2: one hierarchy
            limit = _read(cgroups / relative / "cpu.max") or _read(cgroups / "cpu.max")
            if limit is not None and len(limit.split()) == 2 and limit.split()[0] != "max":
                quota, period = limit.split()
                return _ratio(quota, period)
        elif "cpu" in controllers.split(","):  # v1: the cpu controller's own hierarchy
            for mount in (cgroups / controllers, cgroups / "cpu"):
                quota = _read(mount / relative / "cpu.cfs_quota_us") or _read(mount / "cpu.cfs_quota_us")
                period = _read(mount / relative / "cpu.cfs_period_us") or _read(mount / "cpu.cfs_period_us")
                if quota is not None and period is not None:
                    return _ratio(quota, period) if quota.strip() != "-1" else None
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        value = int(quota) / int(period)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


class Forked(Generic[T]):
    """The copy computing a part: `result` waits for its pieces."""

    def __init__(self, pid: int | None, pipe: int | None, shared: Sequence[Any]):
        self._pid = pid  # None: no copy could be made (the caller computes the part)
        self._pipe = pipe
        self._shared = shared

    def result(self, otherwise: Callable[[], list[T]]) -> list[T]:
        """The pieces the copy computed, or, where it gave nothing, `otherwise()` computed here."""
        data = self._read()
        pieces = self._unpickled(data)
        # reaped once its pieces are read: the copy's end (its memory given back) goes on meanwhile
        if self._wait() != 0 or pieces is None:
            return otherwise()
        return pieces

    def _unpickled(self, data: bytes | None) -> list[T] | None:
        if data is None or len(data) < _COUNT_BYTES:
            return None
        count = int.from_bytes(data[-_COUNT_BYTES:], "little")  # written last: the copy got to the end
        stream, pieces = io.BytesIO(memoryview(data)[:-_COUNT_BYTES]), []
        try:
            while stream.tell() < len(data) - _COUNT_BYTES:
                pieces.append(_SharedUnpickler(stream, self._shared).load())
        except Exception:  # noqa: BLE001 - a result cut short or garbled is no result: computed here
            return None
        return pieces if len(pieces) == count else None

    def _read(self) -> bytes | None:
        if self._pipe is None:
            return None
        try:
            with open(self._pipe, "rb") as pipe:
                return pipe.read()
        except OSError:
            return None
        finally:
            self._pipe = None

    def _wait(self) -> int:
        if self._pid is None:
            return -1
        try:
            _, status = os.waitpid(self._pid, 0)
        except ChildProcessError:
            return -1
        finally:
            self._pid = None
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """A copy whose result is no longer wanted (the caller failed) is stopped, and reaped."""
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._pid is not None:
            with suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            self._wait()


_COUNT_BYTES = 8  # after the pieces, how many there are: a copy that stopped short sends no count, or another


@contextmanager
def forked(work: Callable[[], Iterable[T]], shared: Sequence[Any] = ()) -> Iterator[Forked[T]]:
    """The pieces `work()` yields, computed in a forked copy of this process while the caller goes
    on; `shared`: the objects a piece refers to that are to come back as the parent's own (by
    identity). Where no copy can be made (no memory, too many processes), `result` computes the
    part here."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        yield Forked(None, None, shared)
        return
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        yield Forked(None, None, shared)
        return
    if pid == 0:  # the copy: it never returns into the caller's code, whatever happens
        code = 1
        try:
            os.close(read_end)
            buffer, count = io.BytesIO(), 0
            pickler = _SharedPickler(buffer, shared)
            for piece in work():
                pickler.dump(piece)
                pickler.clear_memo()  # each piece a pickle of its own, read one after another
                count += 1
            buffer.write(count.to_bytes(_COUNT_BYTES, "little"))
            with open(write_end, "wb") as pipe:
                pipe.write(buffer.getbuffer())
            code = 0
        finally:
            os._exit(code)  # no exit handlers, no buffers flushed (what the parent buffered is written once)
    os.close(write_end)
    part: Forked[T] = Forked(pid, read_end, shared)
    try:
        yield part
    finally:
        part.close()


@contextmanager
def claims(count: int) -> Iterator[Iterator[int]]:
    """The numbers 0 to `count - 1`, each given to whichever process asks next: the forks made
    inside the block and this process share them out as each finishes what it took (iterate the
    value in each), so that none waits while another has much left. A pipe holds the numbers, all
    written before any process reads: a read of a pipe takes bytes no other read takes."""
    if count > CLAIMS_MAX:
        raise ValueError(f"at most {CLAIMS_MAX} claims")
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"".join(index.to_bytes(_CLAIM_BYTES, "little") for index in range(count)))
    finally:
        os.close(write_end)  # read to the end, the pipe then says so
    try:
        yield _claimed(read_end)
    finally:
        os.close(read_end)


_CLAIM_BYTES = 4
CLAIMS_MAX = 4096 // _CLAIM_BYTES  # what one page of a pipe holds: written whole before any read (PIPE_BUF)


def _claimed(pipe: int) -> Iterator[int]:
    while claim := os.read(pipe, _CLAIM_BYTES):
        yield int.from_bytes(claim, "little")


def _shared_object(index: int) -> Any:
    """Stands for one of the shared objects in a pickle (the unpickler finds the object)."""
    raise AssertionError("unpickled without the shared objects")  # pragma: no cover - _SharedUnpickler replaces it


class _SharedPickler(pickle.Pickler):
    """A shared object is pickled as its position among `shared`. By type (`dispatch_table`), so
    that the objects of other types pay for no lookup."""

    def __init__(self, file: io.BytesIO, shared: Sequence[Any]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        positions = {id(item): index for index, item in enumerate(shared)}

        def reduce(item: Any) -> Any:
            index = positions.get(id(item))
            return item.__reduce_ex__(pickle.HIGHEST_PROTOCOL) if index is None else (_shared_object, (index,))

        self.dispatch_table = {**copyreg.dispatch_table, **{type(item): reduce for item in shared}}


class _SharedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: Sequence[Any]):
        super().__init__(file)
        self._shared = shared

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == _shared_object.__name__:
            return self._shared.__getitem__
        return super().find_class(module, name)
