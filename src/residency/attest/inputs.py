"""The files that decide a gate's verdict: what an attestation names as its subjects.

Each source kind lists its own inputs (`SOURCE_INPUTS`); the policy and its approvals are added
for every kind. A new source adds its lister here, so that what it reads is attested too."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from residency.errors import InputError

BUILT_IN_POLICY = "built-in:default.yaml"  # the subject name of the policy shipped with the tool
APPROVALS_DIRECTORY = "approvals"  # beside the policy file: one YAML file per approval
TERRAFORM_FILES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")
SKIPPED_DIRECTORIES = {"__pycache__", "node_modules"}


@dataclass(frozen=True)
class DecisionInput:
    """One subject: its name (a path relative to the working directory, with `/`) and its digest."""

    name: str
    sha256: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def subject_name(path: Path, base: Path) -> str:
    """The name a file is attested under: relative to `base` (the checkout), so that an overseer's
    checkout elsewhere finds the same names."""
    return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()


def _files_under(directory: Path, keep: Callable[[Path], bool]) -> Iterator[Path]:
    """Regular files under `directory`, without hidden directories, caches and virtualenvs (the
    tool and library versions are attested apart from the sources)."""
    for root, directories, files in os.walk(directory):
        here = Path(root)
        directories[:] = sorted(
            d for d in directories
            if not d.startswith(".") and d not in SKIPPED_DIRECTORIES and not (here / d / "pyvenv.cfg").is_file()
        )
        yield from (here / f for f in sorted(files) if keep(here / f))


def pulumi_inputs(target: Path, stack: str | None) -> list[Path]:
    """Pulumi.yaml, the stack's config and the program's Python modules (under `main`). Reports
    and attestations written beside the program are not inputs; other stacks' config files do not
    decide this one."""
    from residency.sources.pulumi_project import load_project

    project = load_project(target)
    main = project.main if project.main.is_dir() else project.main.parent
    project_file = next(p for p in (target / "Pulumi.yaml", target / "Pulumi.yml") if p.is_file())
    config = target / f"Pulumi.{stack}.yaml"
    modules = _files_under(main, lambda p: p.suffix == ".py")
    files = [project_file, *([config] if config.is_file() else []), *modules]
    return list(dict.fromkeys(p.resolve() for p in files))


def terraform_inputs(target: Path, stack: str | None) -> list[Path]:
    """The configuration and variable files of the root module and of local modules below it."""
    return list(_files_under(target, lambda p: p.name.endswith(TERRAFORM_FILES)))


def file_inputs(target: Path, stack: str | None) -> list[Path]:
    """A plan, a state, a stack export or an event log: the file itself."""
    return [target]


SOURCE_INPUTS: dict[str, Callable[[Path, str | None], list[Path]]] = {
    "pulumi": pulumi_inputs,
    "terraform": terraform_inputs,
    "file": file_inputs,
}


def built_in_policy_digest() -> str:
    return hashlib.sha256(resources.files("residency.policy").joinpath("default.yaml").read_bytes()).hexdigest()


def approval_files(policy: Path | None) -> list[Path]:
    if policy is None:
        return []
    directory = policy.parent / APPROVALS_DIRECTORY
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def decision_inputs(target: Path, kind: str, stack: str | None, policy: Path | None, base: Path,
                    state: Path | None = None, given: tuple[Path, ...] = ()) -> list[DecisionInput]:
    """Every input of one decision with its sha256, named relative to `base`: the source's own
    files, the files given on the command line (`given`: --var-file, --invoke-answers), a deployed
    state it is compared with, the policy (or the built-in one) and the approvals beside it."""
    try:
        files = [*SOURCE_INPUTS[kind](target, stack), *given, *([state] if state else []),
                 *([policy] if policy else []), *approval_files(policy)]
        subjects = [DecisionInput(subject_name(p, base), sha256_file(p)) for p in dict.fromkeys(f.resolve() for f in files)]
    except OSError as error:
        raise InputError(f"cannot read an input to attest: {error.strerror or error}", file=error.filename) from None
    if policy is None:
        subjects.append(DecisionInput(BUILT_IN_POLICY, built_in_policy_digest()))
    return subjects
