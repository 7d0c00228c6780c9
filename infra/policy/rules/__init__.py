"""The company security policy for earfit, as Pulumi policies.

`RESOURCE_POLICIES` judge one resource from its inputs (they run in `pulumi preview
--policy-pack infra/policy` before anything changes); `STACK_POLICIES` judge how resources fit
together (every bucket fully configured, the ALB reachable only from CloudFront, the WAF logged),
linking resources by `property_dependencies` and, where a value is already known, by value.
All are mandatory. The messages are exact and stable: the tests compare them word for word.

`PolicyPack(...)` starts a policy server and blocks, so it is only constructed in `__main__.py`.
"""

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from .common import (
    CLOUDTRAIL,
    DISTRIBUTION,
    ECR_REPOSITORY,
    ECS_SERVICE,
    IAM_ATTACHMENT,
    IAM_POLICY,
    IAM_ROLE,
    IAM_ROLE_POLICY,
    INGRESS_RULE,
    KMS_KEY,
    LISTENER,
    LISTENER_RULE,
    LOAD_BALANCER,
    LOG_GROUP,
    RDS_INSTANCE,
    REDIS,
    S3_ENCRYPTION,
    S3_LIFECYCLE,
    S3_POLICY,
    S3_PUBLIC_ACCESS_BLOCK,
    SECRET,
    SECURITY_GROUP,
    SNS_TOPIC,
    SUBNET,
    TASK_DEFINITION,
    WEB_ACL,
    WEB_ACL_LOGGING,
    Check,
    resource_policy,
)
from .edge import (
    check_distribution,
    check_ingress,
    check_listener,
    check_listener_rule,
    check_load_balancer,
    check_subnet,
    check_web_acl,
    check_web_acl_logging,
)
from .identity import (
    check_attachment,
    check_iam_policy_document,
    check_role,
    check_service,
    check_task_definition,
    check_trail,
)
from .stack import STACK_POLICIES
from .storage import (
    check_bucket_encryption,
    check_bucket_policy,
    check_cmk,
    check_database,
    check_kms_key,
    check_lifecycle_aborts_uploads,
    check_log_group,
    check_photo_retention,
    check_public_access_block,
    check_redis,
    check_repository,
)

# (name, description, resource types, check): one line a rule.
# fmt: off
RESOURCE_RULES: list[tuple[str, str, list[str], Check]] = [
    ("s3-public-access-blocked", "S3 public access blocks turn all four settings on.", [S3_PUBLIC_ACCESS_BLOCK], check_public_access_block),
    ("s3-encrypted", "Buckets encrypt at rest; KMS names its key.", [S3_ENCRYPTION], check_bucket_encryption),
    ("s3-tls-only", "Bucket policies deny plain HTTP and never allow any principal.", [S3_POLICY], check_bucket_policy),
    ("photo-retention-matches-app", "The photo bucket expires photos after the application's retention days.", [S3_LIFECYCLE], check_photo_retention),
    ("s3-lifecycle-aborts-uploads", "Lifecycle configurations abort incomplete uploads.", [S3_LIFECYCLE], check_lifecycle_aborts_uploads),
    ("database-private-encrypted", "RDS is private, encrypted with a CMK, IAM-auth, backed up, logged.", [RDS_INSTANCE], check_database),
    ("redis-encrypted-authenticated", "Redis is encrypted at rest and in transit, with AUTH.", [REDIS], check_redis),
    ("kms-rotated-not-public", "KMS keys rotate and no key policy allows any principal.", [KMS_KEY], check_kms_key),
    ("log-groups-encrypted-retained", "Log groups use a CMK and keep logs a year or more.", [LOG_GROUP], check_log_group),
    ("secrets-and-topics-cmk", "Secrets and SNS topics use a customer-managed key.", [SECRET, SNS_TOPIC], check_cmk),
    ("ecr-immutable-scanned", "Image tags are immutable, scanned on push, KMS-encrypted.", [ECR_REPOSITORY], check_repository),
    ("alb-hardened", "The ALB drops invalid headers and keeps access logs.", [LOAD_BALANCER], check_load_balancer),
    ("alb-https-only", "ALB listeners are HTTPS with TLS 1.2+, deny by default, or redirect HTTP.", [LISTENER], check_listener),
    ("alb-origin-header", "Only requests with CloudFront's origin header are forwarded.", [LISTENER_RULE], check_listener_rule),
    ("cloudfront-waf-tls", "CloudFront has WAF, TLS 1.2+, HTTPS to viewers and origins, security headers, and serves only the configured markets.", [DISTRIBUTION], check_distribution),
    ("waf-managed-rules", "The web ACL carries the managed rule groups and a rate limit.", [WEB_ACL], check_web_acl),
    ("waf-logs-redacted", "WAF logs redact Authorization and Cookie.", [WEB_ACL_LOGGING], check_web_acl_logging),
    ("no-world-ingress", "No security group admits 0.0.0.0/0 or ::/0.", [INGRESS_RULE, SECURITY_GROUP], check_ingress),
    ("no-public-ip-subnets", "Subnets never assign public addresses by default.", [SUBNET], check_subnet),
    ("iam-no-wildcards", "IAM policies name their actions and scope resources to our ARNs.", [IAM_ROLE_POLICY, IAM_POLICY], check_iam_policy_document),
    ("iam-trust-scoped", "Roles are assumable only by named principals.", [IAM_ROLE], check_role),
    ("iam-no-broad-managed-policies", "No administrator or FullAccess managed policies.", [IAM_ATTACHMENT], check_attachment),
    ("containers-hardened-no-plaintext-secrets", "Containers run as 10001, read-only, unprivileged, logged, with secrets from Secrets Manager only.", [TASK_DEFINITION], check_task_definition),
    ("ecs-private-rollback", "Services keep tasks private and roll back failed deployments.", [ECS_SERVICE], check_service),
    ("cloudtrail-complete", "CloudTrail covers every region, validates, encrypts, feeds CloudWatch.", [CLOUDTRAIL], check_trail),
]
# fmt: on

RESOURCE_POLICIES: list[ResourceValidationPolicy] = [resource_policy(*rule) for rule in RESOURCE_RULES]
POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [*RESOURCE_POLICIES, *STACK_POLICIES]
