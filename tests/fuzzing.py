"""Fuzz targets for every reader of user input, shared by the short fuzz tests in the suite
(tests/test_fuzz_readers.py) and the long run (benchmarks/fuzz_readers.py).

Each target takes generated text and calls one reader. The only exception a reader may raise is
its documented input error (InputError, or ParseError for the IAM languages); anything else is a
crash the fuzzer reports. Inputs are real documents mutated structurally (a value replaced by a
value of another shape, a key dropped or added) and textually (characters inserted, deleted or
swapped), so they reach deep into each reader rather than failing at the first byte. What becomes an
inventory (a plan, a configuration, a deployed state) is judged by the rules too, as `residency
check` judges it; a deployed state also as the `--state` a program is compared with."""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from ruamel.yaml import YAML

from residency.attest.evidence_log import append_entry, check_log
from residency.engine import evaluate
from residency.errors import InputError
from residency.iam import ParseError, parse_matching_rule, parse_quota, parse_statement
from residency.inventory import Inventory
from residency.policy import load_policy
from residency.readers import read_checkov_json, read_pulumi_events
from residency.render.document import parse_document
from residency.sources.files import load_file
from residency.sources.pulumi_host.invokes import load_invoke_answers
from residency.sources.pulumi_project import load_project, load_stack_config
from residency.sources.terraform_hcl import load_directory
from residency.sources.terraform_plan import load_plan
from residency.sources.terraform_variables import Assignment

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
WORK = Path(tempfile.mkdtemp(prefix="residency-fuzz-"))
POLICY = load_policy(REPO / "policies" / "residency.yaml")
PLAN = FIXTURES / "checkov" / "resource_region" / "plan" / "plan.json"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=24)
    | st.sampled_from(["us-ashburn-1", "eu-frankfurt-1", "fra", "2027-13-45", "*", "RES001", "mandatory", "[/]"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=16,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


# what a reader most often takes for granted: that an object is an object, a list a list, a text a text
OTHER_SHAPES = (True, False, None, 0, "", "x", [], {}, ["x"], {"x": None})


@st.composite
def mutated(draw, seed: Any) -> Any:
    """`seed` with one to three structural changes: a value replaced by any value or by one of
    another shape, a key or item dropped, a key or item added."""
    document = copy.deepcopy(seed)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        operation = draw(st.sampled_from(["replace", "retype", "drop", "add"]))
        if not path:
            document = draw(json_values) if operation == "replace" else document
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if operation == "replace":
            parent[last] = draw(json_values)
        elif operation == "retype":
            parent[last] = copy.deepcopy(draw(st.sampled_from(OTHER_SHAPES)))
        elif operation == "drop":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(json_values)
        else:
            parent.insert(last, draw(json_values))
    return document


@st.composite
def text_mutated(draw, seed: str) -> str:
    """`seed` with a few characters inserted, deleted or swapped."""
    text = seed
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        operation = draw(st.sampled_from(["insert", "delete", "swap"]))
        piece = draw(st.text(alphabet=st.sampled_from("{}[]()'\",:=\n -&*#!|>0123456789aZ\x00\x1b"), max_size=3))
        if operation == "insert":
            text = text[:position] + piece + text[position:]
        elif operation == "delete":
            text = text[:position] + text[position + len(piece) + 1 :]
        else:
            text = text[:position] + piece + text[position + len(piece) :]
    return text


def _yaml_text(value: Any) -> str:
    stream = __import__("io").StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.dump(value, stream)
    return stream.getvalue()


def _documents(seed_text: str, parse: Callable[[str], Any], dump: Callable[[Any], str]) -> st.SearchStrategy[str]:
    seed = parse(seed_text)
    return st.one_of(mutated(seed).map(dump), text_mutated(seed_text))


def _write(name: str, text: str) -> Path:
    path = WORK / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _yaml_seed(path: Path) -> str:
    return path.read_text()


def _safe_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def _jsonl(text: str) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _dump_jsonl(events: Any) -> str:
    rows = events if isinstance(events, list) else [events]
    return "\n".join(json.dumps(row) for row in rows)


def policy_target(text: str) -> None:
    load_policy(_write("residency.yaml", text))


def stack_config_target(text: str) -> None:
    project = WORK / "project"
    project.mkdir(exist_ok=True)
    (project / "Pulumi.yaml").write_text("name: fuzz\nruntime: python\n")
    (project / "__main__.py").write_text("")
    (project / "Pulumi.fuzz.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    load_stack_config(load_project(project), "fuzz")


def project_target(text: str) -> None:
    project = WORK / "project-file"
    project.mkdir(exist_ok=True)
    (project / "__main__.py").write_text("")
    (project / "Pulumi.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    load_project(project)


def events_target(text: str) -> None:
    read_pulumi_events(text, file="events.jsonl", policy=POLICY)


def checkov_target(text: str) -> None:
    read_checkov_json(text, file="checkov.json", policy=POLICY)


def findings_target(text: str) -> None:
    parse_document(text, file="findings.json")


def terraform_plan_target(text: str) -> None:
    evaluate(load_plan(_write("plan.json", text)), POLICY)


def _checked(inventory: Inventory) -> None:
    """The inventory judged as `residency check FILE --format json` judges it."""
    json.dumps(evaluate(inventory, POLICY).to_document())


def _compared(deployed: Inventory, program_file: Path) -> None:
    """`deployed` as `--state` gives it: the deployed state the program's inventory is compared with."""
    program = load_file(program_file)
    program.deployed = deployed
    _checked(program)


def state_target(kind: str, program_file: Path) -> Callable[[str], None]:
    """A target for a deployed-state format of `residency check FILE --from KIND`: the file checked on
    its own, and as the `--state` of a program of the same engine."""

    def run(text: str) -> None:
        inventory = load_file(_write(f"{kind}.json", text), kind)
        _checked(inventory)
        _compared(inventory, program_file)

    return run


def detected_file_target(text: str) -> None:
    """`residency check FILE` without --from: the format told from the content."""
    _checked(load_file(_write("deployed.json", text)))


def terraform_hcl_target(text: str) -> None:
    module = WORK / "terraform"
    module.mkdir(exist_ok=True)
    (module / "main.tf").write_text(text, encoding="utf-8", errors="surrogatepass")
    evaluate(load_directory(module), POLICY)


def var_file_target(suffix: str) -> Callable[[str], None]:
    """`residency check DIRECTORY --var-file FILE.tfvars[.json]`, on a configuration whose regions,
    destinations and keys come from variables."""

    def run(text: str) -> None:
        module = WORK / "terraform-variables"
        if not module.is_dir():
            shutil.copytree(FIXTURES / "terraform" / "variable_origins" / "fail_case", module,
                            ignore=shutil.ignore_patterns("*.tfvars", "*.tfvars.json", "expected.yaml"))
        given = _write(f"given{suffix}", text)
        evaluate(load_directory(module, (Assignment(file=given),)), POLICY)

    return run


def _evidence_log() -> tuple[str, Any]:
    """A log of three decisions signed by a fresh key, as `--evidence-log` writes it; and the key's
    public half, with which `residency verify --log` checks it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from securesystemslib.signer import CryptoSigner, SSlibKey

    private_key = Ed25519PrivateKey.generate()
    signer = CryptoSigner(private_key, SSlibKey.from_crypto(private_key.public_key()))
    log = WORK / "seed-evidence.jsonl"
    for verdict in ("fail", "pass", "fail"):
        append_entry(log, {"command": "check", "verdict": verdict, "ci": {"system": "github-actions", "run_id": "42"},
                           "attestation": {"file": "decision.json", "sha256": "0" * 64}}, signer)
    return log.read_text(), signer.public_key


def evidence_log_target(key: Any) -> Callable[[str], None]:
    """`residency verify --log FILE --key KEY`."""

    def run(text: str) -> None:
        check_log(_write("evidence.jsonl", text), key)

    return run


def invoke_answers_target(text: str) -> None:
    """`residency check --invoke-answers FILE` (YAML or JSON)."""
    load_invoke_answers(_write("answers.yaml", text))


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[str], None]
    inputs: st.SearchStrategy[str]
    expected: tuple[type[Exception], ...] = (InputError,)


VARIABLES = """region = "us-ashburn-1"
dr_region = "us-phoenix-1"
copy_region = "eu-frankfurt-1"
backup_region = "us-sanjose-1"
key_id = "ocid1.key.oc1.iad.aaaaexamplekey"
peer_region = "us-chicago-1"
"""
INVOKE_ANSWERS = """invokes:
  - token: oci:Identity/getRegionSubscriptions:getRegionSubscriptions
    args: {tenancyId: ocid1.tenancy.oc1..aaaaexampletenancy}
    result:
      regionSubscriptions:
        - {regionName: us-ashburn-1, regionKey: IAD, isHomeRegion: true, state: READY}
        - {regionName: us-chicago-1, regionKey: ORD, isHomeRegion: false, state: READY}
  - token: oci:ObjectStorage/getNamespace:getNamespace
    result: {namespace: ns}
"""


def _iam(language: str, parse: Callable[[str], Any], seeds: list[str]) -> Target:
    texts = st.one_of(*(text_mutated(seed) for seed in seeds), st.text(max_size=80))
    return Target(f"iam-{language}", parse, texts, (ParseError,))


def _seeded(paths: list[Path], parse: Callable[[str], Any], dump: Callable[[Any], str]) -> st.SearchStrategy[str]:
    return st.one_of(*(_documents(path.read_text(), parse, dump) for path in paths))


def _state_targets() -> list[Target]:
    """The deployed states `residency check FILE` (and `--from`, `--state`) reads: real Pulumi samples
    and OCI documents written in the same formats (tests/fixtures/fuzz)."""
    samples, oci = FIXTURES / "deployed" / "pulumi-formats", FIXTURES / "fuzz"
    pulumi_export = FIXTURES / "programs" / "deployed_drift" / "fail_removed" / "state.json"
    exports = [samples / "pulumi-docs_rest-api_stack-export_aws-provider-region.json",
               samples / "pulumi-testdata_checkpoint-secrets.json", samples / "pulumi-testdata_checkpoint-v4.json",
               pulumi_export]
    oci_preview, engine_events = oci / "pulumi-preview_oci.json", samples / "engine_preview_provider-unknowns.jsonl"
    previews = [samples / "pulumi-2019_TestPreviewJSON_expected.rendered-dev.json", oci_preview]
    event_logs = [samples / "real-cli_up_aws-eks.jsonl", samples / "real-cli_preview_aws-webserver_unknowns.jsonl",
                  engine_events]
    terraform_states = [oci / "terraform_oci.tfstate", oci / "terraform-show-state_oci.json"]
    pulumi_program = FIXTURES / "programs" / "deployed_drift" / "pass_matches_state" / "state.json"
    terraform_program = oci / "terraform-show-state_oci.json"
    return [
        Target("pulumi-state", state_target("pulumi-state", pulumi_program), _seeded(exports, json.loads, json.dumps)),
        Target("pulumi-preview", state_target("pulumi-preview", pulumi_program),
               _seeded(previews, json.loads, json.dumps)),
        Target("pulumi-events", state_target("pulumi-events", pulumi_program), _seeded(event_logs, _jsonl, _dump_jsonl)),
        Target("terraform-state", state_target("terraform-state", terraform_program),
               _seeded(terraform_states, json.loads, json.dumps)),
        Target("detected-file", detected_file_target, st.one_of(
            _seeded([pulumi_export, oci_preview, *terraform_states, PLAN], json.loads, json.dumps),
            _seeded([engine_events], _jsonl, _dump_jsonl),
        )),
    ]


def targets() -> list[Target]:
    policy_text = _yaml_seed(REPO / "policies" / "residency.yaml")
    stack_text = _yaml_seed(REPO / "Pulumi.us-prod.yaml")
    project_text = _yaml_seed(REPO / "Pulumi.yaml")
    events_text = (FIXTURES / "reports" / "inputs" / "pulumi-residency-pack_preview.jsonl").read_text()
    checkov_text = (FIXTURES / "reports" / "inputs" / "checkov-terraform-and-plan.json").read_text()
    findings_text = (FIXTURES / "reports" / "documents" / "violations.json").read_text()
    plan_text = PLAN.read_text()
    hcl_texts = [(FIXTURES / "terraform" / case / "fail_case" / "main.tf").read_text()
                 for case in ("expressions", "modules", "provider_auth")]
    log_text, key = _evidence_log()
    return [
        Target("policy", policy_target, _documents(policy_text, _safe_yaml, _yaml_text)),
        Target("stack-config", stack_config_target, _documents(stack_text, _safe_yaml, _yaml_text)),
        Target("pulumi-project", project_target, _documents(project_text, _safe_yaml, _yaml_text)),
        Target("event-log", events_target, _documents(events_text, _jsonl, _dump_jsonl)),
        Target("checkov-json", checkov_target, _documents(checkov_text, json.loads, json.dumps)),
        Target("findings-document", findings_target, _documents(findings_text, json.loads, json.dumps)),
        Target("terraform-plan", terraform_plan_target, _documents(plan_text, json.loads, json.dumps)),
        Target("terraform-hcl", terraform_hcl_target, st.one_of(*(text_mutated(t) for t in hcl_texts))),
        *_state_targets(),
        Target("terraform-tfvars", var_file_target(".tfvars"), st.one_of(text_mutated(VARIABLES), st.text(max_size=80))),
        Target("terraform-tfvars-json", var_file_target(".tfvars.json"),
               _documents(json.dumps(_safe_yaml(VARIABLES.replace(" = ", ": ")), indent=2), json.loads, json.dumps)),
        Target("invoke-answers", invoke_answers_target, _documents(INVOKE_ANSWERS, _safe_yaml, _yaml_text)),
        Target("evidence-log", evidence_log_target(key), _documents(log_text, _jsonl, _dump_jsonl)),
        _iam("statement", parse_statement, [
            ("Allow group data-operators to manage object-family in compartment us-protected-data "
             "where all {request.region = 'iad', request.networkSource.name = 'us-corp'}"),
            "Endorse group Auditors to read objects in tenancy usage-report",
            "Define tenancy usage-report as ocid1.tenancy.oc1..aaaaaaaaned4fkpkisbwjlr56u7cj63lf3wffbilvqknstgtvzub7vhqkggq",
        ]),
        _iam("quota", parse_quota, [
            "zero object-storage quotas in compartment us-protected-data where request.region = eu-frankfurt-1",
            "set compute-core quota standard2-core-count to 10 in tenancy",
        ]),
        _iam("matching-rule", parse_matching_rule, [
            "ALL {resource.type = 'autonomousdatabase', resource.compartment.id = 'ocid1.compartment.oc1..aaaa'}",
            "ANY {instance.compartment.id = 'ocid1.compartment.oc1..aaaa', tag.ns.key.value = 'x'}",
        ]),
    ]
