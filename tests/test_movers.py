"""A mover's protection comes from what it moves: seen one resource at a time (the policy pack's
Analyze), that needs the graph, every time it is asked, so no rule reads the mover's own tag alone."""

import pytest
from conftest import REPO

from residency.inventory import Resource
from residency.policy import load_policy
from residency.rules.context import NeedsGraph, RuleContext

POLICY = load_policy(REPO / "policies" / "residency.yaml")


def backup_policy(level: str) -> Resource:
    return Resource(urn="urn:policy", name="nightly", token="oci:Core/volumeBackupPolicy:VolumeBackupPolicy",
                    terraform_type="oci_core_volume_backup_policy", custom=True, naming="pulumi",
                    properties={"definedTags": {"DataGovernance.Classification": level}})


def test_a_mover_tagged_below_protected_needs_the_graph_each_time_it_is_asked():
    context = RuleContext(POLICY)
    for _ in range(2):
        with pytest.raises(NeedsGraph):
            context.is_protected(backup_policy("public"))


def test_a_mover_tagged_protected_is_protected_without_the_graph():
    assert RuleContext(POLICY).is_protected(backup_policy("restricted"))
