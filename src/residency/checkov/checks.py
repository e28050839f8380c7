"""The residency rules as Checkov checks (policies/checkov has one module per rule).

Each rule becomes two checks with one id, `CKV_RES_<number>` (RES001 -> CKV_RES_001):
- a resource check on the types the rule judges (metadata.check_types: OCI's, and for RES002
  every other provider's too): FAILED when the rule has a finding about the resource that counts
  (at any level the policy gives; a waived finding does not count);
- a provider check on `oci`: FAILED when the rule has a finding about the deployment as a whole
  (RES001: a home region that is not allowed).

The checks decide nothing themselves: they find where the resource came from (the plan file,
or its root module's directory, from Checkov's graph) and ask the engine (verdicts). A resource
whose source cannot be found or read fails: residency that cannot be shown is not passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checkov.common.bridgecrew.severities import Severities
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.provider.base_check import BaseProviderCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from residency.checkov import metadata
from residency.checkov.verdicts import BELOW_FAIL_ON, UNPROVEN_MARK, Verdict, check_id, rule_by_id, verdicts_for
from residency.errors import InputError
from residency.rules import Rule

ADDRESS = "__address__"
PLAN_FILE = "__file__"


@dataclass(frozen=True)
class Located:
    path: Path  # the plan file, or the root module's directory
    kind: str  # plan | hcl
    address: str


class PolicyWaiversOnly:
    """Checkov skips a check where the scanned code says `#checkov:skip=<id>`, and so would let the
    code under review waive its own findings. Residency's checks run anyway: only the policy's
    waivers, with their approval and expiry, waive a finding. The ignored comment is noted."""

    def run(self, scanned_file, entity_configuration, entity_name, entity_type, skip_info):
        result = super().run(scanned_file, entity_configuration, entity_name, entity_type, {})
        if skip_info:
            self.details.append(
                f"note: the inline suppression `checkov:skip={self.id}` in the scanned code is ignored: "
                "residency findings are waived only by the policy's waivers (policies/residency.yaml)"
            )
        return result


class ResidencyResourceCheck(PolicyWaiversOnly, BaseResourceCheck):
    def __init__(self, rule_id: str):
        self.rule = rule_by_id(rule_id)
        super().__init__(**_described(self.rule), supported_resources=list(metadata.check_types(rule_id)))
        self.severity = Severities[metadata.severity(self.rule.meta.severity)]

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        address = conf.get(ADDRESS)
        try:
            located = _locate_plan(conf) or _locate_in_graph(self.graph, "resource", address, self.entity_path)
            verdict = verdicts_for(located.path, located.kind).resource(self.rule, located.address)
        except InputError as error:
            return _fail_unproven(self, str(error))
        if verdict is None:
            return _fail_unproven(self, f"residency did not find {address} in {located.path}")
        return _result(self, verdict)


class ResidencyStackCheck(PolicyWaiversOnly, BaseProviderCheck):
    def __init__(self, rule_id: str):
        self.rule = rule_by_id(rule_id)
        super().__init__(**_described(self.rule), supported_provider=["oci"])
        self.severity = Severities[metadata.severity(self.rule.meta.severity)]

    def scan_provider_conf(self, conf: dict[str, Any]) -> CheckResult:
        try:
            located = _locate_in_graph(self.graph, "provider", conf.get(ADDRESS), self.entity_path)
            verdict = verdicts_for(located.path, located.kind).stack(self.rule)
        except InputError as error:
            return _fail_unproven(self, str(error))
        return _result(self, verdict)


def _described(rule: Rule) -> dict[str, Any]:
    """What Checkov shows of a check: the rule's title and ids, its categories and its page."""
    return {
        "name": f"{rule.meta.title} ({rule.meta.id} {rule.meta.name})",
        "id": check_id(rule.meta.id),
        "categories": [CheckCategories[name] for name in metadata.CATEGORIES.get(rule.meta.id, ("GENERAL_SECURITY",))],
        "guideline": metadata.guideline(rule.meta.id),
    }


def _result(check, verdict: Verdict) -> CheckResult:
    check.details = [_detail(f) for f in verdict.findings]
    check.details += [f"{_detail(f)} {BELOW_FAIL_ON}" for f in verdict.below]
    check.details += [f"waived: {f.message} ({f.waiver.waiver.reason}, approved by {f.waiver.waiver.approved_by})"
                      for f in verdict.waived]
    if not verdict.passed:
        check.details.append(f"how to fix: {metadata.remediation(check.rule.meta.id, check.rule.meta.remediation)}")
    return CheckResult.PASSED if verdict.passed else CheckResult.FAILED


