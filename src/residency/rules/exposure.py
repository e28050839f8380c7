"""RES105: no public endpoint to protected data: public buckets, pre-authenticated requests on
protected buckets, public IPs and internet gateways in protected networks, ingress from anywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from residency.enforcement import Severity
from residency.inventory import FieldValue, Resource
from residency.inventory.values import select
from residency.rules.base import Evidence, ResourceRule, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.evidence import classification_evidence

# OCI facts: the bucket access types that serve objects to anyone, and the CIDRs that are everyone.
PUBLIC_BUCKET_ACCESS = ("ObjectRead", "ObjectReadWithoutList")
EVERYWHERE = ("0.0.0.0/0", "::/0")

BUCKET = "oci:ObjectStorage/bucket:Bucket"
PREAUTH_REQUEST = "oci:ObjectStorage/preauthrequest:Preauthrequest"
INSTANCE = "oci:Core/instance:Instance"
VNIC_ATTACHMENT = "oci:Core/vnicAttachment:VnicAttachment"
SUBNET = "oci:Core/subnet:Subnet"
PUBLIC_IP = "oci:Core/publicIp:PublicIp"
INTERNET_GATEWAY = "oci:Core/internetGateway:InternetGateway"
SECURITY_LIST = "oci:Core/securityList:SecurityList"
DEFAULT_SECURITY_LIST = "oci:Core/defaultSecurityList:DefaultSecurityList"
NSG = "oci:Core/networkSecurityGroup:NetworkSecurityGroup"
NSG_RULE = "oci:Core/networkSecurityGroupSecurityRule:NetworkSecurityGroupSecurityRule"


class PublicExposure(ResourceRule):
    meta = RuleMeta(
        id="RES105",
        name="public-exposure",
        title="No public endpoint to protected data",
        severity=Severity.CRITICAL,
        rationale=(
            "A public bucket, a pre-authenticated request, a public IP, an internet gateway or ingress from "
            "0.0.0.0/0 lets anyone, anywhere, reach protected data without an IAM identity: no group, "
            "region condition or audit of who it was can hold it inside the boundary."
        ),
        remediation=(
            "Keep protected buckets at access_type NoPublicAccess and share objects through IAM grants, not "
            "pre-authenticated requests. Put protected workloads in private subnets "
            "(prohibit_public_ip_on_vnic=True, assign_public_ip=False), reach the internet through a NAT or "
            "service gateway, and allow ingress only from known CIDRs."
        ),
        applies_to=(
            "buckets, pre-authenticated requests, instances and VNIC attachments, subnets, public IPs, "
            "internet gateways, security lists and network security group rules whose classification is protected"
        ),
        tags=("access", "network", "exposure"),
    )

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        check = _CHECKS.get(resource.token)
        if check is not None:
            yield from check(resource, context)


def _unknown(resource: Resource, value: FieldValue, what: str) -> Violation:
    return Violation(
        resource, f"{value.path} is known only after apply, so it cannot be shown that {what}",
        (Evidence(resource.name, f"has {value.path} =", value.shown()),), proven=False, path=value.path,
    )


def _bucket(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    access = resource.first("access_type")
    if access is None or not context.is_protected(resource):
        return
    if not access.known:
        yield _unknown(resource, access, "the bucket is not public")
    elif access.value in PUBLIC_BUCKET_ACCESS:
        yield Violation(
            resource, f"access_type {access.shown()} lets anyone on the internet read its objects",
            (Evidence(resource.name, "has access_type =", access.shown()), classification_evidence(resource, context)),
            path="access_type",
        )


def _preauth_request(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    """A pre-authenticated request is a URL that works for whoever holds it. On a bucket the program
    does not show, the bucket's classification is unknown: it is treated as protected."""
    sources = context.sources(resource, "bucket")
    buckets = [s for s in sources if s is not None and s.token == BUCKET]
    if buckets and not any(context.is_protected(b) for b in buckets):
        return
    bucket = resource.first("bucket")
    name = buckets[0].name if buckets else (bucket.shown() if bucket is not None else "(no bucket)")
    reason = (Evidence(name, "is", context.classification(buckets[0]).reason) if buckets
              else Evidence(name, "is", "a bucket this program does not create, so its classification cannot be shown"))
    access = resource.first("access_type")
    yield Violation(
        resource,
        f"a pre-authenticated request ({access.shown() if access else 'access'}) on bucket {name}: anyone with "
        "the URL reaches the data, without an IAM identity",
        (Evidence(resource.name, "is a pre-authenticated request on", name), reason),
        path="bucket",
    )


