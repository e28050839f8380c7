"""The residency rules. Each rule is one module with its metadata beside its logic."""

from residency.rules.any_principal import AnyPrincipalGrant
from residency.rules.base import Evidence, Rule, RuleMeta, Violation
from residency.rules.classification import MissingClassification
from residency.rules.context import NeedsGraph, RuleContext
from residency.rules.cross_region import CrossRegionMovement
from residency.rules.cross_tenancy import CrossTenancyGrant
from residency.rules.dynamic_group_scope import DynamicGroupScope
from residency.rules.exposure import PublicExposure
from residency.rules.foreign_reference import ForeignReference
from residency.rules.guardrails import Guardrails
from residency.rules.region import ResourceRegion
from residency.rules.region_condition import RegionUnrestrictedGrant
from residency.rules.tenancy_data_access import TenancyWideDataAccess
from residency.rules.uncatalogued import UncataloguedType

RULES: tuple[Rule, ...] = (
    ResourceRegion(), CrossRegionMovement(), ForeignReference(), MissingClassification(), Guardrails(),
    AnyPrincipalGrant(), CrossTenancyGrant(), TenancyWideDataAccess(), RegionUnrestrictedGrant(), PublicExposure(),
    DynamicGroupScope(), UncataloguedType(),
)

__all__ = ["RULES", "Evidence", "NeedsGraph", "Rule", "RuleContext", "RuleMeta", "Violation"]
