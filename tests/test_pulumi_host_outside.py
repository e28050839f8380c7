"""What a program reads from outside itself - files outside the project, config keys its stack does
not set, the clock, randomness - is changed in one probe run, and what it decides becomes unproven,
naming what was read; programs that read nothing from outside run no probe."""

import json

import pytest
from click.testing import CliRunner
from conftest import PROGRAMS

from residency.cli import main
from residency.inventory import UNKNOWN
from residency.sources import pulumi_program
from residency.sources.pulumi_host.child_outside import _config_probe, changed_content, probe_text
from residency.sources.pulumi_program import run_program

DR_BUCKET = """
dr = oci.Provider("dr-provider", region=dr_region)
oci.objectstorage.Bucket("replica", compartment_id="ocid1.compartment.oc1..aaaa", namespace="ns", name="replica",
                         defined_tags={"DataGovernance.Classification": "restricted"},
                         opts=pulumi.ResourceOptions(provider=dr))
"""


def project(write, code: str, stack: str = "config:\n  oci:region: us-ashburn-1\n", files: dict | None = None):
    write({"project/Pulumi.yaml": "name: outside\nruntime: python\n", "project/Pulumi.dev.yaml": stack,
           "project/__main__.py": "import pulumi\nimport pulumi_oci as oci\n" + code, **(files or {})})
    return write({}) / "project"


def check(directory):
    result = CliRunner().invoke(main, ["check", str(directory), "--stack", "dev", "--format", "json"])
    assert result.exit_code == 1, result.output
    return [(f["rule_id"], f["resource"]["name"], f["proven"], f["message"]) for f in json.loads(result.stdout)["findings"]]


def test_a_region_from_a_file_outside_the_project_is_unproven_and_names_the_file(write):
    directory = project(write, "from pathlib import Path\n"
                               "dr_region = (Path(__file__).parent.parent / 'shared' / 'dr-region').read_text().strip()\n"
                        + DR_BUCKET, files={"shared/dr-region": "us-phoenix-1\n"})
    ((rule, name, proven, message),) = check(directory)
    assert (rule, name, proven) == ("RES001", "replica", False)
    assert "reads from outside itself (the file ../shared/dr-region)" in message


def test_a_missing_file_the_program_falls_back_from_is_given_content_in_the_probe(write):
    directory = project(write, "import os\n"
                               "try:\n    dr_region = open(os.path.join(os.path.dirname(__file__), '..', 'absent')).read()\n"
                               "except FileNotFoundError:\n    dr_region = 'us-phoenix-1'\n" + DR_BUCKET)
    ((rule, name, proven, message),) = check(directory)
    assert (rule, name, proven) == ("RES001", "replica", False) and "the file ../absent" in message


