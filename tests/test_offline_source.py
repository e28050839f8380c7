"""The offline source: a Pulumi program run under mocks becomes an inventory."""

import pytest
from conftest import PROGRAMS, REPO

from residency.inventory import UNKNOWN, RegionSource, Secret
from residency.sources.pulumi_program import run_program

MAIN_WITH_COMPONENT = """\
import pulumi
import pulumi_oci as oci

class Tier(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("test:index:Tier", name, None, opts)
        self.bucket = oci.objectstorage.Bucket(f"{name}-bucket", compartment_id="c", namespace="n", name=name,
                                               opts=pulumi.ResourceOptions(parent=self))

phoenix = oci.Provider("phoenix", region="us-phoenix-1")
tier = Tier("app", opts=pulumi.ResourceOptions(providers={"oci": phoenix}))
explicit = oci.objectstorage.Bucket("explicit", compartment_id="c", namespace="n", name="e",
                                    opts=pulumi.ResourceOptions(provider=phoenix))
default = oci.objectstorage.Bucket("default", compartment_id=explicit.id, namespace="n", name="d",
                                   kms_key_id=pulumi.Output.secret("ocid1.key.oc1.iad.aaaa.bbbb"))
pulumi.export("bucket", tier.bucket.name)
"""


@pytest.fixture
def inventory(write):
    directory = write({
        "Pulumi.yaml": "name: sample\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  oci:region: us-ashburn-1\n",
        "__main__.py": MAIN_WITH_COMPONENT,
    })
    return run_program(directory, "dev")


def test_urns_are_the_engine_s(inventory):
    assert {r.urn for r in inventory.resources} == {
        "urn:pulumi:dev::sample::pulumi:providers:oci::phoenix",
        "urn:pulumi:dev::sample::test:index:Tier::app",
        "urn:pulumi:dev::sample::test:index:Tier$oci:ObjectStorage/bucket:Bucket::app-bucket",
        "urn:pulumi:dev::sample::oci:ObjectStorage/bucket:Bucket::explicit",
        "urn:pulumi:dev::sample::oci:ObjectStorage/bucket:Bucket::default",
    }
    assert inventory.source.stack_urn == "urn:pulumi:dev::sample::pulumi:pulumi:Stack::sample-dev"


def test_region_and_how_it_was_resolved(inventory):
    by_name = {r.name: r for r in inventory.resources}
    assert (by_name["app-bucket"].region.region.name, by_name["app-bucket"].region.source) == ("us-phoenix-1", RegionSource.PARENT_PROVIDER)
    assert (by_name["explicit"].region.region.name, by_name["explicit"].region.source) == ("us-phoenix-1", RegionSource.EXPLICIT_PROVIDER)
    assert (by_name["default"].region.region.name, by_name["default"].region.source) == ("us-ashburn-1", RegionSource.DEFAULT_PROVIDER)
    assert by_name["app"].region is None and by_name["phoenix"].region is None
    assert by_name["app-bucket"].provider == "urn:pulumi:dev::sample::pulumi:providers:oci::phoenix"


def test_parent_terraform_type_and_source_location(inventory):
    bucket = next(r for r in inventory.resources if r.name == "app-bucket")
    assert bucket.parent == "urn:pulumi:dev::sample::test:index:Tier::app"
    assert bucket.terraform_type == "oci_objectstorage_bucket"
    assert (bucket.location.file, bucket.location.line) == ("__main__.py", 7)


def test_unknown_outputs_secrets_and_property_dependencies(inventory):
    default = next(r for r in inventory.resources if r.name == "default")
    assert default.properties["compartmentId"] is UNKNOWN  # an ID is known only after apply
    assert default.properties["kmsKeyId"] == Secret("ocid1.key.oc1.iad.aaaa.bbbb")
    assert default.dependencies_of("compartment_id") == ("urn:pulumi:dev::sample::oci:ObjectStorage/bucket:Bucket::explicit",)
    (value,) = default.field("kms_key_id")
    assert value.secret and value.shown() == "[secret]"


