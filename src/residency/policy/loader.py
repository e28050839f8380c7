"""Reads policies/residency.yaml: JSON Schema first, then what a schema cannot say.

Every problem names the file, the line and the key, so that a broken policy never turns into
a traceback or, worse, into a gate that passes."""

from __future__ import annotations

import datetime
import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from residency.enforcement import Level
from residency.catalog import CATALOG
from residency.errors import InputError
from residency.iam import ParseError, parse_group
from residency.oci.regions import lookup_region
from residency.policy.model import AccessPolicy, Classification, GuardrailsPolicy, ResidencyPolicy, RuleSetting, Waiver
from residency.yamlfile import line_of, load_yaml, plain

DEFAULT_POLICY_PATH = Path("policies") / "residency.yaml"
_FORMATS = jsonschema.FormatChecker(formats=["date"])


@_FORMATS.checks("oci-region")
def _is_region(value: object) -> bool:
    return not isinstance(value, str) or lookup_region(value) is not None


def schema() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("schema.json").read_text())


def load_policy(path: Path | None = None, *, cwd: Path | None = None) -> ResidencyPolicy:
    """The policy in `path`; without one, policies/residency.yaml under `cwd` when it exists,
    else the built-in default."""
    if path is None:
        candidate = (cwd or Path.cwd()) / DEFAULT_POLICY_PATH
        if candidate.is_file():
            return _load(candidate, str(DEFAULT_POLICY_PATH))
        default = resources.files(__package__).joinpath("default.yaml")
        with resources.as_file(default) as default_path:
            return _load(default_path, "built-in default")
    return _load(path, str(path))


def _load(path: Path, shown: str) -> ResidencyPolicy:
    document = load_yaml(path, display=shown)
    data = plain(document)
    problems = [_describe(error, document) for error in _schema_errors(data)]
    if not problems:
        problems = _semantic_problems(data, document)
    if problems:
        (line, key, message), rest = problems[0], problems[1:]
        raise InputError(
            message, file=shown, line=line, key=key or None,
            details=[" ".join(filter(None, [f"line {ln}" if ln else "", f"({k})" if k else ""])) + f": {m}" for ln, k, m in rest],
        )
    return _build(data, shown)


def _schema_errors(data: Any) -> list[jsonschema.ValidationError]:
    validator = jsonschema.Draft202012Validator(schema(), format_checker=_FORMATS)
    return sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])


