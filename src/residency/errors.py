"""Errors about what a user gave us. Each names the file and the place, and maps to exit code 2.
Exit codes: 0 pass, 1 failing findings, 2 bad input or usage, 3 an internal error."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3  # a bug in residency: never a verdict


class InputError(Exception):
    """Bad input: a file that cannot be read or does not say what was expected."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        details: list[str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.details = details or []

    def __str__(self) -> str:
        where = self.file or ""
        if self.file and self.line:
            where += f":{self.line}"
        if self.key:
            where += f" ({self.key})" if where else self.key
        head = f"{where}: {self.message}" if where else self.message
        return "\n".join([head, *(f"  {line}" for line in self.details)])


class ProgramError(InputError):
    """The Pulumi program itself failed while it ran under the offline engine."""