def test_a_provider_registered_after_its_resources_still_gives_their_region():
    # Registration order is not deterministic; regions are resolved once the program is done.
    from residency.inventory import SourceInfo
    from residency.sources.pulumi_graph import PulumiRecord, build_inventory

    provider = PulumiRecord("urn:pulumi:s::p::pulumi:providers:oci::fra", "pulumi:providers:oci", "fra", True, {"region": "fra"})
    bucket = PulumiRecord("urn:pulumi:s::p::oci:ObjectStorage/bucket:Bucket::b", "oci:ObjectStorage/bucket:Bucket", "b", True, {},
                          provider=provider.urn + "::04da6b54-80e4-46f7-96ec-b56ff0331ba9")
    inventory = build_inventory([bucket, provider], default_region=None, config_name="Pulumi.s.yaml", source=SourceInfo("test", "."))
    assert inventory.get(bucket.urn).region.region.name == "eu-frankfurt-1"
    assert inventory.get(bucket.urn).region.written == "fra"


def test_a_default_provider_resource_in_state_is_a_default_provider():
    from residency.inventory import SourceInfo
    from residency.sources.pulumi_graph import PulumiRecord, build_inventory

    provider = PulumiRecord("urn:pulumi:s::p::pulumi:providers:oci::default_5_5_0", "pulumi:providers:oci", "default_5_5_0", True, {"region": "us-chicago-1"})
    bucket = PulumiRecord("urn:pulumi:s::p::oci:ObjectStorage/bucket:Bucket::b", "oci:ObjectStorage/bucket:Bucket", "b", True, {},
                          provider=provider.urn + "::1234")
    inventory = build_inventory([provider, bucket], default_region=None, config_name="Pulumi.s.yaml", source=SourceInfo("test", "."))
    resolution = inventory.get(bucket.urn).region
    assert (resolution.source, resolution.region.name) == (RegionSource.DEFAULT_PROVIDER, "us-chicago-1")


def test_a_provider_that_is_not_in_the_program_leaves_the_region_unresolved():
    from residency.inventory import SourceInfo
    from residency.sources.pulumi_graph import PulumiRecord, build_inventory

    bucket = PulumiRecord("urn:pulumi:s::p::oci:ObjectStorage/bucket:Bucket::b", "oci:ObjectStorage/bucket:Bucket", "b", True, {},
                          provider="urn:pulumi:s::p::pulumi:providers:oci::elsewhere::1")
    inventory = build_inventory([bucket], default_region="us-ashburn-1", config_name="x", source=SourceInfo("test", "."))
    resolution = inventory.get(bucket.urn).region
    assert resolution.source is RegionSource.UNRESOLVED and "not part of the program" in resolution.reason


def test_an_unknown_provider_region_is_unresolved():
    from residency.inventory import SourceInfo
    from residency.sources.pulumi_graph import PulumiRecord, build_inventory

    provider = PulumiRecord("urn:pulumi:s::p::pulumi:providers:oci::late", "pulumi:providers:oci", "late", True, {"region": UNKNOWN})
    bucket = PulumiRecord("urn:pulumi:s::p::oci:ObjectStorage/bucket:Bucket::b", "oci:ObjectStorage/bucket:Bucket", "b", True, {},
                          provider=provider.urn + "::1")
    inventory = build_inventory([provider, bucket], default_region=None, config_name="x", source=SourceInfo("test", "."))
    assert "known only after apply" in inventory.get(bucket.urn).region.reason


def test_runs_do_not_leak_into_each_other():
    first = run_program(PROGRAMS / "resource_region" / "fail_frankfurt_provider", "test")
    second = run_program(PROGRAMS / "resource_region" / "pass_two_us_regions", "test")
    assert {r.name for r in first.resources} == {"frankfurt", "data"}
    assert {r.name for r in second.resources} == {"ashburn", "phoenix", "auditors", "primary", "dr"}


