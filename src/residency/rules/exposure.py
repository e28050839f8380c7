"""RES105: no way in from the internet to protected data. What counts as a way in - per resource
type, the field, the value that means public and OCI's default - is the exposure catalogue
(catalog/exposure.yaml); this module reads it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from residency.catalog.exposure import (
    ExposureField,
    ExposureType,
    as_bool,
    exposure_catalog,
    terraform_path,
)
from residency.catalog.tokens import INTERNET_GATEWAY, SECURITY_LISTS, SUBNET
from residency.enforcement import Severity
from residency.inventory import FieldValue, Resource
from residency.inventory.values import select
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.evidence import classification_evidence


class PublicExposure(ResourceRule):
    meta = RuleMeta(
        id="RES105",
        name="public-exposure",
        title="No public endpoint to protected data",
        severity=Severity.CRITICAL,
        rationale=(
            "Data in a US region that anyone on the internet can reach is reachable from every country. A public "
            "bucket, a pre-authenticated request, a public IP, a public load balancer, Kubernetes API, API gateway "
            "or database endpoint, an internet gateway or ingress from 0.0.0.0/0 lets anyone, anywhere, reach "
            "protected data without an IAM identity: no group, region condition or audit of who it was can hold "
            "it inside the boundary."
        ),
        remediation=(
            "Keep protected buckets at access_type NoPublicAccess and share objects through IAM grants, not "
            "pre-authenticated requests. Put protected workloads in private subnets "
            "(prohibit_public_ip_on_vnic=True, assign_public_ip=False), behind private load balancers "
            "(is_private=True), private Kubernetes API endpoints, PRIVATE API gateways and private database "
            "endpoints; reach the internet through a NAT or service gateway, and allow ingress only from known CIDRs."
        ),
        applies_to=(
            "every type in the exposure catalogue (catalog/exposure.yaml): instances, instance configurations, "
            "VNIC attachments, public IPs, subnets, internet gateways, security lists and NSG rules, FastConnect "
            "public peering, load balancers, network load balancers, OKE clusters and node pools, API gateways, "
            "Autonomous Databases, buckets and pre-authenticated requests, stream pools, mount targets, bastions"
        ),
        tags=("access", "network", "exposure"),
    )

    def reports_on_type(self, token: str) -> bool:
        return exposure_catalog().get(token) is not None

    def check(self, resource: Resource, context: RuleContext) -> Iterator[Violation]:
        entry = exposure_catalog().get(resource.token)
        if entry is None or not _protected(resource, entry, context):
            return
        for exposure in entry.fields:
            for violation in _CHECKS[exposure.kind](resource, exposure, context):
                if resource.naming == "pulumi" and violation.path:
                    violation = replace(violation, path=terraform_path(resource.token, violation.path))
                yield violation


def _protected(resource: Resource, entry: ExposureType, context: RuleContext) -> bool:
    """By the resources `protected_by` names when the program shows them (a PAR's bucket, a
    gateway's VCN); else by the resource's own classification or compartment, or its subnet's."""
    if entry.protected_by is not None:
        deciding = [s for s in context.sources(resource, entry.protected_by) if s is not None]
        if deciding:
            return any(context.is_protected(s) for s in deciding)
    if context.is_protected(resource):
        return True
    subnet_fields = {f.subnet or f.path for f in entry.fields if f.subnet or f.kind == "subnet"}
    return any(context.is_protected(s) for path in subnet_fields for s in _subnets(resource, path, context))


def _subnets(resource: Resource, path: str, context: RuleContext) -> list[Resource]:
    return [s for s in context.sources(resource, path.split(".")[0].removesuffix("[]")) if s is not None and s.token == SUBNET]


# Where a field's values stand: each element of its parent (a list of rules, say) holds the field
# and its siblings (`source_type`, `subnet_id`).


def _elements(resource: Resource, exposure: ExposureField) -> Iterator[tuple[str, Any]]:
    """(path prefix, the mapping that holds the field, or an unknown FieldValue) for each element
    of the field's parent; one empty element when a parent without lists is absent, so that the
    default applies."""
    segments = exposure_catalog().segments(resource.token, exposure.path, resource.naming)
    parent = segments[:-1]
    if not parent:
        yield "", resource.properties
        return
    found = list(select(resource.properties, parent, resource.naming))
    if not found and "[]" not in exposure.path:
        yield "", {}
    for element in found:
        yield f"{element.path}.", (element.value if element.known else element)


def _leaf(exposure: ExposureField, resource: Resource) -> str:
    return exposure_catalog().segments(resource.token, exposure.path, resource.naming)[-1]


def _values(element: Any, name: str, prefix: str, resource: Resource) -> list[FieldValue]:
    if not isinstance(element, Mapping):
        return []
    return [FieldValue(prefix + v.path, v.value, v.secret) for v in select(element, (name,), resource.naming)]


def _applies(element: Mapping, exposure: ExposureField, resource: Resource) -> bool | FieldValue:
    """Whether the field applies: `only` holds and no `unless` field makes the resource private.
    An `unless` flag known only after apply is returned, so that the caller reports it unproven."""
    for name, wanted in exposure.only.items():
        value = next(select(element, (name,), resource.naming), None)
        if value is not None and value.known and str(value.value).upper() != str(wanted).upper():
            return False
    for name, when in exposure.unless.items():
        value = next(select(resource.properties, (name,), resource.naming), None)
        if value is None:
            continue
        if when == "set" or (value.known and as_bool(value.value) is True):
            return False  # an ID known only after apply is still set: a private endpoint is there
        if not value.known:
            return value
    return True


def _undecided(resource: Resource, flag: FieldValue, exposure: ExposureField) -> Violation:
    return Violation(
        resource, f"{flag.path} is known only after apply, so it cannot be shown that the resource is private "
        f"(otherwise: {exposure.means})",
        (Evidence(resource.name, f"has {flag.path} =", flag.shown()),), proven=False, path=flag.path,
    )


def _evidence(resource: Resource, value: FieldValue, context: RuleContext) -> tuple[Evidence, ...]:
    return (Evidence(resource.name, f"has {value.path} =", value.shown()), classification_evidence(resource, context))


def _public(resource: Resource, value: FieldValue, exposure: ExposureField, context: RuleContext) -> Violation:
    evidence = (*_evidence(resource, value, context), *_own_network_path(resource, context))
    return Violation(resource, f"{value.path} is {value.shown()}: {exposure.means}", evidence, path=value.path)


def _own_network_path(resource: Resource, context: RuleContext) -> tuple[Evidence, ...]:
    """A public subnet's way in from the internet, or the subnets an internet gateway serves,
    where the whole program is in view (one resource at a time, the finding stands without it)."""
    if context.inventory is None:
        return ()
    if resource.token == SUBNET:
        return tuple(_network_path(resource, context))
    if resource.token == INTERNET_GATEWAY:
        return tuple(_served_subnets(resource, context.inventory.resources))
    return ()


def _served_subnets(gateway: Resource, resources: list[Resource]) -> Iterator[Evidence]:
    """The route tables that send traffic to the gateway, and the subnets that use them."""
    tables = [r for r in resources if gateway.urn in r.dependencies_of("route_rules")]
    for table in tables:
        yield Evidence(table.name, "sends traffic to internet gateway", gateway.name)
        for subnet in (r for r in resources if r.token == SUBNET and table.urn in r.dependencies_of("route_table_id")):
            yield Evidence(subnet.name, "routes through route table", table.name)


def _unknown(resource: Resource, value: FieldValue, exposure: ExposureField) -> Violation:
    return Violation(
        resource, f"{value.path} is known only after apply, so it cannot be shown that it is not public "
        f"(public would mean: {exposure.means})",
        (Evidence(resource.name, f"has {value.path} =", value.shown()),), proven=False, path=value.path,
    )


def _absent(resource: Resource, path: str, exposure: ExposureField, context: RuleContext) -> Violation:
    return Violation(
        resource, f"{path} is not set, and OCI's default is public: {exposure.means}",
        (Evidence(resource.name, "does not set", path), classification_evidence(resource, context),
         *_own_network_path(resource, context)),
        path=path,
    )


def _scalar(resource: Resource, exposure: ExposureField, context: RuleContext) -> Iterator[Violation]:
    """boolean and values fields: a public value, an unknown one, or OCI's default when absent."""
    name = _leaf(exposure, resource)

    def judge(prefix: str, element: Mapping) -> Iterator[Violation]:
        values = _values(element, name, prefix, resource)
        if not values:
            yield from _default(resource, exposure, prefix + name, element, prefix, context)
        for value in values:
            if not value.known:
                yield _unknown(resource, value, exposure)
            elif exposure.is_public(value.value) is None:
                yield Violation(resource, f"{value.path} is {value.shown()}, which OCI does not read as a {exposure.kind} "
                                f"value, so it cannot be shown that it is not public",
                                (Evidence(resource.name, f"has {value.path} =", value.shown()),), proven=False, path=value.path)
            elif exposure.is_public(value.value):
                yield _public(resource, value, exposure, context)

    yield from _applying_elements(resource, exposure, lambda prefix: prefix + name, judge)


def _default(resource: Resource, exposure: ExposureField, path: str, element: Mapping, prefix: str,
             context: RuleContext) -> Iterator[Violation]:
    if exposure.default == "public":
        yield _absent(resource, path, exposure, context)
    elif exposure.default == "subnet" and exposure.subnet is not None:
        subnet_name = exposure.subnet.split(".")[-1].removesuffix("[]")
        written = _values(element, subnet_name, prefix, resource)
        yield from _through_subnet(resource, exposure, path, written, context)


def _through_subnet(resource: Resource, exposure: ExposureField, path: str, written: list[FieldValue],
                    context: RuleContext) -> Iterator[Violation]:
    """OCI decides by the subnet: public IPs where the subnet allows them."""
    subnets = _subnets(resource, exposure.subnet or exposure.path, context)
    public = [s for s in subnets if _prohibits_public_ips(s) is False]
    undecided = [s for s in subnets if _prohibits_public_ips(s) is None]
    placed = exposure.kind == "subnet"  # the field is the subnet itself, not a setting the subnet defaults
    if undecided and not public:
        subnet = undecided[0]
        yield Violation(
            resource, f"subnet {subnet.name} allows public IPs or not only after apply, so it cannot be shown that "
            f"{path} keeps this private (if it allows them, {exposure.means})",
            (Evidence(resource.name, "is in subnet", subnet.name),
             Evidence(subnet.name, "has prohibit_public_ip_on_vnic", "known only after apply")),
            proven=False, path=path,
        )
    if public:
        subnet = public[0]
        how = f"{path} is subnet {subnet.name}, which allows public IPs" if placed else (
            f"{path} is not set, and subnet {subnet.name} allows public IPs")
        yield Violation(
            resource, f"{how}, so {exposure.means}",
            (Evidence(resource.name, "is in subnet", subnet.name),
             Evidence(subnet.name, "does not set", "prohibit_public_ip_on_vnic = true"),
             *_network_path(subnet, context)),
            path=path,
        )
    elif not subnets and written:
        message = (
            f"{path} is {written[0].shown()}, a subnet this program does not create, so it cannot be shown that "
            f"it allows no public IPs (if it does, {exposure.means})" if placed else
            f"{path} is not set, so {exposure.means} if its subnet is public, and the subnet is not one this program creates"
        )
        yield Violation(
            resource, message,
            (Evidence(resource.name, f"has {written[0].path} =", written[0].shown()),), proven=False, path=path,
        )


def _prohibits_public_ips(subnet: Resource) -> bool | None:
    """True when the subnet prohibits public IPs, False when it allows them (OCI's default),
    None when that is known only after apply."""
    settings = [v for v in (subnet.first("prohibit_public_ip_on_vnic"), subnet.first("prohibit_internet_ingress"))
                if v is not None]
    if any(v.known and as_bool(v.value) is True for v in settings):
        return True
    return None if any(not v.known for v in settings) else False


def _disabled(gateway: Resource) -> bool:
    enabled = gateway.first("enabled")
    return enabled is not None and enabled.known and as_bool(enabled.value) is False


def _network_path(subnet: Resource, context: RuleContext) -> Iterator[Evidence]:
    """How the internet reaches the subnet, as far as the program shows: its route table's route
    to an internet gateway, and security lists that admit everyone."""
    for table in (t for t in context.sources(subnet, "route_table_id") if t is not None):
        for gateway in (g for g in context.sources(table, "route_rules") if g is not None and g.token == INTERNET_GATEWAY
                        and not _disabled(g)):
            yield Evidence(subnet.name, "routes through route table", table.name)
            yield Evidence(table.name, "sends traffic to internet gateway", gateway.name)
    for security_list in context.sources(subnet, "security_list_ids"):
        if security_list is None or security_list.token not in SECURITY_LISTS:
            continue
        for rule in security_list.field("ingress_security_rules"):
            source = next(select(rule.value, ("source",), security_list.naming), None) if rule.known else None
            if source is not None and source.known and exposure_catalog().get(security_list.token).fields[0].is_public(source.value):
                yield Evidence(subnet.name, "admits, through security list", f"{security_list.name}: ingress from {source.value}")


def _subnet_field(resource: Resource, exposure: ExposureField, context: RuleContext) -> Iterator[Violation]:
    """The field names the subnet: the endpoint is public where the subnet allows public IPs."""
    written = list(resource.field(exposure_catalog().segments(resource.token, exposure.path, resource.naming)))
    path = written[0].path if written else exposure.path.replace("[]", "")
    yield from _through_subnet(resource, exposure, path, written, context)


def _cidr(resource: Resource, exposure: ExposureField, context: RuleContext) -> Iterator[Violation]:
    """A network that is every address; another `type` of source (a service) is not a network."""
    name = _leaf(exposure, resource)

    def judge(prefix: str, element: Mapping) -> Iterator[Violation]:
        kind = next(select(element, (exposure.type,), resource.naming), None) if exposure.type else None
        if kind is not None and kind.known and str(kind.value).upper() != "CIDR_BLOCK":
            return
        for value in _values(element, name, prefix, resource):
            if not value.known:
                yield _unknown(resource, value, exposure)
            elif exposure.is_public(value.value):
                yield _public(resource, value, exposure, context)

    yield from _applying_elements(resource, exposure, lambda prefix: prefix.rstrip("."), judge)


def _applying_elements(resource: Resource, exposure: ExposureField, unknown_path: Callable[[str], str],
                       judge: Callable[[str, Mapping], Iterator[Violation]]) -> Iterator[Violation]:
    """Each element the field lives in, judged when the exposure applies to it; an element that is
    itself unknown, or whose applicability is, cannot be shown closed."""
    for prefix, element in _elements(resource, exposure):
        if isinstance(element, FieldValue):
            yield _unknown(resource, FieldValue(unknown_path(prefix), element.value, element.secret), exposure)
            continue
        applies = _applies(element, exposure, resource)
        if isinstance(applies, FieldValue):
            yield _undecided(resource, applies, exposure)
        if applies is True:
            yield from judge(prefix, element)


def _allowlist(resource: Resource, exposure: ExposureField, context: RuleContext) -> Iterator[Violation]:
    """Addresses allowed in: none (absent or empty) is everyone, and so is a /0 network."""
    applies = _applies(resource.properties, exposure, resource)
    if isinstance(applies, FieldValue):
        yield _undecided(resource, applies, exposure)
    if applies is not True:
        return
    path = exposure.path.replace("[]", "")
    values = list(resource.field(exposure_catalog().segments(resource.token, exposure.path, resource.naming)))
    if not values:
        yield Violation(
            resource, f"{path} is not set (or empty) and there is no private endpoint: {exposure.means}",
            (Evidence(resource.name, "does not set", path), classification_evidence(resource, context)), path=path,
        )
    for value in values:
        if not value.known:
            yield _unknown(resource, value, exposure)
        elif exposure.is_public(value.value):
            yield _public(resource, value, exposure, context)


def _required(resource: Resource, exposure: ExposureField, context: RuleContext) -> Iterator[Violation]:
    """A block without which the service is public."""
    value = resource.first(exposure.path)
    if value is None:
        yield _absent(resource, exposure.path, exposure, context)
    elif not value.known:
        yield _unknown(resource, value, exposure)


def _exists(resource: Resource, exposure: ExposureField, context: RuleContext) -> Iterator[Violation]:
    """The resource is itself a way in; `path` names what it opens (a PAR's bucket, the private IP
    a public IP is assigned to), when it is set."""
    value = resource.first(exposure.path) if exposure.path is not None else None
    if value is None:
        yield Violation(resource, f"{exposure.means}; reachable from the internet", (classification_evidence(resource, context),))
        return
    deciding = [s for s in context.sources(resource, exposure.path) if s is not None]
    opened = ", ".join(s.name for s in deciding) or value.shown()
    evidence = (Evidence(resource.name, f"opens {exposure.path}", opened),
                *(Evidence(s.name, "is", context.classification(s).reason) for s in deciding))
    yield Violation(resource, f"{exposure.means} ({exposure.path} {opened}); reachable from the internet", evidence,
                    path=exposure.path)


_CHECKS: dict[str, Callable[[Resource, ExposureField, RuleContext], Iterator[Violation]]] = {
    "boolean": _scalar,
    "values": _scalar,
    "cidr": _cidr,
    "allowlist": _allowlist,
    "required": _required,
    "subnet": _subnet_field,
    "exists": _exists,
}
