"""Policy documents: built as plain data with Outputs inside, serialised once with Output.json_dumps."""

from typing import Any

import pulumi

Statement = dict[str, Any]


def policy_document(*statements: Statement) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*, sid: str, actions: list[str], resources: list[Any], condition: dict[str, Any] | None = None) -> Statement:
    statement: Statement = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def registry_login() -> Statement:
    """ECR sign-in. GetAuthorizationToken has no resource-level permissions: AWS accepts only "*"."""
    return allow(sid="RegistryLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"])


def service_principal_allow(
    *, sid: str, service: str, actions: list[str], resources: list[Any], condition: dict[str, Any] | None = None
) -> Statement:
    statement = allow(sid=sid, actions=actions, resources=resources, condition=condition)
    statement["Principal"] = {"Service": service}
    return statement


def assume_role_policy(*, service: str, account_id: str) -> pulumi.Output[str]:
    """Trust for one AWS service, acting for this account only (confused-deputy guard)."""
    return policy_document(
        {
            "Sid": "AssumedByService",
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }
    )


def deny_insecure_transport(*, bucket_arn: pulumi.Input[str]) -> Statement:
    """The TLS-only statement every bucket policy starts with."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def account_root_statement(*, account_id: str) -> Statement:
    """A key policy's administration statement: IAM policies of this account decide who may use the key."""
    return {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
