"""Which policy file decides, found as git finds `.git`: `policies/residency.yaml` in the target's
directory or the nearest parent, up to the repository root (the directory with `.git`)."""

from __future__ import annotations

from pathlib import Path

from residency.errors import InputError

DEFAULT_POLICY_PATH = Path("policies") / "residency.yaml"
BUILTIN = "builtin"  # `--policy builtin`: the built-in policy, chosen on purpose


def find_policy(target: Path) -> Path | None:
    """The policy file that governs `target` (a file or a directory), or None when there is none up
    to the repository root (or the filesystem root, outside a repository). A path that is there but
    is not a readable file (a directory, a dangling symlink) is an error, never a reason to go on."""
    start = target.absolute()
    directory = start if start.is_dir() else start.parent
    for candidate_directory in (directory, *directory.parents):
        candidate = candidate_directory / DEFAULT_POLICY_PATH
        if candidate.is_file():
            return _relative(candidate)
        if candidate.exists() or candidate.is_symlink():
            raise InputError("not a policy file: expected a readable YAML file (or pass --policy)", file=str(candidate))
        if (candidate_directory / ".git").exists():
            return None
    return None


def _relative(path: Path) -> Path:
    """As the user would write it: relative to the working directory when it is below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path
