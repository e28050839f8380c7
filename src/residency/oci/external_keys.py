"""Where a key kept outside OCI is: another cloud's key manager, or one the customer runs.

A value names its place only in some forms: an AWS KMS ARN names its region
(`arn:aws:kms:us-east-1:111122223333:key/...`), a Google Cloud KMS name its location
(`projects/p/locations/us-east1/keyRings/r/cryptoKeys/k`); an Azure Key Vault URL or key ID and
the endpoint of a customer's own key manager name none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_AWS_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:(?:key|alias)/\S+$", re.IGNORECASE)
_GCP_KMS = re.compile(r"^(?://cloudkms\.googleapis\.com/)?projects/[^/]+/locations/(?P<location>[^/]+)/keyRings/", re.IGNORECASE)
_REGION_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", re.IGNORECASE)

CLOUD_OF_FORM = {"aws-kms": "aws", "aws-region": "aws", "azure-key": "azure", "azure-region": "azure", "gcp-location": "gcp",
                 "gcp-kms": "gcp", "external-endpoint": "external"}
CLOUD_NAMES = {"aws": "AWS KMS", "azure": "Azure Key Vault", "gcp": "Google Cloud KMS", "external": "an external key manager"}


@dataclass(frozen=True, slots=True)
class KeyPlace:
    cloud: str  # aws | azure | gcp | external
    location: str | None  # the cloud's region or location; None when the value names none
    why_unknown: str = ""  # when there is no location: why the value cannot show one

    @property
    def shown_cloud(self) -> str:
        return CLOUD_NAMES[self.cloud]


def locate_key(form: str, text: str) -> KeyPlace:
    """The place a key reference of the given catalogue form names."""
    cloud = CLOUD_OF_FORM[form]
    text = text.strip()
    if form == "aws-kms":
        match = _AWS_ARN.match(text)
        if match:
            return KeyPlace(cloud, match.group("region").lower())
        return KeyPlace(cloud, None, "it is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), so it names no region")
    if form == "gcp-kms":
        match = _GCP_KMS.match(text)
        if match:
            return KeyPlace(cloud, match.group("location").lower())
        return KeyPlace(cloud, None, "it is not a KMS key name (projects/<p>/locations/<location>/keyRings/...), so it names no location")
    if form in ("aws-region", "azure-region"):
        return KeyPlace(cloud, text.lower()) if _REGION_NAME.match(text) else KeyPlace(cloud, None, "it is not a region name")
    if form == "gcp-location":
        if _REGION_NAME.match(text):
            return KeyPlace(cloud, text.lower())
        return KeyPlace(cloud, None, "it is not a Google Cloud location")
    if form == "azure-key":
        return KeyPlace(cloud, None, "an Azure Key Vault URL or key ID does not name the vault's region")
    return KeyPlace(cloud, None, "the key manager is run outside OCI, and nothing in the program shows where")
