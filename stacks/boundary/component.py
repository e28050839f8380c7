"""What every part of the boundary shares: a component whose children name their provider."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_oci as oci


class BoundaryComponent(pulumi.ComponentResource):
    def __init__(self, kind: str, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"residency:boundary:{kind}", name, None, opts)

    def child(self, provider: oci.Provider, depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        """Options for a child: always an explicit provider, so that no resource of the boundary
        ever falls back to the default provider and its ambient region."""
        return pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(depends_on))
