"""CloudTrail and the audit archive.

The trail covers every region, validates its log files (digest chain), encrypts with the `logs`
key, feeds a CloudWatch log group for searches and alarms, and announces each delivered file on
an SNS topic a security team's tooling can subscribe to. Its files land in the audit archive:
Object Lock (compliance mode in prod: nobody, root included, can delete a file before its
retention ends), moved to Glacier after 180 days, expired after the archive's retention.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.buckets import PrivateBucket, PrivateBucketArgs, expiry_rule, private_bucket_create
from components.documents import allow, assume_role_policy, policy_document, service_principal_allow
from config import StackConfig

GLACIER_AFTER_DAYS = 180


@dataclass(frozen=True, kw_only=True)
class AuditArgs:
    config: StackConfig
    logs_key_arn: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]


class Audit(pulumi.ComponentResource):
    archive: PrivateBucket
    trail: aws.cloudtrail.Trail

    def __init__(self, name: str, args: AuditArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Audit", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        trail_name = f"{config.name}-trail"
        trail_arn = f"arn:aws:cloudtrail:{config.region}:{config.account_id}:trail/{trail_name}"

        self.archive = private_bucket_create(
            name=f"{name}-archive",
            args=PrivateBucketArgs(
                kms_key_arn=args.logs_key_arn, access_log_bucket=args.access_log_bucket, object_lock=True
            ),
            parent=self,
        )
        archive_arn = self.archive.bucket.arn
        lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-archive-lock",
            bucket=self.archive.bucket.id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode=config.audit_object_lock_mode, days=config.audit_archive_retention_days
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.archive.versioning]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-archive-lifecycle",
            bucket=self.archive.bucket.id,
            rules=[
                expiry_rule(
                    "archive-then-expire",
                    days=config.audit_archive_retention_days,
                    noncurrent_days=1,
                    transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                            days=GLACIER_AFTER_DAYS, storage_class="GLACIER"
                        )
                    ],
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.archive.versioning]),
        )
        from_our_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}
        archive_policy = self.archive.attach_policy(
            f"{name}-archive",
            service_principal_allow(
                sid="CloudTrailChecksAcl",
                service="cloudtrail.amazonaws.com",
                actions=["s3:GetBucketAcl"],
                resources=[archive_arn],
                condition=from_our_trail,
            ),
            service_principal_allow(
                sid="CloudTrailWrites",
                service="cloudtrail.amazonaws.com",
                actions=["s3:PutObject"],
                resources=[pulumi.Output.concat(archive_arn, f"/cloudtrail/AWSLogs/{config.account_id}/*")],
                condition={"StringEquals": {"aws:SourceArn": trail_arn, "s3:x-amz-acl": "bucket-owner-full-control"}},
            ),
            parent=self,
        )

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-trail",
            name=f"/{config.project}/{config.stack}/cloudtrail",
            retention_in_days=config.log_retention_days,
            kms_key_id=args.logs_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-trail-logs",
            assume_role_policy=assume_role_policy(service="cloudtrail.amazonaws.com", account_id=config.account_id),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-trail-logs",
            role=role.id,
            policy=policy_document(
                allow(
                    sid="DeliverToOurLogGroup",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[pulumi.Output.concat(log_group.arn, ":log-stream:*")],
                )
            ),
            opts=child,
        )
        deliveries = aws.sns.Topic(
            f"{name}-trail-deliveries",
            name=f"{config.name}-trail-deliveries",
            kms_master_key_id=args.logs_key_arn,
            opts=child,
        )
        aws.sns.TopicPolicy(
            f"{name}-trail-deliveries",
            arn=deliveries.arn,
            policy=policy_document(
                service_principal_allow(
                    sid="CloudTrailAnnouncesFiles",
                    service="cloudtrail.amazonaws.com",
                    actions=["sns:Publish"],
                    resources=[deliveries.arn],
                    condition=from_our_trail,
                )
            ),
            opts=child,
        )
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=self.archive.bucket.bucket,
            s3_key_prefix="cloudtrail",
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=args.logs_key_arn,
            cloud_watch_logs_group_arn=pulumi.Output.concat(log_group.arn, ":*"),
            cloud_watch_logs_role_arn=role.arn,
            sns_topic_name=deliveries.name,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[archive_policy, lock]),
        )
        self.register_outputs({"trail_arn": self.trail.arn, "audit_archive_bucket_name": self.archive.bucket.bucket})
