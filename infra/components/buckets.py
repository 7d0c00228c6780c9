"""The private bucket every component builds on: no public access, no ACLs, encrypted, versioned,
access-logged, with EventBridge notifications on and a bucket policy that refuses plain HTTP.

Lifecycle rules differ per bucket, so each caller declares its own, and its own policy statements
are appended after the TLS-only one.
"""

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.documents import deny_insecure_transport, policy_document
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

    def attach_policy(self, name: str, *statements: dict[str, Any], parent: pulumi.Resource) -> aws.s3.BucketPolicy:
        return aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=policy_document(deny_insecure_transport(bucket_arn=self.bucket.arn), *statements),
            # The public access block goes first, so the policy is never evaluated without it.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[self.public_access_block]),
        )


def private_bucket_create(*, name: str, args: PrivateBucketArgs, parent: pulumi.Resource) -> PrivateBucket:
    opts = pulumi.ResourceOptions(parent=parent)
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
        bucket=bucket, public_access_block=public_access_block, versioning=versioning, dependencies=dependencies
    )