def test_modules_of_the_program_are_imported_fresh_each_run(write):
    directory = write({
        "Pulumi.yaml": "name: m\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  oci:region: us-ashburn-1\n",
        "__main__.py": "import storage\nstorage.build()\n",
        "storage.py": "import pulumi_oci as oci\ndef build():\n    oci.objectstorage.Bucket('one', compartment_id='c', namespace='n', name='one')\n",
    })
    assert [r.name for r in run_program(directory, "dev").resources] == ["one"]
    (directory / "storage.py").write_text(
        "import pulumi_oci as oci\ndef build():\n    oci.objectstorage.Bucket('two', compartment_id='c', namespace='n', name='two')\n"
    )
    assert [r.name for r in run_program(directory, "dev").resources] == ["two"]


def test_a_project_with_its_virtualenv_inside_runs_again_in_the_same_process():
    # The repository's own stack: its .venv, with pulumi_oci, lies under the project directory.
    first, second = (run_program(REPO, "us-dev") for _ in range(2))
    assert sorted(r.urn for r in first.resources) == sorted(r.urn for r in second.resources)


def test_data_sources_get_answers_from_the_provider_region(write):
    directory = write({
        "Pulumi.yaml": "name: ds\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  oci:region: us-phoenix-1\n",
        "__main__.py": (
            "import pulumi_oci as oci\n"
            "ads = oci.identity.get_availability_domains(compartment_id='c')\n"
            "oci.core.Volume('v', compartment_id='c', availability_domain=ads.availability_domains[0].name)\n"
        ),
    })
    volume = run_program(directory, "dev").resources[0]
    assert volume.properties["availabilityDomain"] == "offline:PHX-AD-1"


def test_the_program_runs_in_its_main_directory_with_the_project_model(write):
    # `main` as a file in a directory; Pulumi.yml; typed project defaults; stack files under stackConfigDir.
    directory = write({
        "Pulumi.yml": (
            "name: model\nruntime: python\nmain: app/program.py\nstackConfigDir: settings\n"
            "config:\n  oci:region: us-phoenix-1\n  copies:\n    type: integer\n    default: 2\n"
            "  model:label: {type: string, default: from-project}\n"
        ),
        "settings/Pulumi.dev.yaml": "config:\n  model:label: from-stack\n",
        "app/program.py": (
            "import json, os, pulumi\nimport pulumi_oci as oci\n"
            "config = pulumi.Config()\nsite = json.load(open('site.json'))\n"  # relative to the main directory
            "for n in range(config.require_int('copies')):\n"
            "    oci.objectstorage.Bucket(f'{site[\"name\"]}-{n}', compartment_id='c', namespace='n', name=config.require('label'))\n"
        ),
        "app/site.json": '{"name": "site"}',
    })
    inventory = run_program(directory, "dev")
    assert sorted((r.name, r.properties["name"], r.region.region.name) for r in inventory.resources) == [
        ("site-0", "from-stack", "us-phoenix-1"), ("site-1", "from-stack", "us-phoenix-1"),
    ]
    assert inventory.resources[0].location.file == "app/program.py"


def test_a_project_value_of_the_wrong_type_is_an_error_naming_the_key(write):
    from residency.errors import InputError

    directory = write({
        "Pulumi.yaml": "name: typed\nruntime: python\nconfig:\n  copies:\n    type: integer\n    default: two\n",
        "__main__.py": "",
    })
    with pytest.raises(InputError) as error:
        run_program(directory, "dev")
    assert (error.value.line, error.value.key, error.value.message) == (6, "copies", "expected a value of type integer")


def test_the_repository_stack_runs_as_the_cli_runs_it_whatever_the_working_directory(monkeypatch):
    # `main: stacks/`: the CLI runs the program in stacks/, and the stack finds its policy file from its own location.
    monkeypatch.chdir(REPO / "stacks")
    inventory = run_program(REPO, "us-dev")
    assert any(r.token == "oci:Identity/compartment:Compartment" for r in inventory.resources)


