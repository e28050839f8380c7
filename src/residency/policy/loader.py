"""Reads policies/residency.yaml: JSON Schema first, then what a schema cannot say.

Every problem names the file, the line and the key, so that a broken policy never turns into
a traceback or, worse, into a gate that passes."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residency.catalog import CATALOG
from residency.enforcement import Level
from residency.errors import InputError
from residency.iam import ParseError, parse_group
from residency.oci.regions import lookup_region
from residency.policy.approvals import DEFAULT_MAX_DAYS, approvals_folder, load_approvals, waiver_problems
from residency.policy.discovery import BUILTIN, find_policy
from residency.policy.model import (
    BUILTIN_SOURCE,
    PROTECTED_DEFAULT,
    AccessPolicy,
    Classification,
    GuardrailsPolicy,
    LevelControls,
    ResidencyPolicy,
    RuleSetting,
    Waiver,
)
from residency.yamlfile import line_of, load_yaml, plain

if TYPE_CHECKING:
    import jsonschema

    from residency.rules import Rule, RuleMeta


def _is_region(value: object) -> bool:
    return not isinstance(value, str) or lookup_region(value) is not None


def schema() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("schema.json").read_text())


def load_policy(
    path: Path | str | None = None, *, cwd: Path | None = None, today: datetime.date | None = None,
    rules: Iterable[Rule] | None = None,
) -> ResidencyPolicy:
    """The policy in `path` (`builtin`: the built-in one); without one, the policies/residency.yaml
    that discovery finds from `cwd` (README, "Which policy decides"), else the built-in one.
    `today` bounds the waivers' expiry (waiver_max_days); `rules` are the rules the file may name
    (by id or name): the registry's (residency.rules.RULES) unless given."""
    if rules is None:
        # The registry's rules, read when a policy is loaded rather than when this module is: rule
        # modules may import the policy package (its model, its approvals).
        from residency.rules import RULES as rules
    metas = tuple(rule.meta for rule in rules)
    if path is None:
        path = find_policy(cwd or Path.cwd()) or BUILTIN
    if str(path) == BUILTIN:  # `--policy builtin`; a file of that name is given by another path (/abs/builtin)
        default = resources.files(__package__).joinpath("default.yaml")
        with resources.as_file(default) as default_path:
            return _load(default_path, BUILTIN_SOURCE, today, metas, builtin=True)
    return _load(Path(path), str(path), today, metas)


def _load(
    path: Path, shown: str, today: datetime.date | None, metas: tuple[RuleMeta, ...], *, builtin: bool = False,
) -> ResidencyPolicy:
    known = _rule_names(metas)
    if path.exists() and not path.is_file():
        raise InputError("not a policy file: expected a readable YAML file", file=shown)
    document = load_yaml(path, display=shown)
    data = plain(document)
    # The built-in policy is part of residency, held to the schema by its tests: validating it again
    # at every run would import jsonschema, a quarter of a check's imports, for a file no user writes.
    problems = [] if builtin else [_describe(error, document) for error in _schema_errors(data)]
    if not problems:
        problems = _semantic_problems(data, document, today or datetime.date.today(), known, metas)
    if problems:
        (line, key, message), rest = problems[0], problems[1:]
        raise InputError(
            message, file=shown, line=line, key=key or None,
            details=[" ".join(filter(None, [f"line {ln}" if ln else "", f"({k})" if k else ""])) + f": {m}" for ln, k, m in rest],
        )
    policy = _build(data, shown, hashlib.sha256(path.read_bytes()).hexdigest(), known)
    return _with_access_controls(policy, data, path, shown)


def _with_access_controls(policy: ResidencyPolicy, data: dict, path: Path, shown: str) -> ResidencyPolicy:
    """The approvals in `approvals/` beside a policy file (the built-in policy has none), and the
    controls per classification level."""
    approvals = () if shown == BUILTIN_SOURCE else load_approvals(
        approvals_folder(path), str(approvals_folder(Path(shown))))
    return replace(
        policy, approvals=approvals, approval_max_days=data.get("approvals", {}).get("max_days", DEFAULT_MAX_DAYS),
        controls=_controls(data.get("controls", {}), data["classification"]["protected"]),
    )


