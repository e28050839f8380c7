"""Who can reach each protected compartment: the access view of the reports.

For every grant that reaches a protected compartment (read with the access rules' helpers): who, with
which verb on what, from which network sources, under which approval and until when. It goes into the
findings document (`access`), so a saved document renders the same view."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from residency.inventory import Inventory
from residency.policy import ResidencyPolicy
from residency.rules.access import EVERY_COMPARTMENT, grants, protected_reach, required_values
from residency.rules.access_origin import NETWORK_VARIABLE
from residency.rules.approval_match import approvals_of
from residency.rules.context import RuleContext
from residency.rules.level_controls import reach_level


def access_view(inventory: Inventory, policy: ResidencyPolicy, today: datetime.date) -> list[dict[str, Any]]:
    """Protected compartments (every compartment, for grants `in tenancy`, last), each with its grants."""
    context = RuleContext(policy, inventory, today)
    by_compartment: dict[str, dict[str, Any]] = {}
    for row in _rows(inventory, context):
        compartment, level = row.pop("compartment"), row.pop("level")
        entry = by_compartment.setdefault(compartment, {"compartment": compartment, "level": level, "grants": []})
        entry["grants"].append(row)
    return [by_compartment[name] for name in sorted(by_compartment, key=lambda n: (n == EVERY_COMPARTMENT, n.casefold()))]


def _rows(inventory: Inventory, context: RuleContext) -> Iterator[dict[str, Any]]:
    for resource in inventory.resources:
        for read, grant in grants(resource):
            if grant is None or grant.action == "endorse":
                continue
            reach = protected_reach(grant.location, resource, context)
            if reach is None:
                continue
            networks = required_values(grant.condition, NETWORK_VARIABLE)
            yield {
                "compartment": reach.compartment,
                "level": reach_level(reach, context),
                "subjects": [subject.shown() for subject in grant.subjects],
                "people": any(subject.kind == "group" for subject in grant.subjects),
                "verb": grant.verb or "permissions",
                "resource": grant.resource or ", ".join(grant.permissions),
                "policy": resource.name,
                "path": read.path,
                "networks": None if networks is None else sorted(value.text for value in networks),
                "approvals": [
                    {"id": a.id, "file": a.file, "expires": a.expires.isoformat(),
                     "problems": a.problems(context.policy.approval_max_days, context.today)}
                    for a in approvals_of(resource, read.statement, context)
                ],
            }
