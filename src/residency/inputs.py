"""Reading what a user gives us, within bounds: a regular file of bounded size, JSON of bounded
nesting. Every reader of files goes through here, so no input can hang the gate, exhaust its
memory or end in a traceback; each refusal is an InputError (exit 2) naming the file."""

from __future__ import annotations

import codecs
import contextlib
import gc
import json
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from residency.errors import InputError

# A 100,000-resource plan is about 200 MB; nothing the gate reads is legitimately larger.
MAX_FILE_BYTES = 512 * 1024 * 1024
# Real configuration nests a few levels, plans a few dozen; the bound is far above both and far
# below what exhausts the interpreter's stack.
MAX_NESTING = 200


def read_bytes(path: Path, shown: str, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes. A FIFO, a device (a link to /dev/zero), a directory or a file over
    `limit` is refused rather than read: reading them could block or never end."""
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError("file not found", file=shown) from None
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror or error}", file=shown) from None
    status = os.fstat(descriptor)
    if not stat.S_ISREG(status.st_mode):
        os.close(descriptor)
        raise InputError(f"not a regular file ({_kind(status.st_mode)}): expected a file to read", file=shown)
    with os.fdopen(descriptor, "rb") as handle:
        if status.st_size > limit:
            raise InputError(f"the file has {status.st_size} bytes; the limit is {limit}", file=shown)
        try:
            # As many bytes as the file has, and one more to see it grow: asking for the limit itself
            # would size the buffer for the limit, whatever the file holds.
            data = handle.read(status.st_size + 1)
            if len(data) > status.st_size:  # grew since it was measured: read on, up to the limit
                data += handle.read(limit + 1 - len(data))
        except OSError as error:
            raise InputError(f"cannot read the file: {error.strerror or error}", file=shown) from None
    if len(data) > limit:  # grew while it was read
        raise InputError(f"the file has more than {limit} bytes", file=shown)
    return data


def read_text(path: Path, shown: str, *, limit: int = MAX_FILE_BYTES) -> str:
    """A regular file's text, as UTF-8; see read_bytes for what is refused."""
    return text_of(read_bytes(path, shown, limit=limit), shown)


def text_of(data: bytes, shown: str) -> str:
    """Bytes read from `shown` as UTF-8 text."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text: byte {error.start} cannot be decoded", file=shown) from None


def parse_json(text: str | bytes, *, file: str, what: str = "JSON") -> Any:
    """JSON text as Python values. Malformed text, nesting deeper than MAX_NESTING and numbers
    Python refuses to convert (integers of thousands of digits) are InputErrors naming the line."""
    try:
        with nesting_bound(MAX_NESTING):
            return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"not {what}: {error.msg}", file=file, line=error.lineno) from None
    except RecursionError:
        raise InputError(f"not {what}: nested more than {MAX_NESTING} levels deep", file=file) from None
    except ValueError as error:  # int conversion past sys.get_int_max_str_digits(), among others
        raise InputError(f"not {what}: {error}", file=file) from None


def json_object_members(data: bytes) -> dict[str, Any] | None:
    """The members of a JSON object, each value's text (a msgspec.Raw, a view of `data` that keeps it
    alive) checked but not built: enough to tell a document's format, and to build only the members
    a reader reads, one at a time. None when `data` is no JSON object msgspec reads (malformed, not
    UTF-8, nested too deep, past a number's range): parse it with parse_json, which gives exactly its
    values or names the place that is wrong."""
    import msgspec  # only the readers of large documents need it

    return json_object_of_shape(data, dict[str, msgspec.Raw])


def json_object_of_shape(data: bytes, shape: Any, dec_hook: Callable[[type, Any], Any] | None = None) -> Any:
    """`data`'s JSON object built into `shape`, a msgspec type (a TypedDict builds the members it names
    and skips the others, which are still checked); None where it is not of that shape, or not read
    (as json_object_members)."""
    import msgspec

    if not _valid_utf8(data):
        return None
    try:
        with nesting_bound(MAX_NESTING):
            return msgspec.json.decode(data, type=shape, dec_hook=dec_hook)
    except (msgspec.MsgspecError, RecursionError):
        return None


def _valid_utf8(data: bytes) -> bool:
    """msgspec does not check the text of the values it skips; the whole document must be UTF-8,
    as the standard library's parser requires. Checked a slice at a time, never copied whole."""
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 20
    try:
        for start in range(0, len(data), step):
            decoder.decode(data[start:start + step], final=start + step >= len(data))
    except UnicodeDecodeError:
        return False
    return True


@contextlib.contextmanager
def nesting_bound(levels: int) -> Iterator[None]:
    """Let the code inside recurse at most about `levels` deeper than here.

    The JSON decoder (and every recursive reader) counts its depth against the interpreter's
    recursion limit; lowering the limit to just above the current depth bounds the nesting of
    the input without a second pass over it."""
    depth = _stack_depth()
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(min(saved, depth + levels + 50))
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Reading builds millions of small objects and frees none of them until the end; with the
    cyclic collector running, each collection walks them all again and reading a large plan
    grows quadratic (benchmarks/terraform_speed.py). Pause it while a source is read."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class TimeBoundExceeded(Exception):
    """The code inside a time_bound took longer than it was given."""


@contextlib.contextmanager
def time_bound(cpu_seconds: float) -> Iterator[None]:
    """Stop the code inside with TimeBoundExceeded once it has used `cpu_seconds` of processor
    time (the machine's load does not count against it).

    For parsers whose worst case is exponential in a few bytes of input (a regular expression that
    backtracks): a bound in time is the only bound there is. Only the main thread takes signals;
    elsewhere, or inside an outer bound, the code runs unbounded."""
    timer = getattr(signal, "ITIMER_VIRTUAL", None)
    if timer is None or threading.current_thread() is not threading.main_thread() or signal.getitimer(timer)[0]:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise TimeBoundExceeded

    previous = signal.signal(signal.SIGVTALRM, expire)
    signal.setitimer(timer, cpu_seconds)
    try:
        yield
    finally:
        signal.setitimer(timer, 0)
        signal.signal(signal.SIGVTALRM, previous)


def _stack_depth() -> int:
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a plain file"
