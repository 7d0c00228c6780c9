"""The private bucket every component builds on: no public access, no ACLs, encrypted, versioned,
access-logged, with EventBridge notifications on and a bucket policy that refuses plain HTTP.

Lifecycle rules differ per bucket, so each caller declares its own, and its own policy statements
are appended after the TLS-only one. The one exception is a log bucket (`log_bucket_create`): AWS
log delivery writes only to SSE-S3 buckets, so it is SSE-S3 (tagged so), does not log itself, and
expires what it holds after the stack's log retention.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.documents import deny_insecure_transport, policy_document, service_principal_allow
from config import StackConfig
from contract import LOG_DELIVERY_TAG


@dataclass(frozen=True, kw_only=True)
class PrivateBucketArgs:
    kms_key_arn: pulumi.Input[str] | None  # None: SSE-S3, for log buckets that AWS log delivery writes to
    access_log_bucket: pulumi.Input[str] | None  # None only for the access-log bucket itself
    access_log_prefix: str = ""
    object_lock: bool = False
    force_destroy: bool = False


@dataclass(kw_only=True)
class PrivateBucket:
    bucket: aws.s3.Bucket
    public_access_block: aws.s3.BucketPublicAccessBlock
    versioning: aws.s3.BucketVersioning
    dependencies: list[pulumi.Resource] = field(default_factory=list)

    provider: aws.Provider | None = None

    def attach_policy(self, name: str, *statements: dict[str, Any], parent: pulumi.Resource) -> aws.s3.BucketPolicy:
        return aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policy_document(deny_insecure_transport(bucket_arn=self.bucket.arn), *statements),
            # The public access block goes first, so the policy is never evaluated without it.
            opts=pulumi.ResourceOptions(parent=parent, provider=self.provider, depends_on=[self.public_access_block]),
        )


def expiry_rule(
    rule_id: str,
    *,
    noncurrent_days: int,
    days: int | None = None,
    transitions: list[aws.s3.BucketLifecycleConfigurationRuleTransitionArgs] | None = None,
) -> aws.s3.BucketLifecycleConfigurationRuleArgs:
    """A lifecycle rule over the whole bucket: current objects expire after `days` (if given), versions
    that stopped being current after `noncurrent_days`, unfinished uploads after a day."""
    return aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=rule_id,
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        transitions=transitions,
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days) if days is not None else None,
        noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
            noncurrent_days=noncurrent_days
        ),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=1
        ),
    )


def private_bucket_create(
    *, name: str, args: PrivateBucketArgs, parent: pulumi.Resource, provider: aws.Provider | None = None
) -> PrivateBucket:
    """`provider` places the bucket in another region than its parent's (the static site's failover copy)."""
    opts = pulumi.ResourceOptions(parent=parent, provider=provider)
    bucket = aws.s3.Bucket(
        name,
        object_lock_enabled=args.object_lock or None,
        force_destroy=args.force_destroy,
        tags=dict([LOG_DELIVERY_TAG]) if args.kms_key_arn is None else None,
        opts=opts,
    )
    public_access_block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=opts,
    )
    by_default = (
        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id=args.kms_key_arn
        )
        if args.kms_key_arn is not None
        else aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="AES256"
        )
    )
    encryption = aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default,
                bucket_key_enabled=args.kms_key_arn is not None,
            )
        ],
        opts=opts,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=opts,
    )
    notifications = aws.s3.BucketNotification(f"{name}-notifications", bucket=bucket.id, eventbridge=True, opts=opts)
    dependencies: list[pulumi.Resource] = [public_access_block, ownership, encryption, versioning, notifications]
    if args.access_log_bucket is not None:
        dependencies.append(
            aws.s3.BucketLogging(
                f"{name}-logging",
                bucket=bucket.id,
                target_bucket=args.access_log_bucket,
                target_prefix=args.access_log_prefix or f"s3/{name}/",
                opts=opts,
            )
        )
    return PrivateBucket(
        bucket=bucket,
        public_access_block=public_access_block,
        versioning=versioning,
        dependencies=dependencies,
        provider=provider,
    )


def log_bucket_create(
    *,
    name: str,
    config: StackConfig,
    parent: pulumi.Resource,
    writers: Callable[[pulumi.Output[str]], list[dict[str, Any]]] = lambda _arn: [],
    provider: aws.Provider | None = None,
) -> PrivateBucket:
    """A bucket for S3 server access logs (under `s3/`) and the deliveries `writers(bucket ARN)` allows."""
    logs = private_bucket_create(
        name=name,
        args=PrivateBucketArgs(kms_key_arn=None, access_log_bucket=None, force_destroy=not config.is_prod),
        parent=parent,
        provider=provider,
    )
    logs.attach_policy(
        name,
        *writers(logs.bucket.arn),
        service_principal_allow(
            sid="S3ServerAccessLogDelivery",
            service="logging.s3.amazonaws.com",
            actions=["s3:PutObject"],
            resources=[pulumi.Output.concat(logs.bucket.arn, "/s3/*")],
            condition={"StringEquals": {"aws:SourceAccount": config.account_id}},
        ),
        parent=parent,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-lifecycle",
        bucket=logs.bucket.id,
        rules=[expiry_rule("expire-access-logs", days=config.log_retention_days, noncurrent_days=1)],
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[logs.versioning]),
    )
    return logs
