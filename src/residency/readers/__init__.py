"""Findings from other policy engines (the Pulumi policy pack's event stream, Checkov's JSON) as
findings documents, so that they go through the same renderers as `residency check`."""

from residency.readers.checkov_json import read_checkov_json
from residency.readers.pulumi_events import read_pulumi_events

__all__ = ["read_checkov_json", "read_pulumi_events"]
