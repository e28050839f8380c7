"""The residency rules. Each rule is one module with its metadata beside its logic."""

from residency.rules.base import Evidence, Rule, RuleMeta, Violation
from residency.rules.classification import MissingClassification
from residency.rules.context import NeedsGraph, RuleContext
from residency.rules.cross_region import CrossRegionMovement
from residency.rules.foreign_reference import ForeignReference
from residency.rules.region import ResourceRegion

RULES: tuple[Rule, ...] = (ResourceRegion(), CrossRegionMovement(), ForeignReference(), MissingClassification())

__all__ = ["RULES", "Evidence", "NeedsGraph", "Rule", "RuleContext", "RuleMeta", "Violation"]
