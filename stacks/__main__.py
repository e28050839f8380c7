"""The US data boundary: protected storage in the primary region, replicated to the DR region."""

import pulumi
import pulumi_oci as oci

config = pulumi.Config()
classification = {"DataGovernance.Classification": "restricted"}
namespace = oci.objectstorage.get_namespace().namespace

primary = oci.Provider("primary", region=config.require("primaryRegion"))
dr = oci.Provider("dr", region=config.require("drRegion"))

compartment = oci.identity.Compartment(
    "us-protected-data",
    compartment_id=config.require("tenancyOcid"),
    name="us-protected-data",
    description="Protected US user data",
    opts=pulumi.ResourceOptions(provider=primary),
)
dr_bucket = oci.objectstorage.Bucket(
    "records-dr", compartment_id=compartment.id, namespace=namespace, name="records-dr",
    access_type="NoPublicAccess", defined_tags=classification, opts=pulumi.ResourceOptions(provider=dr),
)
bucket = oci.objectstorage.Bucket(
    "records", compartment_id=compartment.id, namespace=namespace, name="records",
    access_type="NoPublicAccess", versioning="Enabled", defined_tags=classification,
    opts=pulumi.ResourceOptions(provider=primary),
)
oci.objectstorage.ReplicationPolicy(
    "records-to-dr", bucket=bucket.name, namespace=namespace, name="records-to-dr",
    destination_bucket_name=dr_bucket.name, destination_region_name=config.require("drRegion"),
    opts=pulumi.ResourceOptions(provider=primary),
)
pulumi.export("compartment_id", compartment.id)
pulumi.export("bucket", bucket.name)
