"""What a rule is: its metadata, and the violations it reports. Rules never know which engine
runs them (the CLI, the Pulumi policy pack or Checkov)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from residency.enforcement import Level, Severity
from residency.value_object import value_object

if TYPE_CHECKING:
    from residency.inventory import Origin, Resource
    from residency.rules.context import RuleContext


@dataclass(frozen=True)
class RuleMeta:
    id: str  # RES001
    name: str  # resource-region
    title: str
    severity: Severity
    rationale: str  # why it matters
    remediation: str  # how to fix it
    applies_to: str  # the resource types, in words
    default_level: Level = Level.MANDATORY
    tags: tuple[str, ...] = ()
    # compares the program with a deployed state: engines that have none (the policy pack,
    # Checkov, a check without --state) do not run it
    reads_deployed_state: bool = False

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, self.name)


@value_object
class Evidence:
    """One link in the chain behind a decision: `subject` `relation` `value`."""

    subject: str
    relation: str
    value: str

    def __str__(self) -> str:
        return f"{self.subject} {self.relation} {self.value}"


@value_object
class Violation:
    """What a rule reports, before the policy gives it a level."""

    resource: Resource | None  # None: about the stack as a whole
    message: str
    evidence: tuple[Evidence, ...] = ()
    proven: bool = True  # False: a value that could not be known is why this was not shown compliant
    path: str | None = None  # the property at fault, in snake_case
    origins: tuple[Origin, ...] = ()  # where the value at fault was written (config line, provider), deepest first


class Rule(Protocol):
    meta: RuleMeta

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        """Violations of one resource."""
        ...

    def check_stack(self, context: RuleContext) -> Iterable[Violation]:
        """Violations that belong to the stack as a whole."""
        ...

    def reports_on_type(self, token: str) -> bool:
        """Whether `check` may report anything on a resource of this type (its pulumi-oci token,
        "" for a type the catalogue does not know): the engine asks `check` only about those."""
        ...


class ResourceRule:
    """Base for rules that look at one resource at a time."""

    meta: RuleMeta

    def check(self, resource: Resource, context: RuleContext) -> Iterable[Violation]:
        raise NotImplementedError

    def check_stack(self, context: RuleContext) -> Iterable[Violation]:
        return ()

    def reports_on_type(self, token: str) -> bool:
        return True  # a rule that reads only some types says which
