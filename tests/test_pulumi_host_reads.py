"""What the offline engine answers a program that reads a resource it does not manage (`get`)."""

from __future__ import annotations

from pathlib import Path

from pulumi.runtime.proto import resource_pb2

from residency.inventory.values import UNKNOWN_SENTINEL
from residency.sources.pulumi_host.invokes import InvokeAnswers
from residency.sources.pulumi_host.monitor import RecordingMonitor


def _read(monitor: RecordingMonitor, id_: str) -> resource_pb2.ReadResourceResponse:
    request = resource_pb2.ReadResourceRequest(id=id_, type="oci:Kms/key:Key", name="shared-key")
    return monitor.ReadResource(request, None)


def test_a_read_answers_with_the_id_the_program_gave_known_as_a_preview_read_makes_it(tmp_path: Path):
    for known_ids in (False, True):  # the preview run and the update run
        monitor = RecordingMonitor(project="p", stack="test", project_dir=tmp_path, default_region="us-ashburn-1",
                                   answers=InvokeAnswers(), known_ids=known_ids)
        assert _read(monitor, "ocid1.key.oc1.eu-frankfurt-1.a.b").id == "ocid1.key.oc1.eu-frankfurt-1.a.b"
        # an ID the program knows only after apply: no ID, so unknown, never the placeholder as one
        assert _read(monitor, UNKNOWN_SENTINEL).id == ""
        assert [(r.name, r.read) for r in monitor.records] == [("shared-key", True), ("shared-key", True)]
