"""Which classification level a grant's reach stands for, and what that level's controls (the policy's
`controls.<level>`) let groups hold there: shared by RES107 and RES108."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from residency.iam import Grant, Principal, parse_group, same
from residency.inventory import Resource
from residency.policy.model import VERBS, LevelControls
from residency.rules.access import EVERY_COMPARTMENT, Reach
from residency.rules.context import COMPARTMENT, NeedsGraph, RuleContext


def reach_level(reach: Reach, context: RuleContext) -> str:
    """The level of the data a grant reaches: the protected compartment's own classification when the
    program creates and tags it with a protected level, else the strictest level (fail closed)."""
    scheme = context.policy.classification
    if reach.compartment == EVERY_COMPARTMENT:
        return scheme.strictest
    if context.inventory is None:
        raise NeedsGraph(reach.compartment)  # the compartment's own tag decides: the stack pass has it
    compartment = _compartments(context).get(reach.compartment.casefold())
    if compartment is None:
        return scheme.strictest
    level = context.classification(compartment).level
    return level if scheme.is_protected(level) else scheme.strictest


_COMPARTMENTS: WeakKeyDictionary[RuleContext, dict[str, Resource]] = WeakKeyDictionary()


def _compartments(context: RuleContext) -> dict[str, Resource]:
    """The program's compartments by name (without case), once per context: every grant asks."""
    if context not in _COMPARTMENTS:
        found = {}
        for resource in context.inventory.resources:
            name = resource.first("name") if resource.token == COMPARTMENT else None
            if name is not None and name.known and isinstance(name.value, str):
                found.setdefault(name.value.casefold(), resource)
        _COMPARTMENTS[context] = found
    return _COMPARTMENTS[context]


def controls_at(reach: Reach, context: RuleContext) -> tuple[str, LevelControls]:
    level = reach_level(reach, context)
    return level, context.policy.controls_for(level)


def verb_of(grant: Grant) -> str:
    """The verb a grant amounts to: explicit permissions and `associate` are counted as manage, since
    what they allow cannot be ranked."""
    return grant.verb if grant.verb in VERBS else "manage"


def allowed_verbs(principal: Principal, controls: LevelControls) -> tuple[str, ...] | None:
    """The verbs a level lets a subject hold; None when the level does not restrict groups."""
    if controls.groups is None:
        return None
    if principal.kind != "group" or principal.tenancy:
        return ()
    for written, verbs in controls.groups.items():
        listed = parse_group(written)
        if listed.ocid or principal.ocid:
            if same(listed.ocid, principal.ocid):
                return verbs
        elif same(listed.name, principal.name) and same(listed.domain or "Default", principal.domain or "Default"):
            return verbs
    return ()


def exceeds(verb: str, verbs: tuple[str, ...]) -> bool:
    """Whether `verb` is more than the most a level allows (each verb includes the ones before it)."""
    most = max((VERBS.index(v) for v in verbs), default=-1)
    return VERBS.index(verb) > most
