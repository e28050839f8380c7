"""What the Pulumi engine hands an analyzer, as the engine's inventory.

The SDK wraps properties in a proxy that raises UnknownValueError when a value is unknown at
preview (and then skips the policy as advisory). Reading through the Mapping protocol, key by
key, turns each unknown into the inventory's UNKNOWN instead, so rules can fail closed. Where the
request the pack is answering was read as it arrived, its properties are taken from there instead,
with their secrets marked (sent.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyProviderResource, PolicyResource, ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

from residency.inventory import UNKNOWN, Inventory, Resource, SourceInfo
from residency.policypack.sent import sent_resource
from residency.sources.pulumi_graph import PulumiRecord, build_inventory

STACK_TYPE = "pulumi:pulumi:Stack"
_DEFAULT_REGION_SOURCE = "the stack config"


def plain(value: Any) -> Any:
    """A proxied property value as plain data, with UNKNOWN where the engine sent an unknown."""
    if isinstance(value, Mapping):
        result = {}
        for key in value:
            try:
                result[key] = plain(value[key])
            except UnknownValueError:
                result[key] = UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def sent(urn: str, props: Any) -> Any:
    """A resource's properties as the engine sent them, secrets marked (policypack/sent.py); outside
    a request read so, as pulumi-policy hands them."""
    found = sent_resource(urn)
    return found.properties if found is not None else plain(props)


def _provider_record(provider: PolicyProviderResource) -> PulumiRecord:
    return PulumiRecord(provider.urn, provider.resource_type, provider.name, True, sent(provider.urn, provider.props))


def _reference(provider: PolicyProviderResource | None) -> str | None:
    # The analyzer is given the provider itself, not its reference; its ID does not matter here.
    return f"{provider.urn}::{UNKNOWN!r}" if provider is not None else None


def analyzed_resource(args: ResourceValidationArgs) -> Resource:
    """The one resource of an Analyze call, with its region from the provider the engine sent."""
    record = PulumiRecord(
        urn=args.urn, type=args.resource_type, name=args.name, custom=True, inputs=sent(args.urn, args.props),
        parent=args.opts.parent if args.opts else None, provider=_reference(args.provider),
    )
    records = [record] + ([_provider_record(args.provider)] if args.provider is not None else [])
    inventory = build_inventory(
        records, default_region=None, config_name=_DEFAULT_REGION_SOURCE, source=SourceInfo("pulumi-analyzer", args.urn)
    )
    return inventory.get(args.urn)


def stack_inventory(resources: Iterable[PolicyResource]) -> Inventory:
    """Every resource of an AnalyzeStack call, with parents, providers and property dependencies."""
    records: dict[str, PulumiRecord] = {}
    stack_urn = None
    for resource in resources:
        if resource.resource_type == STACK_TYPE:
            stack_urn = resource.urn
            continue
        # every dependency the engine sent, those on resources it does not send (sent.py) too
        found = sent_resource(resource.urn)
        records[resource.urn] = PulumiRecord(
            urn=resource.urn,
            type=resource.resource_type,
            name=resource.name,
            # The engine gives every custom resource a provider (the default one at least); components have none.
            custom=resource.provider is not None or resource.resource_type.startswith("pulumi:providers:"),
            inputs=sent(resource.urn, resource.props),
            parent=resource.parent.urn if resource.parent is not None else None,
            provider=_reference(resource.provider),
            dependencies=found.dependencies if found is not None else tuple(d.urn for d in resource.dependencies),
            property_dependencies=found.property_dependencies if found is not None else {
                k: tuple(d.urn for d in v) for k, v in resource.property_dependencies.items()},
        )
        if resource.provider is not None and resource.provider.urn not in records:
            records[resource.provider.urn] = _provider_record(resource.provider)
    project, stack = _project_and_stack(stack_urn)
    source = SourceInfo("pulumi-analyzer", stack_urn or "", project=project, stack=stack, stack_urn=stack_urn)
    return build_inventory(records.values(), default_region=None, config_name=_DEFAULT_REGION_SOURCE, source=source)


def _project_and_stack(stack_urn: str | None) -> tuple[str | None, str | None]:
    if not stack_urn:
        return None, None
    stack, project = stack_urn.split(":", 2)[2].split("::")[:2]
    return project, stack
