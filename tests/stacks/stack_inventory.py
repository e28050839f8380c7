"""The boundary's stacks, run once per test session under Pulumi's mocks, and read in the terms
the boundary's tests ask about."""

from __future__ import annotations

import functools
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import fixture_inventory

from residency.inventory import Inventory, Resource
from residency.oci.regions import Region
from residency.policy import ResidencyPolicy, load_policy

REPO = Path(__file__).resolve().parents[2]
CLASSIFICATION = {"us-prod": "restricted", "us-dev": "confidential"}  # as the stacks' config sets it


@dataclass
class StackView:
    inventory: Inventory
    policy: ResidencyPolicy

    @property
    def tags(self) -> dict[str, str]:
        """The defined tags every data-bearing resource of the stack carries."""
        return {self.policy.classification.tag: CLASSIFICATION[self.inventory.source.stack]}

    def of_type(self, token: str) -> list[Resource]:
        """The custom resources of one pulumi-oci type, by its short name (`ObjectStorage/bucket`)."""
        return [r for r in self.inventory.resources if r.custom and r.token.split(":")[1] == token]

    def one(self, token: str, name: str) -> Resource:
        (found,) = [r for r in self.of_type(token) if r.name == name]
        return found

    def named(self, name: str) -> Resource:
        (found,) = [r for r in self.inventory.resources if r.custom and r.name == name]
        return found

    def source_of(self, resource: Resource, field: str) -> Resource:
        """The resource of this program that a property's (unknown) value comes from."""
        (urn,) = resource.dependencies_of(field)
        return self.inventory.get(urn)

    def value(self, resource: Resource, path: str) -> Any:
        found = resource.first(path)
        assert found is not None, f"{resource.name} has no {path}"
        return found.value

    def values(self, resource: Resource, path: str) -> list[Any]:
        """Every value at a path, entering lists."""
        return [found.value for found in resource.field(path)]

    def region(self, resource: Resource) -> Region:
        return resource.region.region


@functools.cache
def stack_view(stack: str) -> StackView:
    return StackView(fixture_inventory(REPO, stack), load_policy(REPO / "policies" / "residency.yaml"))


def project_copy(directory: Path, files: dict[str, str]) -> Path:
    """The boundary's project (Pulumi.yaml, policies, program) copied to `directory`, with `files`
    (path -> text) added or replaced: a stack config of its own, or another __main__.py."""
    shutil.copy(REPO / "Pulumi.yaml", directory)
    (directory / "policies").mkdir()
    shutil.copy(REPO / "policies" / "residency.yaml", directory / "policies")
    shutil.copytree(REPO / "policies" / "approvals", directory / "policies" / "approvals")
    shutil.copytree(REPO / "stacks", directory / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


# Fixtures for the tests of this folder: `from stack_inventory import dev, prod, stack`.
@pytest.fixture
def prod() -> StackView:
    return stack_view("us-prod")


@pytest.fixture
def dev() -> StackView:
    return stack_view("us-dev")


@pytest.fixture(params=["us-prod", "us-dev"])
def stack(request) -> StackView:
    return stack_view(request.param)