def _vnic(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    """`assign_public_ip` defaults to whether the subnet is public."""
    if not context.is_protected(resource):
        return
    assign = resource.first("create_vnic_details.assign_public_ip")
    if assign is not None:
        if not assign.known:
            yield _unknown(resource, assign, "the VNIC gets no public IP")
        elif str(assign.value).lower() == "true":
            yield Violation(
                resource, "create_vnic_details.assign_public_ip is true: the VNIC gets a public IP address",
                (Evidence(resource.name, "has create_vnic_details.assign_public_ip =", assign.shown()),
                 classification_evidence(resource, context)),
                path="create_vnic_details.assign_public_ip",
            )
        return
    subnet = resource.first("create_vnic_details.subnet_id")
    subnets = context.sources(resource, "create_vnic_details")
    subnets = [s for s in subnets if s is not None and s.token == SUBNET]
    if subnets:
        if not all(_prohibits_public_ips(s) for s in subnets):
            yield Violation(
                resource,
                f"create_vnic_details.assign_public_ip is not set, and subnet {subnets[0].name} allows public IPs, "
                "so the VNIC gets one",
                (Evidence(resource.name, "is in subnet", subnets[0].name),
                 Evidence(subnets[0].name, "does not set", "prohibit_public_ip_on_vnic = true")),
                path="create_vnic_details.assign_public_ip",
            )
    elif subnet is not None:
        yield Violation(
            resource,
            "create_vnic_details.assign_public_ip is not set, so the VNIC gets a public IP if its subnet is public, "
            "and the subnet is not one this program creates",
            (Evidence(resource.name, "has create_vnic_details.subnet_id =", subnet.shown()),),
            proven=False, path="create_vnic_details.assign_public_ip",
        )


def _prohibits_public_ips(subnet: Resource) -> bool:
    return any(v is not None and v.known and v.value is True
               for v in (subnet.first("prohibit_public_ip_on_vnic"), subnet.first("prohibit_internet_ingress")))


def _subnet(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    if not context.is_protected(resource) or _prohibits_public_ips(resource):
        return
    setting = resource.first("prohibit_public_ip_on_vnic")
    if setting is not None and not setting.known:
        yield _unknown(resource, setting, "the subnet is private")
        return
    shown = setting.shown() if setting is not None else "not set (OCI's default: public)"
    yield Violation(
        resource, f"a public subnet: prohibit_public_ip_on_vnic is {shown}, so VNICs in it can have public IPs",
        (Evidence(resource.name, "has prohibit_public_ip_on_vnic", shown), classification_evidence(resource, context)),
        path="prohibit_public_ip_on_vnic",
    )


def _public_ip(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    if context.is_protected(resource):
        yield Violation(resource, "a public IP address in a protected network: reachable from the internet",
                        (classification_evidence(resource, context),))


def _internet_gateway(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    enabled = resource.first("enabled")
    if enabled is not None and enabled.known and enabled.value is False:
        return
    vcns = context.sources(resource, "vcn_id")
    protected = [v for v in vcns if v is not None and context.is_protected(v)]
    if not context.is_protected(resource) and not protected:
        return
    evidence = [classification_evidence(resource, context)]
    evidence += [Evidence(resource.name, "is attached to", v.name) for v in protected]
    yield Violation(resource, "an internet gateway in a protected network: a route between its subnets and the internet",
                    tuple(evidence))


def _security_list(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    if not context.is_protected(resource):
        return
    for rule in resource.field("ingress_security_rules"):
        if not rule.known:
            yield _unknown(resource, rule, "ingress is not open to the internet")
            continue
        if not isinstance(rule.value, Mapping):
            continue
        source = next(select(rule.value, ("source",), resource.naming), None)
        if source is not None:
            source = FieldValue(f"{rule.path}.source", source.value, rule.secret or source.secret)
            yield from _ingress(resource, source, next(select(rule.value, ("source_type",), resource.naming), None), context)


def _ingress(resource: Resource, source: FieldValue, kind: FieldValue | None, context: RuleContext) -> Iterator[Violation]:
    if not source.known:
        yield _unknown(resource, source, "ingress is not open to the internet")
    elif source.value in EVERYWHERE and (kind is None or kind.value == "CIDR_BLOCK"):
        yield Violation(
            resource, f"{source.path} is {source.value}: ingress from anywhere on the internet",
            (Evidence(resource.name, f"has {source.path} =", source.shown()), classification_evidence(resource, context)),
            path=source.path,
        )


def _nsg_rule(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    direction = resource.first("direction")
    if direction is None or not direction.known or str(direction.value).upper() != "INGRESS":
        return
    sources = context.sources(resource, "network_security_group_id")
    groups = [s for s in sources if s is not None and s.token == NSG]
    if not any(context.is_protected(g) for g in groups) and (groups or not context.is_protected(resource)):
        return
    source = resource.first("source")
    if source is not None:
        yield from _ingress(resource, source, resource.first("source_type"), context)


_CHECKS: dict[str, Callable[[Resource, RuleContext], Iterator[Violation]]] = {
    BUCKET: _bucket,
    PREAUTH_REQUEST: _preauth_request,
    INSTANCE: _vnic,
    VNIC_ATTACHMENT: _vnic,
    SUBNET: _subnet,
    PUBLIC_IP: _public_ip,
    INTERNET_GATEWAY: _internet_gateway,
    SECURITY_LIST: _security_list,
    DEFAULT_SECURITY_LIST: _security_list,
    NSG_RULE: _nsg_rule,
}
EXPOSURE_TOKENS = frozenset(_CHECKS)  # the types this rule judges; engines that ask per type run it on these
