"""The typed form of OCI policy statements, quota statements and matching rules, as rules read them.

Keywords, verbs, resource types and variable names are lower-cased (OCI reads them without case);
names and values keep the case they were written in, and are compared without case by `same`."""

from __future__ import annotations

from dataclasses import dataclass


def same(a: str | None, b: str | None) -> bool:
    """OCI compares names, aliases and condition values without case."""
    return a is not None and b is not None and a.casefold() == b.casefold()


@dataclass(frozen=True)
class Principal:
    """Who a statement is about."""

    kind: str  # group | dynamic-group | service | any-user | any-group
    name: str | None = None
    ocid: str | None = None  # `group id ocid1.group...`
    domain: str | None = None  # `group 'Domain'/'Name'`; None: the default identity domain
    tenancy: str | None = None  # an alias of another tenancy: `... of tenancy T` or `group T:Name`

    @property
    def is_anyone(self) -> bool:
        return self.kind in ("any-user", "any-group")

    def shown(self) -> str:
        if self.is_anyone:
            who = self.kind
        elif self.ocid:
            who = f"{self.kind} id {self.ocid}"
        else:
            who = f"{self.kind} {self.domain + '/' if self.domain else ''}{self.name}"
        return f"{who} of tenancy {self.tenancy}" if self.tenancy else who


@dataclass(frozen=True)
class Location:
    kind: str  # tenancy | any-tenancy | compartment | unknown (a part known only after apply: `in ${...}`)
    tenancy: str | None = None  # `in tenancy Alias` (Endorse: another tenancy)
    path: tuple[str, ...] = ()  # `in compartment a:b:c`: names, outermost first
    ocid: str | None = None  # `in compartment id ocid1.compartment...`

    @property
    def is_own_tenancy(self) -> bool:
        return self.kind == "tenancy" and self.tenancy is None

    def shown(self) -> str:
        if self.kind == "any-tenancy":
            return "any-tenancy"
        if self.kind == "unknown":
            return self.path[0]
        if self.kind == "tenancy":
            return f"tenancy {self.tenancy}" if self.tenancy else "tenancy"
        return f"compartment id {self.ocid}" if self.ocid else "compartment " + ":".join(self.path)


@dataclass(frozen=True)
class Value:
    text: str  # without its quotes or slashes
    kind: str  # string ('quoted') | pattern (/with*wildcards/) | word (unquoted) | variable (sets-intersect's operand)


@dataclass(frozen=True)
class Condition:
    variable: str  # request.region, target.compartment.name ...
    operator: str  # = | != | in | before | after | between | present | sets-intersect | unknown (a hole: `${...}`)
    values: tuple[Value, ...] = ()


@dataclass(frozen=True)
class ConditionGroup:
    quantifier: str  # all (and) | any (or)
    items: tuple[Expression, ...]


Expression = Condition | ConditionGroup


@dataclass(frozen=True)
class Association:
    """The second half of `to associate A in X with B in Y`."""

    resource: str
    location: Location


@dataclass(frozen=True)
class Grant:
    """Allow, Deny, Endorse or Admit: who may do what, where, under which conditions."""

    action: str  # allow | endorse | admit
    deny: bool
    subjects: tuple[Principal, ...]
    location: Location
    verb: str | None = None  # inspect | read | use | manage | associate; None with permissions
    resource: str | None = None  # a resource type or family (`all-resources`, `object-family`)
    permissions: tuple[str, ...] = ()  # `to {BUCKET_READ, OBJECT_READ}`
    condition: Expression | None = None
    associated: Association | None = None

    @property
    def cross_tenancy(self) -> bool:
        return self.action in ("endorse", "admit") or any(s.tenancy for s in self.subjects)


@dataclass(frozen=True)
class Define:
    """`Define tenancy|group|dynamic-group <alias> as <ocid>`: a name for another tenancy's OCID."""

    kind: str  # tenancy | group | dynamic-group | compartment
    alias: str
    ocid: str


Statement = Grant | Define


@dataclass(frozen=True)
class QuotaStatement:
    action: str  # zero | set | unset
    family: str  # compute-core, database ...
    names: tuple[Value, ...]  # empty: every quota of the family
    location: Location
    amount: int | None = None  # `set ... to <amount>`
    condition: Expression | None = None
