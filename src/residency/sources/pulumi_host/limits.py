"""How long and how much memory a program's process may take (`--timeout`, `--memory-limit`)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 300.0
DEFAULT_MEMORY_MB = 4096


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
