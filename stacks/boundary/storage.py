"""Protected storage: private, versioned buckets keyed in their own region and replicated only to
the DR region; block volumes whose backup copies go only to the DR region, keyed there."""

from __future__ import annotations

import pulumi
import pulumi_oci as oci

from boundary.component import BoundaryComponent
from boundary.security import RegionalKeys
from boundary.settings import Settings, Site

SECONDS_PER_DAY = 86_400


class Storage(BoundaryComponent):
    def __init__(self, settings: Settings, providers: dict[str, oci.Provider], keys: dict[str, RegionalKeys],
                 compartment: oci.identity.Compartment, tag: oci.identity.Tag, namespace: pulumi.Input[str],
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("Storage", "storage", opts)
        self._settings, self._providers, self._keys = settings, providers, keys
        self._compartment, self._tag = compartment, tag
        self.namespace = namespace
        primary, dr = settings.primary, settings.dr
        self.buckets: dict[str, oci.objectstorage.Bucket] = {}
        self.replicas: dict[str, oci.objectstorage.Bucket] = {}
        for bucket in settings.buckets:
            self.buckets[bucket] = source = self._bucket(bucket, primary)
            if dr is None:
                continue
            self.replicas[bucket] = replica = self._bucket(bucket, dr)
            oci.objectstorage.ReplicationPolicy(
                f"{bucket}-to-{dr.role}", bucket=source.name, namespace=namespace,
                name=f"{bucket}-to-{dr.region.name}", destination_bucket_name=replica.name,
                destination_region_name=dr.region.name, opts=self.child(providers[primary.role], [replica]),
            )
        self.volumes = self._volumes(primary, dr) if settings.volumes else {}
        self.register_outputs({"buckets": {name: b.name for name, b in self.buckets.items()}})

    def _bucket(self, bucket: str, site: Site) -> oci.objectstorage.Bucket:
        suffix = "" if site is self._settings.primary else f"-{site.role}"
        return oci.objectstorage.Bucket(
            f"{bucket}{suffix}", compartment_id=self._compartment.id, namespace=self.namespace,
            name=f"{self._settings.compartment}-{bucket}{suffix}", access_type="NoPublicAccess",
            kms_key_id=self._keys[site.role].key.id, versioning="Enabled", object_events_enabled=True,
            storage_tier="Standard", defined_tags=self._settings.tags,
            opts=self.child(self._providers[site.role], [self._tag]),
        )

    def _volumes(self, primary: Site, dr: Site | None) -> dict[str, oci.core.Volume]:
        settings, provider = self._settings, self._providers[primary.role]
        policy = oci.core.VolumeBackupPolicy(
            f"{primary.role}-volume-backups", compartment_id=self._compartment.id,
            display_name=f"{settings.compartment}-daily", destination_region=dr.region.name if dr else None,
            schedules=[{"backup_type": "INCREMENTAL", "period": "ONE_DAY", "time_zone": "UTC",
                        "retention_seconds": settings.backup_retention_days * SECONDS_PER_DAY}],
            defined_tags=settings.tags, opts=self.child(provider, [self._tag]),
        )
        domains = oci.identity.get_availability_domains_output(
            compartment_id=settings.tenancy_id, opts=pulumi.InvokeOutputOptions(provider=provider))
        volumes = {}
        for plan in settings.volumes:
            volumes[plan.name] = volume = oci.core.Volume(
                plan.name, compartment_id=self._compartment.id, display_name=f"{settings.compartment}-{plan.name}",
                availability_domain=domains.availability_domains[0].name, size_in_gbs=str(plan.size_in_gbs),
                kms_key_id=self._keys[primary.role].key.id, defined_tags=settings.tags,
                opts=self.child(provider, [self._tag]),
            )
            # Copies made in the DR region are encrypted there, with the DR region's own key.
            oci.core.VolumeBackupPolicyAssignment(
                f"{plan.name}-backups", asset_id=volume.id, policy_id=policy.id,
                xrc_kms_key_id=self._keys[dr.role].key.id if dr else None, opts=self.child(provider),
            )
        return volumes