def test_a_data_source_without_an_answer_is_unknown_and_named(write):
    directory = write({
        "Pulumi.yaml": "name: ds\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  oci:region: us-ashburn-1\n",
        "__main__.py": (
            "import pulumi_oci as oci\n"
            "subs = oci.identity.get_region_subscriptions_output(tenancy_id='t')\n"
            "oci.objectstorage.ReplicationPolicy('copy', bucket='b', namespace='n', destination_bucket_name='d',\n"
            "    destination_region_name=subs.region_subscriptions[0].region_name)\n"
        ),
    })
    (policy,) = run_program(directory, "dev").resources
    assert policy.properties["destinationRegionName"] is UNKNOWN
    from residency.sources.pulumi_host.invokes import GivenAnswer, InvokeAnswers

    answers = InvokeAnswers((GivenAnswer("oci:Identity/getRegionSubscriptions:getRegionSubscriptions", {"tenancyId": "t"},
                                         {"regionSubscriptions": [{"regionName": "us-chicago-1"}]}),))
    (policy,) = run_program(directory, "dev", answers=answers).resources
    assert policy.properties["destinationRegionName"] == "us-chicago-1"
    other = InvokeAnswers((GivenAnswer("oci:Identity/getRegionSubscriptions:getRegionSubscriptions", {"tenancyId": "x"}, {}),))
    (policy,) = run_program(directory, "dev", answers=other).resources
    assert policy.properties["destinationRegionName"] is UNKNOWN  # the answer is for other arguments


def test_invoke_answers_files_are_checked(tmp_path):
    from residency.errors import InputError
    from residency.sources.pulumi_host.invokes import load_invoke_answers

    path = tmp_path / "answers.yaml"
    path.write_text("invokes:\n  - token: oci:Identity/getRegionSubscriptions:getRegionSubscriptions\n    result: [1]\n")
    with pytest.raises(InputError) as error:
        load_invoke_answers(path)
    assert (error.value.line, error.value.key) == (3, "invokes[0].result")
    path.write_text('{"invokes": [{"token": "oci:A/b:c", "args": {"id": 1}, "result": {"x": "y"}}]}')
    (answer,) = load_invoke_answers(path).given
    assert answer.matches("oci:A/b:c", {"id": 1, "other": 2}) and not answer.matches("oci:A/b:c", {"id": 2})


def test_resources_created_in_apply_callbacks_are_seen_and_made_up_ids_stay_unknown():
    inventory = run_program(PROGRAMS / "cross_region_movement" / "fail_replication_created_in_apply", "test")
    created = inventory.get("urn:pulumi:test::fail-replication-created-in-apply::"
                            "oci:ObjectStorage/replicationPolicy:ReplicationPolicy::created-in-apply")
    assert created.properties["bucket"] is UNKNOWN  # the bucket's ID, made up by the update run
    assert created.properties["destinationRegionName"] == "eu-frankfurt-1"
    assert any("apply callbacks" in note and "created-in-apply" in note for note in inventory.source.notes)


def test_a_value_that_depends_on_randomness_is_unknown(write):
    directory = write({
        "Pulumi.yaml": "name: rnd\nruntime: python\n",
        "Pulumi.dev.yaml": "config:\n  oci:region: us-ashburn-1\n",
        "__main__.py": (
            "import uuid\nimport pulumi_oci as oci\n"
            "first = oci.objectstorage.Bucket('first', compartment_id='c', namespace='n', name=f'data-{uuid.uuid4()}')\n"
            "oci.objectstorage.Bucket('second', compartment_id=first.id, namespace='n', name='fixed')\n"
        ),
    })
    inventory = run_program(directory, "dev")
    first, second = (inventory.get(f"urn:pulumi:dev::rnd::oci:ObjectStorage/bucket:Bucket::{n}") for n in ("first", "second"))
    assert first.properties["name"] is UNKNOWN and second.properties["name"] == "fixed"
    assert second.properties["compartmentId"] is UNKNOWN  # an ID: unknown in the preview, made up in the update
    assert "the program reads from outside itself (randomness); what changed with it is known only where it deploys: " \
           "first (name)" in inventory.source.notes
