"""Storage: private, versioned buckets with object events, keyed in their own region and
replicated only to the DR region; volumes whose backup copies go only to the DR region, keyed
there; a database on a private endpoint keyed in its region."""

from stack_inventory import dev, prod, stack  # noqa: F401 (fixtures)


def test_every_bucket_is_private_versioned_classified_and_keyed_in_its_own_region(stack):
    buckets = stack.of_type("ObjectStorage/bucket")
    assert buckets
    for bucket in buckets:
        assert stack.value(bucket, "access_type") == "NoPublicAccess"
        assert stack.value(bucket, "versioning") == "Enabled"
        assert stack.value(bucket, "object_events_enabled") is True
        assert stack.value(bucket, "defined_tags") == stack.tags
        key = stack.source_of(bucket, "kms_key_id")
        assert key.token == "oci:Kms/key:Key"
        assert stack.region(key) == stack.region(bucket)
        assert stack.source_of(bucket, "compartment_id").name == "us-protected-data-storage"


def test_buckets_replicate_only_to_their_replica_in_the_dr_region(prod):
    policies = prod.of_type("ObjectStorage/replicationPolicy")
    assert sorted(p.name for p in policies) == ["exports-to-dr", "records-to-dr"]
    for policy in policies:
        source = prod.source_of(policy, "bucket")
        replica = prod.source_of(policy, "destination_bucket_name")
        assert prod.region(policy) == prod.region(source) == prod.policy.home_region
        assert prod.value(policy, "destination_region_name") == "us-phoenix-1"
        assert prod.region(replica).name == "us-phoenix-1"
        assert prod.value(policy, "destination_bucket_name") == prod.value(replica, "name")
        assert prod.value(replica, "name") == prod.value(source, "name") + "-dr"


def test_a_one_region_stack_copies_nothing_to_another_region(dev):
    assert not dev.of_type("ObjectStorage/replicationPolicy")
    assert {dev.region(r).name for r in dev.inventory.resources if r.region and r.region.region} == {"us-ashburn-1"}


def test_volume_backups_are_copied_only_to_the_dr_region_and_keyed_there(prod):
    (volume,) = prod.of_type("Core/volume")
    (policy,) = prod.of_type("Core/volumeBackupPolicy")
    (assignment,) = prod.of_type("Core/volumeBackupPolicyAssignment")
    assert prod.value(volume, "defined_tags") == prod.tags
    assert prod.region(prod.source_of(volume, "kms_key_id")) == prod.region(volume)
    assert prod.value(volume, "availability_domain") == "offline:IAD-AD-1"
    assert prod.value(policy, "destination_region") == "us-phoenix-1"
    assert prod.value(policy, "schedules[].retention_seconds") == 35 * 86_400
    assert prod.source_of(assignment, "asset_id") is volume
    assert prod.source_of(assignment, "policy_id") is policy
    assert prod.region(prod.source_of(assignment, "xrc_kms_key_id")).name == "us-phoenix-1"


def test_the_database_is_private_and_keyed_in_its_region(prod, dev):
    (database,) = prod.of_type("Database/autonomousDatabase")
    region = prod.region(database)
    subnet = prod.source_of(database, "subnet_id")
    assert subnet.name == "primary-data-subnet" and prod.region(subnet) == region
    assert prod.source_of(database, "nsg_ids").name == "primary-database-nsg"
    assert prod.region(prod.source_of(database, "kms_key_id")) == region
    assert prod.region(prod.source_of(database, "vault_id")) == region
    secret = prod.source_of(database, "secret_id")
    assert prod.value(secret, "enable_auto_generation") is True
    assert prod.source_of(secret, "vault_id") is prod.source_of(database, "vault_id")
    assert database.first("admin_password") is None
    for remote in ("source_id", "peer_db_id", "remote_disaster_recovery_type", "is_replicate_automatic_backups"):
        assert database.first(remote) is None
    assert not dev.of_type("Database/autonomousDatabase")