def _controls(controls: dict, protected: list[str]) -> dict[str, LevelControls]:
    """Each level's controls; what a level does not say comes from its default (PROTECTED_DEFAULT or none)."""
    built = {}
    for level, given in controls.items():
        default = PROTECTED_DEFAULT if level in protected else LevelControls()
        built[level] = LevelControls(
            regions=tuple(dict.fromkeys(lookup_region(r) for r in given["regions"])) if "regions" in given else default.regions,
            groups={group: tuple(verbs) for group, verbs in given["groups"].items()} if "groups" in given else default.groups,
            approval=given.get("approval", default.approval),
            conditions=tuple(given.get("conditions", default.conditions)),
        )
    return built


def _schema_errors(data: Any) -> list[jsonschema.ValidationError]:
    import jsonschema  # here, not at the top: only a policy file a user wrote is validated

    formats = jsonschema.FormatChecker(formats=["date"])
    formats.checks("oci-region")(_is_region)
    validator = jsonschema.Draft202012Validator(schema(), format_checker=formats)
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
    if validator == "pattern" and error.validator_value == r"\S":
        return line_of(document, path), _dotted(path), (
            f"{value!r} is blank; expected {'who approved it' if path[-1] == 'approved_by' else 'text'}")
    if validator == "type":
        return line_of(document, path), _dotted(path), f"expected {error.validator_value}, got {type(value).__name__} {value!r}"
    if validator in ("enum", "oneOf") or (validator == "const"):
        expected = "mandatory, advisory or disabled" if path and path[0] == "rules" else error.message
        return line_of(document, path), _dotted(path), f"{value!r} is not valid here; expected {expected}"
    return line_of(document, path), _dotted(path), error.message


def _rule_names(rules: Iterable[RuleMeta]) -> dict[str, str]:
    """Each rule's id and name -> its id: the policy file may name a rule either way."""
    return {identifier: rule.id for rule in rules for identifier in rule.ids}


def _semantic_problems(
    data: dict, document: Any, today: datetime.date, known: dict[str, str], metas: tuple[RuleMeta, ...]
) -> list[tuple[int | None, str, str]]:
    def problem(path: list[Any], message: str) -> None:
        problems.append((line_of(document, path), _dotted(path), message))

    problems: list[tuple[int | None, str, str]] = []
    classification = data["classification"]
    levels = classification["levels"]
    seen_levels: dict[str, str] = {}
    for index, level in enumerate(levels):
        if level.lower() in seen_levels:  # OCI compares tag values without case: both would be one level
            problem(["classification", "levels", index],
                    f"{level!r} is the level {seen_levels[level.lower()]!r} again (levels are compared without case)")
        seen_levels.setdefault(level.lower(), level)
    for index, level in enumerate(classification["protected"]):
        if level not in levels:
            problem(["classification", "protected", index], f"{level!r} is not one of the levels {levels}")
    if levels[-1] not in classification["protected"]:
        problem(["classification", "protected"],
                f"the strictest level {levels[-1]!r} must be protected: unclassified resources are treated as that level")
    named: dict[str, str] = {}  # rule id -> the key that set it
    for key in data.get("rules", {}):
        if key not in known:
            problem(["rules", key], f"unknown rule {key!r}; known rules: {', '.join(sorted(set(known)))}")
        elif known[key] in named:
            problem(["rules", key], f"{key!r} names {known[key]} again, already set as {named[known[key]]!r}: set each rule once")
        else:
            named[known[key]] = key
    latest = today + datetime.timedelta(days=data.get("waiver_max_days", ResidencyPolicy.waiver_max_days))
    for index, waiver in enumerate(data.get("waivers", [])):
        if waiver["rule"] not in known:
            problem(["waivers", index, "rule"], f"unknown rule {waiver['rule']!r}")
        if not waiver_types(waiver["type"]):
            problem(["waivers", index, "type"],
                    f"{waiver['type']!r} is not an OCI resource type; expected a pulumi-oci token "
                    "(oci:Identity/dynamicGroup:DynamicGroup) or a Terraform type (oci_identity_dynamic_group)")
        if not _names_something(waiver["resource"]):
            problem(["waivers", index, "resource"],
                    f"{waiver['resource']!r} matches every resource; name the resource (URN, address or name)")
        if datetime.date.fromisoformat(waiver["expires"]) > latest:
            problem(["waivers", index, "expires"],
                    f"{waiver['expires']} is more than waiver_max_days ({(latest - today).days}) after today "
                    f"({today.isoformat()}); renew the waiver closer to its end")
    return (problems + _access_problems(data.get("access", {}), document) + _controls_problems(data, document)
            + _waiver_problems(data, document, known, metas))