def _detail(finding) -> str:
    where = f"{finding.path}: " if finding.path else ""
    proof = "" if finding.proven else f" {UNPROVEN_MARK}"
    urn, name = finding.resource.urn, finding.resource.name
    inputs = f"with {urn[:-len(name) - 2]}: " if urn != name and urn.endswith("::" + name) else ""
    return f"{finding.level.value}: {inputs}{where}{finding.message}{proof}"


def _fail_unproven(check, reason: str) -> CheckResult:
    check.details = [f"residency cannot be shown: {reason}"]
    return CheckResult.FAILED


def _locate_plan(conf: dict[str, Any]) -> Located | None:
    """In a plan, Checkov gives each resource the plan file's path."""
    file = conf.get(PLAN_FILE)
    if isinstance(file, list) and file and isinstance(conf.get(ADDRESS), str):
        return Located(Path(file[0]), "plan", conf[ADDRESS])
    return None


def _locate_in_graph(graph: Any, block_type: str, address: Any, entity_path: str) -> Located:
    """The block in Checkov's graph: its file, and for HCL the root module whose provider
    configurations reach it (a module's resources are read through their outermost caller).
    Checkov names the file relative to the scanned directory; of the blocks with this address,
    the one meant is the one whose file is exactly that path under the scanned directory."""
    scanned = entity_path.rsplit(":", 2)[0]  # "/sub/main.tf": the file, relative to the directory Checkov scans
    attributes = _the_block(graph, _blocks(graph, block_type, address), scanned, address)
    file = attributes["file_path_"]
    if file.endswith(".json"):
        return Located(Path(file), "plan", address)
    caller = attributes.get("source_module_object_")
    while caller is not None and getattr(caller, "nested_tf_module", None) is not None:
        caller = caller.nested_tf_module
    root = Path(caller.path).parent if caller is not None else Path(file).parent
    return Located(root, "hcl", address)


def _the_block(graph: Any, candidates: list[dict[str, Any]], scanned: str, address: Any) -> dict[str, Any]:
    """Several blocks may end in the same relative path (`/main.tf` at the root and in `sub/`):
    the scanned directory is the one that holds every file of the graph."""
    matching = [a for a in candidates if isinstance(a.get("file_path_"), str) and a["file_path_"].endswith(scanned)]
    if len(matching) > 1:
        files = _files(graph)
        held = {id(a): sum(1 for f in files if f.startswith(a["file_path_"][:-len(scanned)] + "/")) for a in matching}
        most = max(held.values())
        matching = [a for a in matching if held[id(a)] == most]
        if len({a["file_path_"] for a in matching}) > 1:
            raise InputError(f"Checkov's graph has {address} in several files ending in {scanned}", file=scanned)
    if not matching:
        raise InputError(f"Checkov's graph does not show where {address} comes from", file=scanned or None)
    return matching[0]


_INDEXES: dict[int, tuple[Any, dict[tuple[str, Any], list[dict[str, Any]]]]] = {}
_FILES: dict[int, tuple[Any, frozenset[str]]] = {}


def _files(graph: Any) -> frozenset[str]:
    """Every file of the graph, once per graph."""
    cached = _FILES.get(id(graph))
    if cached is None or cached[0] is not graph:
        files = frozenset(
            attributes.get("file_path_") for node in graph.nodes()
            for attributes in [node[1] if isinstance(node, tuple) else node]
            if isinstance(attributes, dict) and isinstance(attributes.get("file_path_"), str)
        )
        cached = _FILES[id(graph)] = (graph, files)
    return cached[1]


def _blocks(graph: Any, block_type: str, address: Any) -> list[dict[str, Any]]:
    """The graph's blocks by type and address, indexed once per graph: Checkov asks per resource."""
    if graph is None or not hasattr(graph, "nodes"):
        return []
    cached = _INDEXES.get(id(graph))
    if cached is None or cached[0] is not graph:
        index: dict[tuple[str, Any], list[dict[str, Any]]] = {}
        for node in graph.nodes():
            attributes = node[1] if isinstance(node, tuple) else node
            if isinstance(attributes, dict) and isinstance(attributes.get(ADDRESS), str):
                index.setdefault((attributes.get("block_type_"), attributes[ADDRESS]), []).append(attributes)
        cached = _INDEXES[id(graph)] = (graph, index)
    return cached[1].get((block_type, address), [])
