"""The photo bucket and the access-log bucket.

Photos: private, KMS (the `data` key), versioned, TLS-only, uploads must not ask for weaker
encryption; the lifecycle expires the current version after the application's retention days
(`earfit/retention.py`) and removes a version one day after it stops being current, the shortest
S3 allows, so no version outlives retention by more than a day. `purge_expired_photos` does the
same from the application's side; the two paths agree on the one number.

Access logs: ALB and S3 server access logs. Both AWS log deliveries write only to SSE-S3 buckets,
so this one bucket uses SSE-S3 and does not log itself.
"""

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.buckets import (
    PrivateBucket,
    PrivateBucketArgs,
    expiry_rule,
    log_bucket_create,
    private_bucket_create,
)
from components.documents import service_principal_allow
from config import StackConfig
from contract import PHOTO_EXPIRY_RULE_ID

ALB_LOG_PREFIX = "alb"

# The Elastic Load Balancing account of each region that predates log delivery by service principal.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
}


@dataclass(frozen=True, kw_only=True)
class StorageArgs:
    config: StackConfig
    data_key_arn: pulumi.Input[str]


class Storage(pulumi.ComponentResource):
    photos: PrivateBucket
    access_logs: PrivateBucket

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Storage", name, None, opts)
        config = args.config
        account = config.account_id

        def alb_writers(logs_arn: pulumi.Output[str]) -> list[dict[str, Any]]:
            objects = pulumi.Output.concat(logs_arn, f"/{ALB_LOG_PREFIX}/AWSLogs/{account}/*")
            writers = [
                service_principal_allow(
                    sid="AlbLogDelivery",
                    service="logdelivery.elasticloadbalancing.amazonaws.com",
                    actions=["s3:PutObject"],
                    resources=[objects],
                )
            ]
            if config.region in ELB_LOG_ACCOUNTS:
                writers.append(
                    {
                        "Sid": "AlbLogDeliveryRegionalAccount",
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{ELB_LOG_ACCOUNTS[config.region]}:root"},
                        "Action": ["s3:PutObject"],
                        "Resource": [objects],
                    }
                )
            return writers

        self.access_logs = log_bucket_create(
            name=f"{name}-access-logs", config=config, writers=alb_writers, parent=self
        )

        self.photos = private_bucket_create(
            name=f"{name}-photos",
            args=PrivateBucketArgs(kms_key_arn=args.data_key_arn, access_log_bucket=self.access_logs.bucket.id),
            parent=self,
        )
        photos_arn = self.photos.bucket.arn
        self.photos.attach_policy(
            f"{name}-photos",
            {
                "Sid": "DenyWeakerEncryption",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": [pulumi.Output.concat(photos_arn, "/*")],
                "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}},
            },
            parent=self,
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-photos-lifecycle",
            bucket=self.photos.bucket.id,
            rules=[
                expiry_rule(PHOTO_EXPIRY_RULE_ID, days=config.photo_retention_days, noncurrent_days=1),
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="remove-expired-delete-markers",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
                ),
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.photos.versioning]),
        )
        self.register_outputs(
            {"photo_bucket_name": self.photos.bucket.bucket, "access_log_bucket_name": self.access_logs.bucket.bucket}
        )
