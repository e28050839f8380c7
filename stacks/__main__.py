"""The US data boundary, built from this stack's config and policies/residency.yaml."""

import pulumi
from boundary import build_boundary

boundary = build_boundary()
pulumi.export("compartment_id", boundary.identity.compartment.id)
pulumi.export("compartment_ids", {name: c.id for name, c in boundary.identity.children.items()})
pulumi.export("vault_ids", {role: k.vault.id for role, k in boundary.keys.items()})
pulumi.export("key_ids", {role: k.key.id for role, k in boundary.keys.items()})
pulumi.export("buckets", {name: b.name for name, b in boundary.storage.buckets.items()})
pulumi.export("replica_buckets", {name: b.name for name, b in boundary.storage.replicas.items()})
pulumi.export("namespace", boundary.storage.namespace)
if boundary.database is not None:
    pulumi.export("database_id", boundary.database.database.id)
