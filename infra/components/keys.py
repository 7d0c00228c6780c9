"""Customer-managed KMS keys, rotated yearly, one per kind of data so a key's reach stays small.

`data` encrypts what the application stores (photos, database, broker, secrets, images);
`logs` encrypts what the platform records (log groups, the audit archive, CloudTrail, alarm topics);
`edge` is the us-east-1 counterpart of `logs` for the CloudFront-scope WAF and access logs.
The static site's key lives with the CDN, whose distribution its policy names.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.documents import account_root_statement, policy_document, service_principal_allow
from config import StackConfig

ENCRYPT_ACTIONS = [
    "kms:Encrypt",
    "kms:Decrypt",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
]


@dataclass(frozen=True, kw_only=True)
class KeysArgs:
    config: StackConfig
    edge_provider: aws.Provider


def _logs_statements(*, account_id: str, region: str) -> list[dict]:
    return [
        service_principal_allow(
            sid="CloudWatchLogsEncrypt",
            service=f"logs.{region}.amazonaws.com",
            actions=ENCRYPT_ACTIONS,
            resources=["*"],
            condition={
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:log-group:*"}
            },
        ),
        service_principal_allow(
            sid="AlarmsPublishToEncryptedTopics",
            service="cloudwatch.amazonaws.com",
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            condition={"StringEquals": {"aws:SourceAccount": account_id}},
        ),
    ]


class Keys(pulumi.ComponentResource):
    data: aws.kms.Key
    logs: aws.kms.Key
    edge: aws.kms.Key

    def __init__(self, name: str, args: KeysArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Keys", name, None, opts)
        config = args.config
        account = config.account_id

        self.data = self._key(
            f"{name}-data",
            description=f"{config.name}: application data (photos, database, broker, secrets, images)",
            statements=[account_root_statement(account_id=account)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.logs = self._key(
            f"{name}-logs",
            description=f"{config.name}: logs, audit archive, CloudTrail, alarm topics",
            statements=[
                account_root_statement(account_id=account),
                *_logs_statements(account_id=account, region=config.region),
                service_principal_allow(
                    sid="CloudTrailEncryptLogs",
                    service="cloudtrail.amazonaws.com",
                    actions=["kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"],
                    resources=["*"],
                    condition={
                        "StringLike": {
                            "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{account}:trail/*"
                        },
                    },
                ),
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.edge = self._key(
            f"{name}-edge",
            description=f"{config.name}: CloudFront-scope logs and alarm topic (us-east-1)",
            statements=[
                account_root_statement(account_id=account),
                *_logs_statements(account_id=account, region="us-east-1"),
            ],
            opts=pulumi.ResourceOptions(parent=self, provider=args.edge_provider),
        )
        self.register_outputs(
            {"data_key_arn": self.data.arn, "logs_key_arn": self.logs.arn, "edge_key_arn": self.edge.arn}
        )

    @staticmethod
    def _key(name: str, *, description: str, statements: list[dict], opts: pulumi.ResourceOptions) -> aws.kms.Key:
        return aws.kms.Key(
            name,
            description=description,
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            is_enabled=True,
            policy=policy_document(*statements),
            opts=opts,
        )
