"""The AWS providers every resource is created through, and the account check.

Each stack deploys into the account it names, through the role it names: the providers assume
that role and refuse any other account (`allowed_account_ids`), and the program stops before
declaring a resource if the credentials land elsewhere. CloudFront-scope resources (the WAF, its
logs, the CloudFront certificate's region) live in us-east-1, so they get a second provider; the
static site's failover copy lives in a third region (`earfit:staticFailoverRegion`), a third.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from config import StackConfig, StackConfigError

EDGE_REGION = "us-east-1"


@dataclass(frozen=True, kw_only=True)
class Providers:
    regional: aws.Provider
    edge: aws.Provider
    failover: aws.Provider


def _provider(*, name: str, config: StackConfig, region: str) -> aws.Provider:
    return aws.Provider(
        name,
        region=region,
        allowed_account_ids=[config.account_id],
        assume_roles=[
            aws.ProviderAssumeRoleArgs(role_arn=config.deploy_role_arn, session_name=f"{config.name}-deploy")
        ],
        default_tags=aws.ProviderDefaultTagsArgs(
            tags={"project": config.project, "stack": config.stack, "tier": config.tier, "managed-by": "pulumi"}
        ),
    )


def providers_create(*, config: StackConfig) -> Providers:
    """The regional, us-east-1 and failover providers; raises StackConfigError when the caller is in another account."""
    regional = _provider(name="aws-regional", config=config, region=config.region)
    edge = _provider(name="aws-edge", config=config, region=EDGE_REGION)
    failover = _provider(name="aws-failover", config=config, region=config.static_failover_region)
    identity = aws.get_caller_identity(opts=pulumi.InvokeOptions(provider=regional))
    if identity.account_id != config.account_id:
        raise StackConfigError(
            stack=config.stack,
            problems=[
                f"earfit:accountId: the credentials resolve to account {identity.account_id}, "
                f"not {config.account_id}; refusing to deploy"
            ],
        )
    return Providers(regional=regional, edge=edge, failover=failover)