def _waiver_problems(
    data: dict, document: Any, known: dict[str, str], metas: tuple[RuleMeta, ...]
) -> list[tuple[int | None, str, str]]:
    """The two-person rule for waivers of mandatory rules, at the level the policy gives each rule."""
    levels = {meta.id: meta.default_level.value for meta in metas}
    for key, setting in data.get("rules", {}).items():
        if key in known:
            levels[known[key]] = setting if isinstance(setting, str) else setting["level"]
    problems = []
    for index, waiver in enumerate(data.get("waivers", [])):
        for key, message in waiver_problems(waiver, levels.get(known.get(waiver["rule"], ""), "mandatory")):
            path = ["waivers", index, key]
            problems.append((line_of(document, path), _dotted(path), message))
    return problems


def _controls_problems(data: dict, document: Any) -> list[tuple[int | None, str, str]]:
    problems = []
    classification = data["classification"]
    allowed = {lookup_region(r) for r in data["regions"]["allowed"]}
    for level, given in data.get("controls", {}).items():
        if level not in classification["levels"]:
            path = ["controls", level]
            problems.append((line_of(document, path), _dotted(path), f"{level!r} is not one of the levels {classification['levels']}"))
            continue
        if "regions" in given and level not in classification["protected"]:
            path = ["controls", level, "regions"]
            problems.append((line_of(document, path), _dotted(path), f"{level!r} is not a protected level: its data may be anywhere, so it takes no regions"))
        for index, region in enumerate(given.get("regions", [])):
            if lookup_region(region) not in allowed:
                path = ["controls", level, "regions", index]
                problems.append((line_of(document, path), _dotted(path), f"{region!r} is not one of regions.allowed; a level may only narrow them"))
        for group in given.get("groups", {}):
            try:
                parse_group(group)
            except ParseError as error:
                path = ["controls", level, "groups", group]
                problems.append((line_of(document, path), _dotted(path), f"{group!r} is not a group ({error}); expected Name, Domain/Name or a group OCID"))
    return problems


def waiver_types(written: str) -> frozenset[str]:
    """The type a waiver names, as pulumi token and Terraform type; empty when it is no OCI type."""
    if CATALOG.is_oci_terraform_type(written):
        return frozenset(filter(None, (written, CATALOG.token(written))))
    terraform_type = CATALOG.terraform_type(written)
    return frozenset((written, terraform_type)) if terraform_type else frozenset()


def _names_something(pattern: str) -> bool:
    """A pattern with a letter or digit outside its wildcards; `*`, `????`, `[!x]*` match anything."""
    return re.search(r"[A-Za-z0-9]", re.sub(r"\[[^\]]*\]", "", pattern)) is not None


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
    for index, cidr in enumerate(access.get("allowed_cidrs", [])):
        try:
            ipaddress.ip_network(cidr)
        except ValueError as error:
            path = ["access", "allowed_cidrs", index]
            problems.append((line_of(document, path), _dotted(path), f"{cidr!r} is not a CIDR block ({error}); expected an address and prefix like 203.0.113.0/24"))
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
        network_sources=tuple(access.get("network_sources", default.network_sources)),
        allowed_cidrs=tuple(access.get("allowed_cidrs", default.allowed_cidrs)),
    )


def _build(data: dict, shown: str, sha256: str, known: dict[str, str]) -> ResidencyPolicy:
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
            types=waiver_types(w["type"]),
            resource=w["resource"],
            reason=w["reason"],
            approved_by=", ".join(w["approved_by"]) if isinstance(w["approved_by"], list) else w["approved_by"],
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
        non_moving_types=frozenset(data.get("non_moving_types", [])),
        rules=rules,
        waivers=waivers,
        access=_access(data.get("access", {})),
        guardrails=_guardrails(data.get("guardrails", {})),
        source=shown,
        external_locations={cloud: frozenset(locations) for cloud, locations in data["regions"].get("external", {}).items()},
        sha256=sha256,
        waiver_max_days=data.get("waiver_max_days", ResidencyPolicy.waiver_max_days),
    )