def test_a_file_the_program_only_looks_for_is_made_to_exist_in_the_probe(write, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    directory = project(write, "from pathlib import Path\n"
                               "settings = Path.home() / '.oci' / 'dr-region'\n"
                               "dr_region = settings.read_text().strip() if settings.exists() else 'us-phoenix-1'\n"
                        + DR_BUCKET)
    ((rule, name, proven, message),) = check(directory)
    assert (rule, name, proven) == ("RES001", "replica", False) and "the file ~/.oci/dr-region" in message


def test_config_keys_the_stack_does_not_set_are_probed_with_the_type_the_program_reads(write):
    directory = project(write, (
        "config = pulumi.Config()\n"
        "flags = [config.get_bool('useFrankfurt', False), config.get_int('copies', 1) > 1,\n"
        "         config.get_float('ratio', 0.5) > 1, config.get_object('site', {'region': 'us'})['region'] != 'us']\n"
        "dr_region = 'eu-frankfurt-1' if any(flags) else 'us-phoenix-1'\n" + DR_BUCKET
    ), stack="config:\n  oci:region: us-ashburn-1\n  outside:ratio: '0.25'\n")
    inventory = run_program(directory, "dev")
    assert inventory.get("urn:pulumi:dev::outside::pulumi:providers:oci::dr-provider").properties["region"] is UNKNOWN
    (note,) = [n for n in inventory.source.notes if "reads from outside itself" in n]
    for key in ("useFrankfurt", "copies", "site"):
        assert f"the config key outside:{key}, which the stack does not set, from the environment variable " \
               f"PULUMI_CONFIG_OUTSIDE_{key.upper()}" in note
    assert "ratio" not in note  # the stack sets it: reviewed config


def test_environment_variables_are_probed_as_values_of_their_kind_and_what_only_then_exists_is_checked(write):
    """A number read with int() stays a number, a boolean word flips: the program still runs, and the
    bucket it creates only when COPIES is more than one is checked too."""
    directory = project(write, (
        "import os\n"
        "copies = int(os.environ.get('COPIES', '1'))\n"
        "dr_region = 'eu-frankfurt-1' if os.getenv('USE_EU', 'false') == 'true' else 'us-phoenix-1'\n"
        + DR_BUCKET +
        "for number in range(1, copies):\n"
        "    oci.objectstorage.Bucket(f'copy-{number}', compartment_id='c', namespace='n', name=f'copy-{number}',\n"
        "                             opts=pulumi.ResourceOptions(provider=dr))\n"
    ))
    inventory = run_program(directory, "dev")
    assert inventory.get("urn:pulumi:dev::outside::pulumi:providers:oci::dr-provider").properties["region"] is UNKNOWN
    assert inventory.get("urn:pulumi:dev::outside::oci:ObjectStorage/bucket:Bucket::copy-1").properties["name"] == "copy-1"
    assert any("the environment variable COPIES; the environment variable USE_EU" in note and "copy-1 (the resource itself)"
               in note for note in inventory.source.notes)


@pytest.mark.parametrize(("text", "probe"), [
    (None, "residency-probe"), ("us-phoenix-1", "us-phoenix-1-residency-probe"), ("3", "4"), ("-1", "0"),
    ("0.5", "2.0"), ("true", "false"), ("False", "True"), ("YES", "NO"), ("off", "on"),
])
def test_a_probe_text_is_another_value_of_the_same_kind(text, probe):
    assert probe_text(text) == probe


@pytest.mark.parametrize(("getter", "default", "probe"), [
    ("get", None, "residency-probe"), ("get", "us-phoenix-1", "us-phoenix-1-residency-probe"),
    ("get_bool", None, "true"), ("get_bool", True, "false"), ("get_secret_int", 3, "4"), ("get_float", None, "1.5"),
    ("get_object", {"region": "us-phoenix-1", "count": 2}, '{"region": "us-phoenix-1-residency-probe", "count": 2}'),
    ("get_object", None, None),  # an object's shape only the program knows: not changed, and said so
])
def test_a_config_probe_has_the_type_the_program_reads_and_is_not_its_default(getter, default, probe):
    assert _config_probe(getter, default) == probe


def test_the_clock_in_every_form_and_randomness_from_the_os_are_unknown_but_a_seeded_generator_is_the_program_s(write):
    directory = project(write, (
        "import datetime, random, secrets, time, uuid\n"
        "generator = random.Random(7)\n"
        "names = {'now': datetime.datetime.now().isoformat(), 'utcnow': datetime.datetime.utcnow().isoformat(),\n"
        "         'today': datetime.date.today().isoformat(), 'ns': str(time.time_ns()), 'strftime': time.strftime('%c'),\n"
        "         'uuid': str(uuid.uuid4()), 'token': secrets.token_hex(8), 'randint': str(random.randint(0, 10**9)),\n"
        "         'seeded': str(generator.randint(0, 10**9))}\n"
        "for key, name in names.items():\n"
        "    oci.objectstorage.Bucket(key, compartment_id='c', namespace='n', name=name)\n"
    ))
    inventory = run_program(directory, "dev")
    names = {r.name: r.properties["name"] for r in inventory.resources if r.token == "oci:ObjectStorage/bucket:Bucket"}
    assert names.pop("seeded") is not UNKNOWN
    assert names == dict.fromkeys(names, UNKNOWN) and len(names) == 8
    assert any("reads from outside itself (the clock; randomness)" in note for note in inventory.source.notes)


@pytest.mark.parametrize("case", ["resource_region/fail_stack_transform_moves_provider",
                                  "resource_region/pass_region_from_stack_config_key",
                                  "resource_region/pass_region_from_file_inside_project"])
def test_a_program_that_reads_nothing_from_outside_runs_no_probe(case, monkeypatch):
    """Its own files, its stack's config and the SDK's own tokens and clock are not from outside."""
    runs = []
    original = pulumi_program.run_in_process

    def counted(launch, *args, **kwargs):
        runs.append(launch.probe_files)
        return original(launch, *args, **kwargs)

    monkeypatch.setattr(pulumi_program, "run_in_process", counted)
    inventory = run_program(PROGRAMS / case, "test")
    assert runs == [None, None]  # the preview and the update run
    assert not any("outside itself" in note for note in inventory.source.notes)


def test_changed_content_changes_every_value_and_keeps_the_structure():
    assert json.loads(changed_content('{"dr": {"region": "us-phoenix-1", "copies": 2}, "on": true}')) == {
        "dr": {"region": "us-phoenix-1-residency-probe", "copies": 2}, "on": True}
    assert changed_content("[DEFAULT]\n# home\nregion=us-ashburn-1\n\ndr:\n  region: us-phoenix-1\n") == (
        "[DEFAULT]\n# home\nregion=us-ashburn-1-residency-probe\n\ndr:\n  region: us-phoenix-1-residency-probe\n")
    assert changed_content("") == "residency-probe"


def test_a_provider_chosen_by_the_environment_and_a_resource_created_in_an_apply_callback_are_probed(write):
    directory = project(write, (
        "import os\n"
        "phoenix = oci.Provider('phoenix', region='us-phoenix-1')\n"
        "frankfurt = oci.Provider('frankfurt', region='eu-frankfurt-1')\n"
        "chosen = frankfurt if os.environ.get('DR_SITE') else phoenix\n"
        "oci.objectstorage.Bucket('replica', compartment_id='ocid1.compartment.oc1..aaaa', namespace='ns', name='r',\n"
        "                         defined_tags={'DataGovernance.Classification': 'restricted'},\n"
        "                         opts=pulumi.ResourceOptions(provider=chosen))\n"
        "primary = oci.objectstorage.Bucket('primary', compartment_id='ocid1.compartment.oc1..aaaa', namespace='ns',\n"
        "                                   name='p', defined_tags={'DataGovernance.Classification': 'restricted'})\n"
        "primary.id.apply(lambda _: oci.objectstorage.ReplicationPolicy(\n"
        "    'in-apply', bucket='p', namespace='ns', name='in-apply', destination_bucket_name='r',\n"
        "    destination_region_name=os.environ.get('DR_REGION', 'us-phoenix-1')))\n"
    ))
    findings = check(directory)
    assert sorted((rule, name, proven) for rule, name, proven, _ in findings) == [
        ("RES001", "replica", False), ("RES002", "in-apply", False)]
    (message,) = [m for rule, name, _, m in findings if rule == "RES001"]
    assert "which provider 'replica' is created through changes with what the program reads from outside itself " \
           "(the environment variable DR_REGION; the environment variable DR_SITE)" in message


def test_a_program_that_fails_in_the_probe_run_is_exit_2_naming_what_was_changed(write):
    directory = project(write, "import os\nif os.environ.get('DEPLOY_MODE'):\n    raise ValueError('unknown mode')\n" + (
        "dr_region = 'us-phoenix-1'\n") + DR_BUCKET)
    result = CliRunner().invoke(main, ["check", str(directory), "--stack", "dev", "--format", "json"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "(run again with what it reads from outside itself changed: the environment variable DEPLOY_MODE): " \
           "the program raised ValueError: unknown mode" in result.stderr
