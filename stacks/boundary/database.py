"""An Autonomous Database on a private endpoint, keyed in its own region, whose admin password
is generated into the region's vault and never appears in code or config. Its backups stay in
its region (no remote backup destination, no cross-region standby)."""

from __future__ import annotations

import pulumi
import pulumi_oci as oci

from boundary.component import BoundaryComponent
from boundary.network import Network
from boundary.security import RegionalKeys
from boundary.settings import DatabasePlan, Settings


class Database(BoundaryComponent):
    def __init__(self, settings: Settings, plan: DatabasePlan, provider: oci.Provider, network: Network,
                 keys: RegionalKeys, compartment: oci.identity.Compartment, tag: oci.identity.Tag,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("Database", plan.name, opts)
        if plan.subnet not in network.subnets:
            raise pulumi.RunError(f"database.subnet {plan.subnet!r} is not a subnet of the primary network "
                                  f"({', '.join(network.subnets)})")
        name = f"{settings.compartment}-{plan.name}"
        admin = oci.vault.Secret(
            f"{plan.name}-admin-password", compartment_id=compartment.id, vault_id=keys.vault.id, key_id=keys.key.id,
            secret_name=f"{name}-admin", enable_auto_generation=True,
            secret_generation_context={"generation_type": "PASSPHRASE", "generation_template": "DBAAS_DEFAULT_PASSWORD",
                                       "passphrase_length": 32},
            defined_tags=settings.tags, opts=self.child(provider, [tag]),
        )
        self.database = oci.database.AutonomousDatabase(
            plan.name, compartment_id=compartment.id, db_name=plan.name, display_name=name, db_workload="OLTP",
            compute_model="ECPU", compute_count=plan.compute_count, data_storage_size_in_tbs=plan.storage_tbs,
            subnet_id=network.subnets[plan.subnet].id, nsg_ids=[network.database_nsg.id],
            private_endpoint_label=plan.name, vault_id=keys.vault.id, kms_key_id=keys.key.id, secret_id=admin.id,
            license_model="LICENSE_INCLUDED", defined_tags=settings.tags, opts=self.child(provider, [tag]),
        )
        self.register_outputs({"database_id": self.database.id})