def _dotted(path: list[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def _describe(error: jsonschema.ValidationError, document: Any) -> tuple[int | None, str, str]:
    path = list(error.absolute_path)
    validator, value = error.validator, error.instance
    if validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unexpected = sorted(set(value) - set(allowed)) if isinstance(value, dict) else []
        key_path = path + unexpected[:1]
        return line_of(document, key_path), _dotted(key_path), (
            f"unknown key {unexpected[0]!r}; expected one of: {', '.join(allowed)}"
            if unexpected else error.message
        )
    if validator == "required":
        return line_of(document, path), _dotted(path), f"missing required key: {error.message.split(' ')[0]}"
    if validator == "format" and error.validator_value == "oci-region":
        return line_of(document, path), _dotted(path), f"{value!r} is not an OCI region (a name like us-ashburn-1 or a key like iad)"
    if validator == "format" and error.validator_value == "date":
        return line_of(document, path), _dotted(path), f"{value!r} is not a date (YYYY-MM-DD)"
    if validator == "type":
        return line_of(document, path), _dotted(path), f"expected {error.validator_value}, got {type(value).__name__} {value!r}"
    if validator in ("enum", "oneOf") or (validator == "const"):
        expected = "mandatory, advisory or disabled" if path and path[0] == "rules" else error.message
        return line_of(document, path), _dotted(path), f"{value!r} is not valid here; expected {expected}"
    return line_of(document, path), _dotted(path), error.message


def _known_rules() -> dict[str, str]:
    from residency.rules import RULES  # the rules register themselves; imported late to avoid a cycle

    known = {}
    for rule in RULES:
        known[rule.meta.id] = rule.meta.id
        known[rule.meta.name] = rule.meta.id
    return known


def _semantic_problems(data: dict, document: Any) -> list[tuple[int | None, str, str]]:
    problems = []
    classification = data["classification"]
    levels = classification["levels"]
    for index, level in enumerate(classification["protected"]):
        if level not in levels:
            path = ["classification", "protected", index]
            problems.append((line_of(document, path), _dotted(path), f"{level!r} is not one of the levels {levels}"))
    if levels[-1] not in classification["protected"]:
        path = ["classification", "protected"]
        problems.append((
            line_of(document, path), _dotted(path),
            f"the strictest level {levels[-1]!r} must be protected: unclassified resources are treated as that level",
        ))
    known = _known_rules()
    for key in data.get("rules", {}):
        if key not in known:
            path = ["rules", key]
            problems.append((line_of(document, path), _dotted(path), f"unknown rule {key!r}; known rules: {', '.join(sorted(set(known)))}"))
    for index, waiver in enumerate(data.get("waivers", [])):
        if waiver["rule"] not in known:
            path = ["waivers", index, "rule"]
            problems.append((line_of(document, path), _dotted(path), f"unknown rule {waiver['rule']!r}"))
    return problems + _access_problems(data.get("access", {}), document)


def _access_problems(access: dict, document: Any) -> list[tuple[int | None, str, str]]:
    problems = []
    for index, group in enumerate(access.get("admin_groups", [])):
        try:
            parse_group(group)
        except ParseError as error:
            path = ["access", "admin_groups", index]
            problems.append((line_of(document, path), _dotted(path), f"{group!r} is not a group ({error}); expected Name, Domain/Name or a group OCID"))
    for index, resource in enumerate(access.get("data_resources", [])):
        if resource.lower() not in CATALOG.iam_types:
            path = ["access", "data_resources", index]
            problems.append((line_of(document, path), _dotted(path), f"{resource!r} is not an IAM resource-type or family; expected one of: {', '.join(sorted(CATALOG.iam_families))}, or a type of one of them"))
    return problems


def _guardrails(guardrails: dict) -> GuardrailsPolicy:
    default = GuardrailsPolicy()
    return GuardrailsPolicy(
        quota_families=tuple(guardrails.get("quota_families", default.quota_families)),
        security_zone=guardrails.get("security_zone", default.security_zone),
    )


def _access(access: dict) -> AccessPolicy:
    default = AccessPolicy()
    return AccessPolicy(
        admin_groups=tuple(access.get("admin_groups", default.admin_groups)),
        data_resources=tuple(r.lower() for r in access.get("data_resources", default.data_resources)),
    )


def _build(data: dict, shown: str) -> ResidencyPolicy:
    known = _known_rules()
    classification = data["classification"]
    rules = {}
    for key, setting in data.get("rules", {}).items():
        if isinstance(setting, str):
            rules[known[key]] = RuleSetting(Level(setting))
        else:
            unproven = setting.get("unproven")
            rules[known[key]] = RuleSetting(Level(setting["level"]), Level(unproven) if unproven else None)
    waivers = tuple(
        Waiver(
            rule=known[w["rule"]],
            resource=w["resource"],
            reason=w["reason"],
            approved_by=w["approved_by"],
            reference=w.get("reference"),
            expires=datetime.date.fromisoformat(w["expires"]),
        )
        for w in data.get("waivers", [])
    )
    allowed = []
    for name in data["regions"]["allowed"]:
        region = lookup_region(name)
        if region not in allowed:
            allowed.append(region)
    return ResidencyPolicy(
        allowed_regions=tuple(allowed),
        home_region=lookup_region(data["regions"]["home"]),
        classification=Classification(
            tag_namespace=classification["tag_namespace"],
            tag_key=classification["tag_key"],
            levels=tuple(classification["levels"]),
            protected=frozenset(classification["protected"]),
        ),
        protected_compartments=frozenset(data.get("protected_compartments", [])),
        rules=rules,
        waivers=waivers,
        access=_access(data.get("access", {})),
        guardrails=_guardrails(data.get("guardrails", {})),
        source=shown,
        external_locations={cloud: frozenset(locations) for cloud, locations in data["regions"].get("external", {}).items()},
    )
