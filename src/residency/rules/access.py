"""What the access rules (RES101-RES106) share: the statements of the IAM policies in the inventory,
where a statement's location reaches, which resource-types hold data, and who the admins are."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

from residency.catalog import CATALOG
from residency.catalog.tokens import POLICY
from residency.iam import (
    Condition,
    ConditionGroup,
    Define,
    Expression,
    Grant,
    Location,
    ParseError,
    Principal,
    Statement,
    Value,
    has_hole,
    holes,
    parse_group,
    parse_statement,
    parse_statement_template,
    same,
)
from residency.inventory import FieldValue, Resource, Template
from residency.rules.base import Evidence, ResourceRule, Violation
from residency.rules.context import COMPARTMENT, RuleContext

# While a statement with parts known only after apply is judged: whether each unknown part is taken
# at its worst (the default: fail closed) or at its best.
_ASSUME_WORST: ContextVar[bool] = ContextVar("assume_worst", default=True)


def unknown_part_may_matter() -> bool:
    """How to take a part of a statement known only after apply: True, as the value that gives a
    finding; False, as the one that gives none."""
    return _ASSUME_WORST.get()


EVERY_COMPARTMENT = "every compartment"  # what a grant `in tenancy` reaches
UNKNOWN_COMPARTMENT = "a compartment known only after apply"


@dataclass(frozen=True)
class StatementRead:
    """One element of a policy's `statements`, read as far as it can be."""

    resource: Resource
    path: str  # statements[2]
    value: FieldValue
    statement: Statement | None = None
    problem: str | None = None  # why it could not be read: known only after apply, or not a statement
    partial: bool = False  # some of its words are known only after apply (holes in the statement)

    @property
    def shown(self) -> str:
        return self.value.shown()

    def evidence(self) -> Evidence:
        return Evidence(self.resource.name, f"has {self.path} =", self.shown)


def policy_statements(resource: Resource) -> Iterator[StatementRead]:
    if resource.token != POLICY:
        return
    for value in resource.field("statements"):
        path = value.path or "statements"
        if isinstance(value.value, Template):
            parts = tuple(part if isinstance(part, str) else None for part in value.value.parts)
            try:
                yield StatementRead(resource, path, value, parse_statement_template(parts), partial=True)
            except ParseError as error:
                problem = f"is known only after apply in parts that its reading depends on ({holes.shown(str(error))})"
                yield StatementRead(resource, path, value, problem=problem)
        elif not value.known:
            yield StatementRead(resource, path, value, problem="is known only after apply")
        elif not isinstance(value.value, str):
            yield StatementRead(resource, path, value, problem="is not text")
        else:
            try:
                yield StatementRead(resource, path, value, parse_statement(value.value))
            except ParseError as error:
                yield StatementRead(resource, path, value, problem=f"is not an OCI policy statement ({error})")


def grants(resource: Resource) -> Iterator[tuple[StatementRead, Grant | None]]:
    """The grants (not Deny, not Define) of a policy; unreadable statements come with None."""
    for read in policy_statements(resource):
        if read.statement is None:
            yield read, None
        elif isinstance(read.statement, Grant) and not read.statement.deny:
            yield read, read.statement


def unreadable(read: StatementRead, context: RuleContext, what: str) -> Violation:
    """Fail closed: a statement that cannot be read cannot be shown not to `what`."""
    evidence = [read.evidence()]
    if context.inventory is not None:
        evidence += [Evidence(read.resource.name, "takes statements from", source.name)
                     for source in context.sources(read.resource, "statements") if source is not None]
    return Violation(
        read.resource, f"{read.path} {read.problem}, so it cannot be shown that it does not {what}",
        tuple(evidence), proven=False, path=read.path,
    )


