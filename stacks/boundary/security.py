"""Keys in every region of the boundary, and the tenancy's guard rails around it.

Each region has its own vault and HSM-protected master key, so data is always keyed in the region
that holds it. Auto-rotation is offered only for virtual private vaults, hence the vault type.
"""

from __future__ import annotations

import pulumi
import pulumi_oci as oci

from boundary.component import BoundaryComponent
from boundary.settings import Settings, Site


class RegionalKeys(BoundaryComponent):
    def __init__(self, settings: Settings, site: Site, provider: oci.Provider, compartment: oci.identity.Compartment,
                 tag: oci.identity.Tag, opts: pulumi.ResourceOptions | None = None):
        super().__init__("RegionalKeys", f"{site.role}-keys", opts)
        name = f"{settings.compartment}-{site.role}"
        self.region = site.region
        self.vault = oci.kms.Vault(
            f"{site.role}-vault", compartment_id=compartment.id, display_name=name, vault_type="VIRTUAL_PRIVATE",
            defined_tags=settings.tags, opts=self.child(provider, [tag]),
        )
        self.key = oci.kms.Key(
            f"{site.role}-master-key", compartment_id=compartment.id, display_name=f"{name}-master",
            management_endpoint=self.vault.management_endpoint,
            key_shape={"algorithm": "AES", "length": 32}, protection_mode="HSM",
            is_auto_rotation_enabled=True,
            auto_key_rotation_details={"rotation_interval_in_days": settings.key_rotation_days},
            defined_tags=settings.tags, opts=self.child(provider, [tag]),
        )
        self.register_outputs({"vault_id": self.vault.id, "key_id": self.key.id})


class Posture(BoundaryComponent):
    """Cloud Guard watching the protected compartment, and a Security Zone whose recipe denies
    public buckets and storage without a vault key. Cloud Guard is managed in its reporting region,
    the home region, which the catalogue treats as a place findings move to."""

    def __init__(self, settings: Settings, home: oci.Provider, compartment: oci.identity.Compartment,
                 security: oci.identity.Compartment, tag: oci.identity.Tag, opts: pulumi.ResourceOptions | None = None):
        super().__init__("Posture", "posture", opts)
        configuration = oci.cloudguard.CloudGuardConfiguration(
            "cloud-guard", compartment_id=settings.tenancy_id, reporting_region=settings.home.name,
            status="ENABLED", self_manage_resources=False, opts=self.child(home),
        )
        self.target = oci.cloudguard.Target(
            f"{settings.compartment}-target", compartment_id=compartment.id, display_name=settings.compartment,
            target_resource_id=compartment.id, target_resource_type="COMPARTMENT",
            target_detector_recipes=[{"detector_recipe_id": recipe} for recipe in settings.detector_recipe_ids],
            defined_tags=settings.tags, opts=self.child(home, [configuration, tag]),
        )
        recipe = oci.cloudguard.SecurityRecipe(
            f"{settings.compartment}-zone-recipe", compartment_id=security.id,
            display_name=f"{settings.compartment}-recipe",
            description="No public buckets; buckets, volumes and file systems keyed by the boundary's vaults",
            security_policies=list(settings.zone_policy_ids.values()),
            defined_tags=settings.tags, opts=self.child(home, [configuration, tag]),
        )
        self.zone = oci.cloudguard.SecurityZone(
            f"{settings.compartment}-zone", compartment_id=compartment.id, display_name=settings.compartment,
            security_zone_recipe_id=recipe.id, defined_tags=settings.tags, opts=self.child(home, [self.target, tag]),
        )
        self.register_outputs({"security_zone_id": self.zone.id})
