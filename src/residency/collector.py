"""Python's cyclic garbage collector, paused where a step builds many objects that outlive it."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Reading a large plan, or building the findings document of one, makes millions of small
    objects and frees none of them until the end; with the cyclic collector running, each collection
    walks them all again (reading a large plan grew quadratic: benchmarks/terraform_speed.py). Pause
    it while such a step runs."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
