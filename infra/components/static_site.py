"""The buckets the React build is served from: the static bucket and its copy in a second region.

Both are private, KMS-encrypted with a key of their own region, readable only by this stack's
distribution (bucket policy and key policy name it), and keep old builds' objects 30 days. S3
replicates every object and delete marker of the static bucket into the copy
(`earfit:staticFailoverRegion`), and CloudFront's origin group falls back to the copy when the
static bucket answers with a server error, so a regional S3 outage does not blank the site. The
pipeline publishes to the static bucket only; the copy trails it by S3's replication time
(seconds to minutes), which at worst serves the previous build for that long during a failover.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.buckets import (
    PrivateBucket,
    PrivateBucketArgs,
    expiry_rule,
    log_bucket_create,
    private_bucket_create,
)
from components.documents import (
    account_root_statement,
    allow,
    assume_role_policy,
    policy_document,
    service_principal_allow,
)
from config import StackConfig

# Server errors only: a 403 or 404 is an answer (a missing file), not a sign the region is down.
FAILOVER_STATUS_CODES = [500, 502, 503, 504]
OLD_BUILDS_DAYS = 30


@dataclass(frozen=True, kw_only=True)
class SiteBucket:
    bucket: PrivateBucket
    key: aws.kms.Key


def site_key_create(
    name: str, *, config: StackConfig, region: str, parent: pulumi.Resource, provider: aws.Provider | None = None
) -> aws.kms.Key:
    """The key a site bucket is encrypted with; its policy follows once the distribution exists."""
    return aws.kms.Key(
        name,
        description=f"{config.name}: the static site in {region}, readable by its CloudFront distribution",
        enable_key_rotation=True,
        rotation_period_in_days=365,
        deletion_window_in_days=30,
        is_enabled=True,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )


def site_lifecycle_create(name: str, *, site: PrivateBucket, parent: pulumi.Resource) -> None:
    aws.s3.BucketLifecycleConfiguration(
        name,
        bucket=site.bucket.id,
        rules=[expiry_rule("old-builds", noncurrent_days=OLD_BUILDS_DAYS)],
        opts=pulumi.ResourceOptions(parent=parent, provider=site.provider, depends_on=[site.versioning]),
    )


def site_read_grant(
    *,
    bucket_policy_name: str,
    key_policy_name: str,
    site: SiteBucket,
    config: StackConfig,
    distribution_arn: pulumi.Input[str],
    parent: pulumi.Resource,
) -> None:
    """Only this distribution may read the bucket's objects and decrypt them (Origin Access Control)."""
    read_by_distribution = {"StringEquals": {"AWS:SourceArn": distribution_arn}}
    site.bucket.attach_policy(
        bucket_policy_name,
        service_principal_allow(
            sid="CloudFrontReadsTheBuild",
            service="cloudfront.amazonaws.com",
            actions=["s3:GetObject"],
            resources=[pulumi.Output.concat(site.bucket.bucket.arn, "/*")],
            condition=read_by_distribution,
        ),
        parent=parent,
    )
    aws.kms.KeyPolicy(
        key_policy_name,
        key_id=site.key.id,
        policy=policy_document(
            account_root_statement(account_id=config.account_id),
            service_principal_allow(
                sid="CloudFrontDecryptsTheBuild",
                service="cloudfront.amazonaws.com",
                actions=["kms:Decrypt"],
                resources=["*"],
                condition=read_by_distribution,
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=site.bucket.provider),
    )


def site_copy_create(
    name: str, *, config: StackConfig, source: SiteBucket, parent: pulumi.Resource, provider: aws.Provider
) -> SiteBucket:
    """The copy in the failover region, with its own access-log bucket there (S3 logs only within a
    region), and the replication that fills it."""
    region = config.static_failover_region
    key = site_key_create(f"{name}-key", config=config, region=region, parent=parent, provider=provider)
    logs = log_bucket_create(name=f"{name}-access-logs", config=config, parent=parent, provider=provider)
    copy = private_bucket_create(
        name=name,
        args=PrivateBucketArgs(kms_key_arn=key.arn, access_log_bucket=logs.bucket.id, force_destroy=True),
        parent=parent,
        provider=provider,
    )
    site_lifecycle_create(f"{name}-lifecycle", site=copy, parent=parent)

    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-replication",
        assume_role_policy=assume_role_policy(service="s3.amazonaws.com", account_id=config.account_id),
        opts=child,
    )
    source_arn, copy_arn = source.bucket.bucket.arn, copy.bucket.arn
    aws.iam.RolePolicy(
        f"{name}-replication",
        role=role.id,
        policy=policy_document(
            allow(
                sid="ReadTheSiteBucket",
                actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                resources=[source_arn],
            ),
            allow(
                sid="ReadItsObjects",
                actions=["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                resources=[pulumi.Output.concat(source_arn, "/*")],
            ),
            allow(
                sid="WriteTheCopy",
                actions=["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
                resources=[pulumi.Output.concat(copy_arn, "/*")],
            ),
            allow(
                sid="DecryptTheSite",
                actions=["kms:Decrypt"],
                resources=[source.key.arn],
                condition={"StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"}},
            ),
            allow(
                sid="EncryptTheCopy",
                actions=["kms:Encrypt", "kms:GenerateDataKey"],
                resources=[key.arn],
                condition={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            ),
        ),
        opts=child,
    )
    aws.s3.BucketReplicationConfig(
        f"{name}-replication",
        bucket=source.bucket.bucket.id,
        role=role.arn,
        rules=[
            aws.s3.BucketReplicationConfigRuleArgs(
                id="static-site-copy",
                status="Enabled",
                priority=1,
                filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                    status="Enabled"
                ),
                source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                    sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                        status="Enabled"
                    )
                ),
                destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                    bucket=copy_arn,
                    encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                        replica_kms_key_id=key.arn
                    ),
                ),
            )
        ],
        # S3 replicates only between versioned buckets.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[source.bucket.versioning, copy.versioning]),
    )
    return SiteBucket(bucket=copy, key=key)
