"""OCI's policy languages: IAM policy statements, quota statements and dynamic-group matching rules."""

from residency.iam.holes import has_hole
from residency.iam.model import (
    Association,
    Condition,
    ConditionGroup,
    Define,
    Expression,
    Grant,
    Location,
    Principal,
    QuotaStatement,
    Statement,
    Value,
    same,
)
from residency.iam.parser import (
    ParseError,
    parse_group,
    parse_matching_rule,
    parse_quota,
    parse_statement,
    parse_statement_template,
)

__all__ = [
    "Association",
    "Condition",
    "ConditionGroup",
    "Define",
    "Expression",
    "Grant",
    "Location",
    "ParseError",
    "Principal",
    "QuotaStatement",
    "Statement",
    "Value",
    "has_hole",
    "parse_group",
    "parse_matching_rule",
    "parse_quota",
    "parse_statement",
    "parse_statement_template",
    "same",
]
