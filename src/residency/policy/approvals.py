"""Access approvals: `approvals/` beside the residency policy file, one YAML file per approval.

Each file records who asked for one IAM statement in one IAM policy, who approved it, when, and until
when. The files are validated against approvals.schema.json; a file that is not an approval stops the
gate (exit 2) naming the file, the line and the key. Whether an approval is *valid* (two approvers,
none the requester, expiry within the policy's maximum, not expired) is judged by RES107, which
reports what is missing at the grant it should cover."""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from residency.errors import InputError
from residency.iam import ParseError, Statement, Value, parse_statement
from residency.yamlfile import line_of, load_yaml, plain

APPROVALS_FOLDER = "approvals"
DEFAULT_MAX_DAYS = 90

if TYPE_CHECKING:
    import jsonschema


@dataclass(frozen=True)
class Approval:
    id: str
    statement: str  # as written in the file
    policy: str  # the IAM policy resource: Pulumi resource name, Terraform address or the policy's name
    requested_by: str
    approved_by: tuple[str, ...]
    approved_on: datetime.date
    expires: datetime.date
    reason: str
    reference: str | None
    file: str  # beside the policy file, as findings name it: approvals/<file>.yaml
    line: int | None  # of the statement
    key: Statement  # the parsed statement, normalised: what a policy's statement is matched by

    def covers(self, statement: Statement) -> bool:
        return self.key == normalised(statement)

    def names(self, candidates: tuple[str, ...]) -> bool:
        """Whether `policy` names the IAM policy known by any of `candidates` (name, URN or address)."""
        return self.policy in candidates

    def problems(self, max_days: int, today: datetime.date) -> list[str]:
        """What keeps the approval from holding, in words; empty when it holds today."""
        found = []
        approvers = {person.strip().casefold() for person in self.approved_by}
        requester = self.requested_by.strip().casefold()
        if requester in approvers:
            found.append(f"is approved by its own requester {self.requested_by}")
        others = approvers - {requester}
        if len(others) < 2:
            found.append(f"has {len(others)} approver{'' if len(others) == 1 else 's'} besides the requester; "
                         "two distinct people other than the requester must approve")
        if self.expires < self.approved_on:
            found.append(f"expires ({self.expires}) before it was approved ({self.approved_on})")
        elif (self.expires - self.approved_on).days > max_days:
            found.append(f"runs {(self.expires - self.approved_on).days} days, longer than the policy's maximum of {max_days} (approvals.max_days)")
        if self.approved_on > today:
            found.append(f"is dated {self.approved_on}, after today ({today})")
        if today > self.expires:
            found.append(f"expired on {self.expires}")
        return found

    @property
    def shown(self) -> str:
        return f"{self.id} ({self.file})"


def normalised(statement: Statement) -> Statement:
    """A parsed statement with quoting forgotten: `'us-corp'`, `"us-corp"` and `us-corp` are one value.
    The parser already forgets whitespace and keyword case."""
    if isinstance(statement, Value):
        return Value(statement.text, "string") if statement.kind == "word" else statement
    if isinstance(statement, tuple):
        return tuple(normalised(item) for item in statement)
    if dataclasses.is_dataclass(statement) and not isinstance(statement, type):
        return dataclasses.replace(statement, **{
            f.name: normalised(getattr(statement, f.name)) for f in dataclasses.fields(statement)
        })
    return statement


def waiver_problems(waiver: dict[str, Any], rule_level: str) -> list[tuple[str, str]]:
    """(key, problem) of a waiver in the policy file: a waiver of a mandatory rule is an approval too, so it
    needs two distinct approvers. (That it names a resource, not every one, the loader checks for all.)"""
    found = []
    approvers = waiver["approved_by"] if isinstance(waiver["approved_by"], list) else [waiver["approved_by"]]
    if rule_level == "mandatory" and len({a.strip().casefold() for a in approvers if a.strip()}) < 2:
        found.append(("approved_by", (f"waives the mandatory rule {waiver['rule']} with one approver; two distinct "
                                      "people must approve it (approved_by: [first, second])")))
    return found


def approvals_folder(policy_file: Path) -> Path:
    return policy_file.parent / APPROVALS_FOLDER


def load_approvals(folder: Path, shown_folder: str) -> tuple[Approval, ...]:
    """Every approval in `folder` (*.yaml, *.yml), in file-name order; none when there is no folder."""
    if not folder.is_dir():
        return ()
    approvals: list[Approval] = []
    seen: dict[str, str] = {}
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        shown = f"{shown_folder}/{path.name}"
        approval = _load(path, shown)
        if approval.id in seen:
            raise InputError(f"approval id {approval.id!r} is also used by {seen[approval.id]}; ids must be unique",
                             file=shown, line=line_of(load_yaml(path, display=shown), ["id"]), key="id")
        seen[approval.id] = shown
        approvals.append(approval)
    return tuple(approvals)


def _schema() -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("approvals.schema.json").read_text())


def _load(path: Path, shown: str) -> Approval:
    document = load_yaml(path, display=shown)
    data = plain(document)
    if not isinstance(data, dict):
        raise InputError("expected an approval: a mapping with id, statement, policy, requested_by, approved_by, "
                         "approved_on, expires and reason", file=shown, line=line_of(document, []))
    import jsonschema  # here, not at the top: a check without approvals never needs it

    validator = jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker(formats=["date"]))
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        problems = [_describe(error, document) for error in errors]
        (line, key, message), rest = problems[0], problems[1:]
        raise InputError(message, file=shown, line=line, key=key or None,
                         details=[f"line {ln} ({k}): {m}" for ln, k, m in rest])
    try:
        statement = parse_statement(data["statement"])
    except ParseError as error:
        raise InputError(f"not an OCI policy statement: {error}", file=shown,
                         line=line_of(document, ["statement"]), key="statement") from None
    return Approval(
        id=data["id"], statement=data["statement"], policy=data["policy"], requested_by=data["requested_by"],
        approved_by=tuple(data["approved_by"]), approved_on=datetime.date.fromisoformat(data["approved_on"]),
        expires=datetime.date.fromisoformat(data["expires"]), reason=data["reason"], reference=data.get("reference"),
        file=f"{APPROVALS_FOLDER}/{path.name}", line=line_of(document, ["statement"]), key=normalised(statement),
    )


def _describe(error: jsonschema.ValidationError, document: Any) -> tuple[int | None, str, str]:
    path = list(error.absolute_path)
    key = ".".join(str(step) if not isinstance(step, int) else f"[{step}]" for step in path).replace(".[", "[")
    value = error.instance
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unexpected = min(set(value) - set(allowed))
        return line_of(document, [*path, unexpected]), unexpected, f"unknown key {unexpected!r}; expected one of: {', '.join(allowed)}"
    if error.validator == "required":
        missing = error.message.split("'")[1]
        return line_of(document, path), missing, f"missing required key: {missing}"
    if error.validator == "format":
        return line_of(document, path), key, f"{value!r} is not a date (YYYY-MM-DD)"
    if error.validator == "type":
        return line_of(document, path), key, f"expected {error.validator_value}, got {type(value).__name__} {value!r}"
    if error.validator == "pattern":
        return line_of(document, path), key, f"{value!r} is not valid here: expected text matching {error.validator_value}"
    return line_of(document, path), key, error.message
