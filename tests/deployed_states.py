"""Deployed OCI states as the engines write them, built for the tests: a `pulumi stack export`
(deployment v3), a raw terraform.tfstate (v4) and `terraform show -json` of a state."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRET = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
TAGS = {"DataGovernance.Classification": "restricted"}
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaadata"
PROVIDER_ID = "d77c9fd7-1c06-427d-ba26-dbd8a8cbf91a"


def ocid(kind: str, region: str, unique: str = "aaaa") -> str:
    return f"ocid1.{kind}.oc1.{region}.{unique}"


def ciphertext(text: str = "v1:4MBM2acrauXVfXK0:N6Bv") -> dict:
    return {**SECRET, "ciphertext": text}


def plaintext(value: Any) -> dict:
    """As `pulumi stack export --show-secrets` writes a secret."""
    return {**SECRET, "plaintext": json.dumps(value)}


@dataclass
class Deployed:
    """One resource of a stack: its token, name, inputs, outputs, ID and the provider it uses
    (a name in `providers`, or None for the default provider)."""

    token: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str | None = None
    provider: str | None = None


def bucket(name: str, region: str, *, provider: str | None = None, **outputs: Any) -> Deployed:
    inputs = {"compartmentId": COMPARTMENT, "namespace": "ns", "name": name, "definedTags": TAGS}
    return Deployed(
        "oci:ObjectStorage/bucket:Bucket", name, inputs,
        {**inputs, "bucketId": ocid("bucket", region, name), "accessType": "NoPublicAccess", **outputs},
        id=f"n/ns/b/{name}", provider=provider,
    )


def pulumi_export(
    resources: list[Deployed], *, stack: str = "prod", project: str = "data", default_region: Any = "us-ashburn-1",
    providers: dict[str, Any] | None = None,
) -> dict:
    """A `pulumi stack export` document: the stack, the default OCI provider (with the region the
    engine takes from `oci:region`; None leaves it out), explicit providers by name and region."""
    prefix = f"urn:pulumi:{stack}::{project}::"
    stack_urn = f"{prefix}pulumi:pulumi:Stack::{project}-{stack}"
    entries: list[dict] = [{"urn": stack_urn, "custom": False, "type": "pulumi:pulumi:Stack"}]

    def provider_entry(name: str, region: Any) -> dict:
        inputs = {"version": "5.5.0", **({"region": region} if region is not None else {})}
        return {
            "urn": f"{prefix}pulumi:providers:oci::{name}", "custom": True, "id": PROVIDER_ID,
            "type": "pulumi:providers:oci", "inputs": inputs, "outputs": inputs, "parent": stack_urn,
        }

    entries.append(provider_entry("default_5_5_0", default_region))
    for name, region in (providers or {}).items():
        entries.append(provider_entry(name, region))
    for resource in resources:
        provider = f"{prefix}pulumi:providers:oci::{resource.provider or 'default_5_5_0'}::{PROVIDER_ID}"
        entry = {
            "urn": f"{prefix}{resource.token}::{resource.name}", "custom": True, "type": resource.token,
            "inputs": resource.inputs, "outputs": {**resource.outputs, **({"id": resource.id} if resource.id else {})},
            "parent": stack_urn, "provider": provider,
        }
        if resource.id:
            entry["id"] = resource.id
        entries.append(entry)
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-30T02:00:00Z", "magic": "", "version": "v3.272.0"},
            "secrets_providers": {"type": "service", "state": {"url": "https://api.pulumi.com", "owner": "org",
                                                               "project": project, "stack": stack}},
            "resources": entries,
        },
    }


def tfstate(resources: list[tuple[str, str, dict[str, Any]]], *, sensitive: dict[str, list] | None = None) -> dict:
    """A raw terraform.tfstate: (type, name, attributes) per resource, one instance each, all
    through the unaliased `oci` provider; `sensitive` gives a resource's sensitive_attributes."""
    return {
        "version": 4, "terraform_version": "1.9.8", "serial": 7, "lineage": "3f1c-lineage", "outputs": {},
        "resources": [
            {
                "mode": "managed", "type": type_, "name": name,
                "provider": 'provider["registry.terraform.io/oracle/oci"]',
                "instances": [{"schema_version": 0, "attributes": attributes,
                               "sensitive_attributes": (sensitive or {}).get(name, [])}],
            }
            for type_, name, attributes in resources
        ],
    }


def shown_state(resources: list[tuple[str, str, dict[str, Any]]], *, sensitive: dict[str, dict] | None = None) -> dict:
    """`terraform show -json` of a state with the same resources."""
    return {
        "format_version": "1.0", "terraform_version": "1.9.8",
        "values": {"root_module": {"resources": [
            {
                "address": f"{type_}.{name}", "mode": "managed", "type": type_, "name": name,
                "provider_name": "registry.terraform.io/oracle/oci", "schema_version": 0, "values": attributes,
                "sensitive_values": (sensitive or {}).get(name, {}),
            }
            for type_, name, attributes in resources
        ]}},
    }


def write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=4), encoding="utf-8")
    return path
