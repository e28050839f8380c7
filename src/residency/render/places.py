"""Where a finding's files are in the repository: relative to the git root, as code scanning maps
them, and as links to the repository at the commit when CI says where that is."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from residency.render.document import safe_url

ROOT = "%SRCROOT%"
PROGRAM_DIRECTORIES = ("pulumi-program", "terraform-hcl")  # sources whose findings name files in the checked directory
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_COMMIT = re.compile(r"^[0-9a-f]{7,64}$")


class Places:
    """Files as code scanning finds them: relative to the repository root (the nearest directory
    above the checked path with `.git`), else to the checked directory."""

    def __init__(self, source: Mapping[str, Any], cwd: Path | None = None):
        cwd = (cwd or Path.cwd()).resolve()
        checked = _resolved(cwd / str(source["path"])) or cwd
        # findings name files relative to the program or Terraform directory; a plan's, an event
        # log's or Checkov's output is read where the command ran
        self.base = checked if source.get("kind") in PROGRAM_DIRECTORIES else cwd
        self.root = _git_root(self.base) or self.base
        self.source = source
        self.cwd = cwd
        self.checked = checked
        self._artifacts: dict[str, dict[str, Any]] = {}  # findings share a few files: resolve each once
        self._fallback: str | None = None

    def base_ids(self) -> dict[str, Any]:
        return {ROOT: {"uri": self.root.as_uri() + "/", "description": {"text": "the repository root"}}}

    def artifact(self, file: str) -> dict[str, Any]:
        if file not in self._artifacts:
            path = _resolved(self.base / file)
            if path is None:  # not a path this system can hold (a document from elsewhere): shown as written
                self._artifacts[file] = {"uri": quote(file, safe="/"), "uriBaseId": ROOT}
            elif path.is_relative_to(self.root):
                self._artifacts[file] = {"uri": quote(path.relative_to(self.root).as_posix(), safe="/"), "uriBaseId": ROOT}
            else:
                self._artifacts[file] = {"uri": path.as_uri()}
        return dict(self._artifacts[file])

    def fallback(self) -> str:
        """What configured the checked resources, for a finding with no file of its own: the stack
        config, else `Pulumi.yaml`, else the checked file (a plan, an event log, Checkov's output)."""
        if self._fallback is None:
            self._fallback = self._find_fallback()
        return self._fallback

    def _find_fallback(self) -> str:
        kind = self.source.get("kind")
        if kind == "pulumi-program":
            names = [f"Pulumi.{self.source.get('stack')}.yaml", "Pulumi.yaml"]
            directory = self.base
        elif kind == "terraform-hcl":
            names = ["main.tf", *sorted(p.name for p in self.base.glob("*.tf"))]
            directory = self.base
        elif kind == "pulumi-policy-events":  # the engine ran the program where the command runs
            names = [f"Pulumi.{self.source.get('stack')}.yaml", "Pulumi.yaml"]
            directory = self.cwd
        else:  # a plan, Checkov's output: the file itself
            names, directory = [], self.cwd
        for name in names:
            if (directory / name).is_file():
                return str(directory / name)
        return str(self.checked)


def _resolved(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop
        return None


def _git_root(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        try:
            if (directory / ".git").exists():
                return directory
        except OSError:
            return None
    return None


def commit_links(environ: Mapping[str, str] | None = None) -> str | None:
    """`https://github.com/owner/repo/blob/<sha>` from GitHub Actions' `GITHUB_SERVER_URL`,
    `GITHUB_REPOSITORY` and `GITHUB_SHA`; None outside CI or when a value is malformed."""
    environ = os.environ if environ is None else environ
    server = safe_url(environ.get("GITHUB_SERVER_URL"))
    repository, commit = environ.get("GITHUB_REPOSITORY", ""), environ.get("GITHUB_SHA", "")
    if server is None or not _REPOSITORY.match(repository) or not _COMMIT.match(commit):
        return None
    return f"{server.rstrip('/')}/{repository}/blob/{commit}"


def source_link(places: Places, base: str | None, file: str, line: int | None) -> str | None:
    """The file's line in the repository at the commit, or None (no CI, or a file outside it)."""
    if base is None:
        return None
    artifact = places.artifact(file)
    if "uriBaseId" not in artifact:
        return None
    return f"{base}/{artifact['uri']}" + (f"#L{line}" if line else "")  # already percent-encoded
