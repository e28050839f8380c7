"""RES108: grants of users and groups on protected data are usable only from the policy's network
sources, and the network sources the program creates list only allowed CIDRs and VCNs in allowed regions."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator

from residency.catalog import CATALOG
from residency.catalog.exposure import terraform_path
from residency.enforcement import Severity
from residency.iam import Condition, Grant, Value
from residency.inventory import FieldValue, Resource
from residency.oci.ocid import parse_ocid
from residency.rules.access import (
    POLICY,
    GrantRule,
    StatementRead,
    described,
    protected_reach,
    required,
    required_values,
    subjects_shown,
)
from residency.rules.approval_match import needs_approval
from residency.rules.base import Evidence, RuleMeta, Violation
from residency.rules.context import RuleContext
from residency.rules.level_controls import controls_at

NETWORK_SOURCE = "oci:Identity/networkSource:NetworkSource"
NETWORK_VARIABLE = "request.networksource.name"  # as the parser writes it: lower-case


class AccessOrigin(GrantRule):
    meta = RuleMeta(
        id="RES108",
        name="access-origin",
        title="People reach protected data only from allowed networks, under the conditions its level requires",
        severity=Severity.HIGH,
        rationale=(
            "Data that never leaves the US region is still exposed when the people who reach it sit outside "
            "the US. A grant to a group holds wherever its members sign in from, unless it is conditioned on "
            "`request.networkSource.name`, and a network source is only as narrow as the CIDRs and VCNs it lists."
        ),
        remediation=(
            "Condition the grant on an allowed network source: `where request.networkSource.name = '<name>'` "
            "(combine other conditions with `all {...}`), naming only sources in access.network_sources; list "
            "only CIDRs inside access.allowed_cidrs and VCNs in allowed regions in the network sources the "
            "program creates. Add `request.user.mfaTotpVerified = 'true'` or a `request.utc-timestamp` window where "
            "`controls.<level>.conditions` asks for mfa or time-window."
        ),
        applies_to=(f"IAM policy statements ({POLICY}) that give groups more than inspect on protected "
                    f"compartments; network sources ({NETWORK_SOURCE})"),
        tags=("access", "iam", "network"),
    )

    unreadable_means = "let people reach protected data from any network"

    def reports_on_type(self, token: str) -> bool:
        return token == NETWORK_SOURCE or super().reports_on_type(token)

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        if resource.token == NETWORK_SOURCE:
            return _network_source(resource, context)
        return super().check(resource, context)

    def check_grant(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        # Service principals and dynamic groups are RES106's; any-user and any-group are refused by RES101.
        people = [s for s in grant.subjects if s.kind == "group"]
        if not people or not needs_approval(grant):
            return
        reach = protected_reach(grant.location, resource, context)
        if reach is None:
            return
        level, controls = controls_at(reach, context)
        evidence = (read.evidence(), reach.evidence(grant.location), Evidence(reach.compartment, "holds data at level", level))
        where = f"{read.path} lets {subjects_shown(people)} {described(grant)}, reaching {reach.shown},"
        if "network-source" in controls.conditions:
            yield from _network_condition(resource, read, grant, context, evidence, where)
        missing = [CONDITION_TEXT[c] for c in controls.conditions if c in CONDITION_TESTS and not required(grant.condition, CONDITION_TESTS[c])]
        if missing:
            yield Violation(
                resource, f"{where} without the condition{'s' if len(missing) > 1 else ''} that {level} data requires "
                f"(controls.{level}.conditions): " + "; ".join(missing), evidence, path=read.path,
            )


def _network_condition(resource: Resource, read: StatementRead, grant: Grant, context: RuleContext,
                       evidence: tuple[Evidence, ...], where: str) -> Iterator[Violation]:
    allowed = context.policy.access.network_sources
    sources = required_values(grant.condition, NETWORK_VARIABLE)
    if sources is None:
        yield Violation(
            resource, f"{where} with no request.networkSource.name condition (alone or in all {{}}), so it can "
            f"be used from any network (allowed network sources: {', '.join(allowed) or 'none'})",
            evidence, path=read.path,
        )
        return
    problems = [problem for value in sorted(sources, key=_shown) if (problem := _source_problem(value, allowed))]
    if problems:
        yield Violation(
            resource, f"{where} and its request.networkSource.name condition " + "; ".join(problems),
            (*evidence, Evidence(read.path, "limits request.networkSource.name to",
                                 ", ".join(_shown(v) for v in sorted(sources, key=_shown)))),
            path=read.path,
        )


def _mfa(condition: Condition) -> bool:
    return (condition.variable == "request.user.mfatotpverified" and condition.operator == "="
            and [v.text.lower() for v in condition.values] == ["true"])


def _time_window(condition: Condition) -> bool:
    return condition.variable.startswith("request.utc-timestamp") and condition.operator in ("before", "after", "between")


CONDITION_TESTS = {"mfa": _mfa, "time-window": _time_window}
CONDITION_TEXT = {
    "mfa": "request.user.mfaTotpVerified = 'true'",
    "time-window": "a request.utc-timestamp window (before, after or between)",
}


def _source_problem(value: Value, allowed: tuple[str, ...]) -> str | None:
    if value.kind == "pattern":
        return f"allows the pattern {_shown(value)}, which cannot be shown to match only allowed network sources"
    if value.text.casefold() not in {name.casefold() for name in allowed}:
        return f"names {_shown(value)}, which is not an allowed network source (access.network_sources: {', '.join(allowed) or 'none'})"
    return None


def _shown(value: Value) -> str:
    return f"/{value.text}/" if value.kind == "pattern" else repr(value.text)


def _network_source(resource: Resource, context: RuleContext) -> Iterator[Violation]:
    """A network source the policy allows grants to name lists only allowed CIDRs and VCNs."""
    allowed_names = {name.casefold() for name in context.policy.access.network_sources}
    name = resource.first("name")
    if name is None or (name.known and (not isinstance(name.value, str) or name.value.casefold() not in allowed_names)):
        return  # grants that name it are judged at the grant
    label = f"network source {name.shown()}"
    if not name.known:
        label = "a network source whose name is known only after apply"
    for value in resource.field(_native(resource, "public_source_lists") + "[]"):
        problem = _cidr_problem(value, context)
        if problem is not None:
            yield Violation(resource, f"{label} lists {problem}", (Evidence(resource.name, f"has {value.path} =", value.shown()),),
                            proven=value.known and not value.secret, path=_canonical(resource, value.path))
    unknown = []
    for value in resource.field(_native(resource, "virtual_source_lists") + "[].vcn_id"):
        if value.known and not value.secret:
            yield from _known_vcn(resource, label, value, context)
        else:
            unknown.append(value)
    if unknown:
        yield from _vcns_of_the_program(resource, label, unknown, context)


def _native(resource: Resource, name: str) -> str:
    """A list's name as the resource's source spells it: Terraform's is singular where the bridge
    pluralized it for Pulumi (`public_source_list`)."""
    if resource.naming == "pulumi":
        return name
    return CATALOG.terraform_name(resource.token, name) or name


def _canonical(resource: Resource, path: str) -> str:
    """A finding's property in Terraform's names whatever the source (as RES105 names it), so that its
    fingerprint is the same in every engine."""
    return terraform_path(resource.token, path) if resource.naming == "pulumi" else path


def _cidr_problem(value: FieldValue, context: RuleContext) -> str | None:
    allowed = context.policy.access.allowed_cidrs
    if not value.known or value.secret:
        return f"{value.path} {value.shown()}, which cannot be shown to be inside the allowed CIDRs"
    try:
        network = ipaddress.ip_network(str(value.value).strip(), strict=False)
    except ValueError:
        return f"{value.value!r}, which is not an IP address or CIDR block"
    for text in allowed:
        block = ipaddress.ip_network(text, strict=False)
        if network.version == block.version and network.subnet_of(block):
            return None
    return f"{network}, which is outside the allowed CIDRs (access.allowed_cidrs: {', '.join(allowed) or 'none'})"


def _known_vcn(resource: Resource, label: str, value: FieldValue, context: RuleContext) -> Iterator[Violation]:
    evidence = (Evidence(resource.name, f"has {value.path} =", value.shown()),)
    ocid = parse_ocid(str(value.value))
    region = ocid.region if ocid is not None else None
    if region is None:
        yield Violation(resource, f"{label} lists the VCN {value.value}, whose region its OCID does not show",
                        evidence, path=_canonical(resource, value.path))
    elif not context.allows(region):
        yield Violation(resource, f"{label} lists a VCN in {region.name}, outside the allowed regions "
                        f"({context.policy.allowed_names})", evidence, path=_canonical(resource, value.path))


def _vcns_of_the_program(resource: Resource, label: str, values: list[FieldValue], context: RuleContext) -> Iterator[Violation]:
    """VCN ids known only after apply: the program's resources they come from show the regions. Which
    element came from which resource is not recorded, so they are judged together."""
    path = _native(resource, "virtual_source_lists")
    sources = context.sources(resource, path)
    evidence = [Evidence(resource.name, f"has {v.path} =", v.shown()) for v in values]
    evidence += [Evidence(resource.name, f"takes {path} from", f"{s.name} in {s.region.shown if s.region else 'no region'}")
                 for s in sources if s is not None]
    regions = [s.region.region if s is not None and s.region is not None else None for s in sources]
    if not regions or None in regions:
        yield Violation(resource, f"{label} lists VCNs known only after apply that do not all come from resources of "
                        "the program in a known region, so they cannot be shown to be in allowed regions",
                        tuple(evidence), proven=False, path=_canonical(resource, path))
        return
    outside = sorted({f"{s.name} in {s.region.region.name}" for s in sources if not context.allows(s.region.region)})
    if outside:
        yield Violation(resource, f"{label} lists VCNs outside the allowed regions ({context.policy.allowed_names}): "
                        + ", ".join(outside), tuple(evidence), path=_canonical(resource, path))
