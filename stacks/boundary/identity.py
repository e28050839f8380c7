"""Identity, through the home-region provider: IAM is global and lives in the home region.

Policies and quotas are attached to the tenancy (root) compartment, so that the administrators
of the protected compartments cannot rewrite the grants and quotas that hold them in.
"""

from __future__ import annotations

import pulumi
import pulumi_oci as oci

from boundary.component import BoundaryComponent
from boundary.settings import Settings
from boundary.statements import allow, chunks, group_grants, zero_quotas

CHILD_COMPARTMENTS = ("network", "security", "storage", "app")

# What each group may do in the protected compartments; none may manage policies or compartments.
GRANTS = {
    "admins": (
        ("manage", "object-family"), ("manage", "volume-family"), ("manage", "virtual-network-family"),
        ("manage", "vaults"), ("manage", "keys"), ("manage", "secret-family"),
        ("manage", "autonomous-database-family"), ("manage", "logging-family"),
    ),
    "operators": (
        ("manage", "objects"), ("read", "buckets"), ("use", "volume-family"), ("use", "virtual-network-family"),
        ("use", "keys"), ("use", "autonomous-database-family"), ("read", "log-content"),
    ),
    "auditors": (("inspect", "all-resources"), ("read", "audit-events"), ("read", "log-content")),
}


class Identity(BoundaryComponent):
    def __init__(self, settings: Settings, home: oci.Provider, opts: pulumi.ResourceOptions | None = None):
        super().__init__("Identity", "identity", opts)
        scheme = settings.policy.classification
        tenancy = settings.tenancy_id
        self.compartment = oci.identity.Compartment(
            settings.compartment, compartment_id=tenancy, name=settings.compartment,
            description="Protected US user data: stored, copied and keyed only in the allowed regions",
            opts=self.child(home),
        )
        self.children = {
            name: oci.identity.Compartment(
                f"{settings.compartment}-{name}", compartment_id=self.compartment.id, name=name,
                description=f"The boundary's {name} resources", opts=self.child(home),
            )
            for name in CHILD_COMPARTMENTS
        }
        namespace = oci.identity.TagNamespace(
            "classification-namespace", compartment_id=tenancy, name=scheme.tag_namespace,
            description="How data is classified", opts=self.child(home),
        )
        self.tag = oci.identity.Tag(
            "classification-tag", tag_namespace_id=namespace.id, name=scheme.tag_key,
            description=f"Classification of the data a resource holds ({', '.join(scheme.levels)})",
            validator={"validator_type": "ENUM", "values": list(scheme.levels)}, opts=self.child(home),
        )
        # Inherited by the children: whatever is created in the boundary is classified.
        oci.identity.TagDefault(
            "classification-default", compartment_id=self.compartment.id, tag_definition_id=self.tag.id,
            value=settings.classification, is_required=False, opts=self.child(home),
        )
        self.groups = {
            role: oci.identity.Group(
                f"{settings.compartment}-{role}", compartment_id=tenancy, name=f"{settings.compartment}-{role}",
                description=f"The {role} of {settings.compartment}", opts=self.child(home),
            )
            for role in GRANTS
        }
        self.database_group = self._database_group(settings, home) if settings.database else None
        for role, statements in self._statements(settings).items():
            self._statement_sets(oci.identity.Policy, f"{settings.compartment}-{role}", statements, tenancy,
                                 f"{role} of {settings.compartment}, only in the allowed regions",
                                 self.child(home, self._subjects()))
        for family in settings.quota_families:
            self._statement_sets(oci.limits.Quota, f"{settings.compartment}-zero-{family}",
                                 zero_quotas(family, settings.compartment, settings.quota_regions), tenancy,
                                 f"No {family} for {settings.compartment} outside the allowed regions",
                                 self.child(home, [self.compartment]))
        self.register_outputs({"compartment_id": self.compartment.id})

    @staticmethod
    def _statement_sets(kind: type, name: str, statements: list[str], tenancy: str, description: str,
                        opts: pulumi.ResourceOptions) -> None:
        """Policies or quotas holding the statements, as many as OCI's statement limit needs."""
        for index, part in enumerate(chunks(statements)):
            suffix = f"-{index + 1}" if index else ""
            kind(f"{name}{suffix}", compartment_id=tenancy, name=f"{name}{suffix}", description=description,
                 statements=part, opts=opts)

    def _subjects(self) -> list[pulumi.Resource]:
        return [*self.groups.values(), self.compartment, *([self.database_group] if self.database_group else [])]

    def _statements(self, settings: Settings) -> dict[str, list[str]]:
        allowed, where = settings.policy.allowed_regions, settings.compartment
        statements = {
            role: group_grants(f"{settings.compartment}-{role}", grants, where, allowed, settings.network_source.name)
            for role, grants in GRANTS.items()
        }
        # Replication and customer-managed keys: the storage services act for the boundary. Each
        # site and the database have a policy of their own, so that a stack without them has the
        # same statements (and approvals) for the rest.
        for site in settings.sites:
            service = f"service objectstorage-{site.region.name}"
            statements["services" if site.role == "primary" else f"services-{site.role}"] = [
                allow(service, "manage", "object-family", where, allowed), allow(service, "use", "keys", where, allowed),
            ]
        statements["services"].append(allow("service blockstorage", "use", "keys", where, allowed))
        if settings.database:
            subject = f"dynamic-group {settings.compartment}-databases"
            statements["database-keys"] = [allow(subject, verb, resource, where, allowed)
                                           for verb, resource in (("read", "vaults"), ("use", "keys"), ("read", "secret-family"))]
        return statements

    def _database_group(self, settings: Settings, home: oci.Provider) -> oci.identity.DynamicGroup:
        rule = self.children["storage"].id.apply(
            lambda storage: f"ALL {{resource.type = 'autonomousdatabase', resource.compartment.id = '{storage}'}}"
        )
        return oci.identity.DynamicGroup(
            f"{settings.compartment}-databases", compartment_id=settings.tenancy_id,
            name=f"{settings.compartment}-databases", matching_rule=rule,
            description=f"Autonomous Databases of {settings.compartment}, for their keys and secrets",
            opts=self.child(home),
        )
