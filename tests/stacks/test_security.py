"""Security: a vault and an HSM master key in every region of the boundary, rotated automatically;
Cloud Guard reporting to the home region and watching the protected compartment; a Security Zone
whose recipe denies public buckets and storage without a vault key."""

import pytest
from stack_inventory import REPO, dev, prod, project_copy, stack  # noqa: F401 (fixtures)

from residency.errors import ProgramError
from residency.oci.regions import lookup_region
from residency.sources.pulumi_program import run_program

ZONE_POLICIES = {
    "deny public_buckets": "ocid1.securityzonessecuritypolicy.oc1..aaaaaaaaexamplepublicbuckets",
    "deny buckets_without_vault_key": "ocid1.securityzonessecuritypolicy.oc1..aaaaaaaaexamplebucketkey",
    "deny block_volume_without_vault_key": "ocid1.securityzonessecuritypolicy.oc1..aaaaaaaaexampleblockkey",
    "deny boot_volume_without_vault_key": "ocid1.securityzonessecuritypolicy.oc1..aaaaaaaaexamplebootkey",
    "deny file_system_without_vault_key": "ocid1.securityzonessecuritypolicy.oc1..aaaaaaaaexamplefilekey",
}


def test_each_region_has_its_own_vault_and_hsm_key_rotated_automatically(prod, dev):
    for view, regions, days in ((prod, {"us-ashburn-1", "us-phoenix-1"}, 90), (dev, {"us-ashburn-1"}, 365)):
        keys = view.of_type("Kms/key")
        assert {view.region(k).name for k in keys} == regions
        for key in keys:
            vault = view.source_of(key, "management_endpoint")
            assert vault.token == "oci:Kms/vault:Vault"
            assert view.region(vault) == view.region(key)
            assert view.value(vault, "vault_type") == "VIRTUAL_PRIVATE"  # auto-rotation needs a private vault
            assert view.value(key, "protection_mode") == "HSM"
            assert view.value(key, "key_shape") == {"algorithm": "AES", "length": 32}
            assert view.value(key, "is_auto_rotation_enabled") is True
            assert view.value(key, "auto_key_rotation_details.rotation_interval_in_days") == days
            assert view.source_of(key, "compartment_id").name == "us-protected-data-security"


def test_cloud_guard_reports_to_the_home_region_and_targets_the_protected_compartment(stack):
    (configuration,) = stack.of_type("CloudGuard/cloudGuardConfiguration")
    assert lookup_region(stack.value(configuration, "reporting_region")) == stack.policy.home_region
    assert stack.value(configuration, "status") == "ENABLED"
    (target,) = stack.of_type("CloudGuard/target")
    assert stack.value(target, "target_resource_type") == "COMPARTMENT"
    assert stack.source_of(target, "target_resource_id").name == "us-protected-data"
    assert stack.values(target, "target_detector_recipes[].detector_recipe_id")
    for resource in (configuration, target):
        assert stack.region(resource) == stack.policy.home_region


def test_the_security_zone_denies_public_buckets_and_storage_without_a_vault_key(stack):
    (zone,) = stack.of_type("CloudGuard/securityZone")
    assert stack.source_of(zone, "compartment_id").name == "us-protected-data"
    recipe = stack.source_of(zone, "security_zone_recipe_id")
    assert set(stack.values(recipe, "security_policies")) >= set(ZONE_POLICIES.values())


def test_a_stack_without_a_required_zone_policy_is_refused(tmp_path):
    config = (REPO / "Pulumi.us-dev.yaml").read_text()
    broken = "\n".join(line for line in config.splitlines() if "deny public_buckets" not in line)
    directory = project_copy(tmp_path, {"Pulumi.broken.yaml": broken})
    with pytest.raises(ProgramError, match="securityZonePolicies lacks the OCIDs of: deny public_buckets"):
        run_program(directory, "broken")