class GrantRule(ResourceRule):
    """Base for rules that judge each grant of a policy; a statement they cannot read is an unproven
    finding of each of them."""

    unreadable_means: str  # what an unreadable statement cannot be shown not to do

    def reports_on_type(self, token: str) -> bool:
        return token == POLICY

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        defines_in_part = any(read.partial for read in policy_statements(resource) if isinstance(read.statement, Define))
        for read, grant in grants(resource):
            if grant is None:
                yield unreadable(read, context, self.unreadable_means)
            elif read.partial or defines_in_part:
                yield from self._check_partial(resource, read, grant, context)
            else:
                yield from self.check_grant(resource, read, grant, context)

    def _check_partial(self, resource: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterator[Violation]:
        """A statement with parts known only after apply: judged once taking each unknown part at
        its worst and once at its best. When even the best gives a finding, the literal words
        settle it; when only the worst does, the finding is unproven; when neither does, none."""
        token = _ASSUME_WORST.set(False)
        try:
            settled = any(True for _ in self.check_grant(resource, read, grant, context))
        finally:
            _ASSUME_WORST.reset(token)
        suffix = (" (whatever the policy's parts known only after apply are)" if settled else
                  " (if the policy's parts known only after apply take some of their possible values)")
        for violation in self.check_grant(resource, read, grant, context):
            yield replace(
                violation, message=holes.shown(violation.message) + suffix, proven=settled,
                evidence=tuple(Evidence(holes.shown(e.subject), e.relation, holes.shown(e.value)) for e in violation.evidence),
            )

    def check_grant(self, policy: Resource, read: StatementRead, grant: Grant, context: RuleContext) -> Iterable[Violation]:
        raise NotImplementedError


def aliases(resource: Resource) -> dict[str, Define]:
    """The Define statements of a policy, by alias (without case)."""
    return {read.statement.alias.casefold(): read.statement for read in policy_statements(resource)
            if isinstance(read.statement, Define)}


def data_resource(grant: Grant, context: RuleContext) -> str | None:
    """The configured data resource-type that a grant reaches, if any. Explicit permissions reach
    the resource-type each acts on; one the catalogue cannot place is taken to reach data."""
    if has_hole(grant.resource) or any(has_hole(p) for p in grant.permissions):
        return "a resource-type known only after apply" if unknown_part_may_matter() else None
    if grant.resource is None:
        for permission in grant.permissions:
            acts_on = CATALOG.iam_permission_type(permission)
            if acts_on is None:
                return f"{permission}, a permission of no known resource-type"
            wanted = _data_type_of([acts_on], context)
            if wanted is not None:
                return f"{wanted} ({permission})"
        return None
    return _data_type_of([grant.resource] + ([grant.associated.resource] if grant.associated else []), context)


def names_the_principal(condition: Expression | None) -> bool:
    """Whether a condition limits who may use the grant to named principals: their type, their
    OCID or a tag of their group (`iam_principal_variables`), through `all {}` and `any {}`."""
    if isinstance(condition, Condition):
        if condition.operator == "unknown":
            return not unknown_part_may_matter()
        named = [condition.variable] + [v.text.lower() for v in condition.values if v.kind == "word"]
        return condition.operator in ("=", "in") and any(_principal_variable(name) for name in named)
    if isinstance(condition, ConditionGroup):
        found = [names_the_principal(item) for item in condition.items]
        return any(found) if condition.quantifier == "all" else all(found)
    return False


def _principal_variable(name: str) -> bool:
    return any(name == v or (v.endswith(".") and name.startswith(v)) for v in CATALOG.iam_principal_variables)


def only_reads(grant: Grant) -> bool:
    """Whether a grant only looks: `inspect` or `read`, or permissions that all only read."""
    if grant.verb is not None:
        return grant.verb in ("inspect", "read")
    return all(p.endswith(CATALOG.iam_read_permission_suffixes) for p in grant.permissions)


def _data_type_of(granted: list[str], context: RuleContext) -> str | None:
    for wanted in context.policy.access.data_resources:
        if any(CATALOG.iam_overlap(g, wanted) for g in granted):
            return wanted
    return None


def is_admin(principal: Principal, context: RuleContext) -> bool:
    """Whether a subject is one of the configured admin groups (the default identity domain when
    none is named)."""
    if principal.kind != "group" or principal.tenancy:
        return False
    if has_hole(principal.name) or has_hole(principal.ocid) or has_hole(principal.domain):
        return not unknown_part_may_matter()
    for admin in (parse_group(text) for text in context.policy.access.admin_groups):
        if admin.ocid or principal.ocid:
            if same(admin.ocid, principal.ocid):
                return True
        elif same(admin.name, principal.name) and same(admin.domain or "Default", principal.domain or "Default"):
            return True
    return False


@dataclass(frozen=True)
class Reach:
    """A protected compartment that a location reaches, and how."""

    compartment: str
    how: str  # for evidence: "names it", "contains it", ...

    def evidence(self, location: Location) -> Evidence:
        return Evidence(location.shown(), self.how, self.compartment)

    @property
    def shown(self) -> str:
        if self.compartment == EVERY_COMPARTMENT:
            return "every compartment, the protected ones too"
        if self.compartment == UNKNOWN_COMPARTMENT:
            return f"{UNKNOWN_COMPARTMENT}, which may be a protected one"
        return f"the protected compartment {self.compartment}"


def protected_reach(location: Location, policy: Resource, context: RuleContext) -> Reach | None:
    """The protected compartment a grant's location reaches, directly or by inheritance (a grant on a
    compartment holds in all its sub-compartments), as far as the policy file and the inventory show."""
    if location.kind == "unknown" or has_hole(location.tenancy):
        return Reach(EVERY_COMPARTMENT, "may reach") if unknown_part_may_matter() else None
    if location.kind != "compartment":
        if location.is_own_tenancy:
            return Reach(EVERY_COMPARTMENT, "reaches")
        return None  # another tenancy's
    protected = {p.casefold() for p in context.policy.protected_compartments}
    attached = context.protected_compartment(policy)
    if has_hole(location.ocid) or any(has_hole(name) for name in location.path):
        if attached is not None:
            return Reach(attached, "is inside, as the policy is attached to")
        return Reach(UNKNOWN_COMPARTMENT, "may be or contain a protected compartment:") if unknown_part_may_matter() else None
    tree = _tree(context)
    if location.ocid is not None:
        if location.ocid.casefold() in protected:
            return Reach(location.ocid, "names the protected compartment")
        if attached is not None:
            return Reach(attached, "is inside, as the policy is attached to")
        below = tree.protected_below.get(location.ocid.casefold())
        return Reach(below, "contains the protected compartment") if below else None
    for name in location.path:
        if name.casefold() in protected:
            return Reach(name, "is or is inside the protected compartment")
    if attached is not None:
        return Reach(attached, "is inside, as the policy is attached to")
    last = location.path[-1].casefold()
    if last in tree.inside_protected:
        return Reach(tree.inside_protected[last], "is inside the protected compartment")
    below = tree.protected_below.get(last)
    return Reach(below, "contains the protected compartment") if below else None


class _CompartmentTree:
    """The program's compartments (parents by `compartment_id`): the names of those inside a
    protected compartment, and for each name or OCID of an ancestor, the protected compartment below."""

    def __init__(self, context: RuleContext):
        self.inside_protected: dict[str, str] = {}
        self.protected_below: dict[str, str] = {}
        if context.inventory is None:
            return
        for resource in context.inventory.resources:
            if resource.token != COMPARTMENT:
                continue
            inside = context.protected_compartment(resource)
            name = resource.first("name")
            if inside is not None and name is not None and name.known and isinstance(name.value, str):
                self.inside_protected[name.value.casefold()] = inside
            protected = inside or _name_if_protected(resource, context)
            if protected is not None:
                self._add_ancestors(resource, protected, context, set())

    def _add_ancestors(self, compartment: Resource, protected: str, context: RuleContext, seen: set[str]) -> None:
        seen.add(compartment.urn)
        parent_id = compartment.first("compartment_id")
        if parent_id is not None and parent_id.known and isinstance(parent_id.value, str):
            self.protected_below.setdefault(parent_id.value.casefold(), protected)
        for urn in compartment.dependencies_of("compartment_id"):
            parent = context.resource(urn)
            if parent is None or parent.token != COMPARTMENT or urn in seen:
                continue
            name = parent.first("name")
            if name is not None and name.known and isinstance(name.value, str):
                self.protected_below.setdefault(name.value.casefold(), protected)
            self._add_ancestors(parent, protected, context, seen)


def _name_if_protected(compartment: Resource, context: RuleContext) -> str | None:
    name = compartment.first("name")
    if name is None or not name.known or not isinstance(name.value, str):
        return None
    protected = {p.casefold() for p in context.policy.protected_compartments}
    return name.value if name.value.casefold() in protected else None


_TREES: WeakKeyDictionary[RuleContext, _CompartmentTree] = WeakKeyDictionary()


def _tree(context: RuleContext) -> _CompartmentTree:
    if context not in _TREES:
        _TREES[context] = _CompartmentTree(context)
    return _TREES[context]


def described(grant: Grant) -> str:
    """`manage object-family in compartment X`, for messages."""
    what = f"{grant.verb} {grant.resource}" if grant.resource else "{" + ", ".join(grant.permissions) + "}"
    text = f"{what} in {grant.location.shown()}"
    if grant.associated is not None:
        text += f" with {grant.associated.resource} in {grant.associated.location.shown()}"
    return text


def subjects_shown(principals) -> str:
    return ", ".join(p.shown() for p in principals)


def protected_target(grant: Grant, policy: Resource, context: RuleContext) -> tuple[list[Evidence], str] | None:
    """What protected a grant reaches (a protected compartment, data resource-types), with evidence;
    None when it reaches nothing protected."""
    reach = protected_reach(grant.location, policy, context)
    data = data_resource(grant, context)
    if reach is None and data is None:
        return None
    evidence, reasons = [], []
    if reach is not None:
        evidence.append(reach.evidence(grant.location))
        reasons.append(reach.shown)
    if data is not None:
        evidence.append(Evidence(grant.resource or "the permissions", "reach data resource-type", data))
        reasons.append(f"data ({data})")
    return evidence, " and ".join(reasons)


def required_values(condition: Expression | None, variable: str) -> frozenset[Value] | None:
    """The values a condition limits `variable` (lower-case) to: every request that satisfies the
    condition has one of them. None when a request with any value can satisfy it. `all {}` takes what
    all its limits share, `any {}` limits only when each of its branches does."""
    if isinstance(condition, Condition):
        if condition.operator == "unknown":  # a condition known only after apply may limit anything
            return None if unknown_part_may_matter() else frozenset()
        if condition.variable == variable and condition.operator in ("=", "in"):
            return frozenset(Value(v.text.lower(), v.kind) for v in condition.values)
        return None
    if isinstance(condition, ConditionGroup):
        limits = [required_values(item, variable) for item in condition.items]
        if condition.quantifier == "all":
            known = [limit for limit in limits if limit is not None]
            return frozenset.intersection(*known) if known else None
        if any(limit is None for limit in limits):
            return None
        return frozenset().union(*limits)
    return None


def required(condition: Expression | None, holds) -> bool:
    """Whether every request that satisfies the condition satisfies a condition for which `holds` is
    true: it stands alone, in an `all {}`, or in each branch of an `any {}`."""
    if isinstance(condition, Condition):
        return holds(condition)
    if isinstance(condition, ConditionGroup):
        test = any if condition.quantifier == "all" else all
        return test(required(item, holds) for item in condition.items)
    return False
