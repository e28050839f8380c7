"""Runs that cost processes - a Pulumi program run offline, a Checkov scan - done once per test
session and shared by every test that asks for the same run, on whichever xdist worker it is.

The first test to ask runs it and leaves the result, pickled, in the session's temporary directory
(under a lock, so another worker that asks meanwhile waits for it rather than running it again);
the others read it there. Every caller gets a copy of its own, as if it had run it itself. Only runs
whose inputs do not change while the tests run are shared: fixture programs and folders, the
repository's stacks. A test that writes or changes a program runs it itself.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")


class SessionRuns:
    def __init__(self) -> None:
        self.directory: Path | None = None  # set when the session starts (conftest.py)
        self._read: dict[str, bytes] = {}  # what this worker has already read or run

    def start(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        """The directory every worker of this session shares (xdist gives each a folder inside it)."""
        base = tmp_path_factory.getbasetemp()
        self.directory = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base

    def get(self, key: str, run: Callable[[], T]) -> T:
        """`run()`'s result, run once per session for `key`, which names every input of the run."""
        if key not in self._read:
            assert self.directory is not None, "the session has not started"
            path = self.directory / f"run-{hashlib.sha256(key.encode()).hexdigest()[:32]}.pickle"
            with FileLock(path.with_suffix(".lock")):
                if not path.is_file():
                    path.write_bytes(pickle.dumps(run()))
                self._read[key] = path.read_bytes()
        return pickle.loads(self._read[key])


RUNS = SessionRuns()
