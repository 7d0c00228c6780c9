"""The company security policy for earfit, as Pulumi policies.

`RESOURCE_POLICIES` judge one resource from its inputs (they run in `pulumi preview
--policy-pack infra/policy` before anything changes); `STACK_POLICIES` judge how resources fit
together (every bucket fully configured, the ALB reachable only from CloudFront, the WAF logged),
linking resources by `property_dependencies` and, where a value is already known, by value.
All are mandatory. The messages are exact and stable: the tests compare them word for word.

`PolicyPack(...)` starts a policy server and blocks, so it is only constructed in `__main__.py`.
"""

import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # infra/, for the shared contract
from contract import (
    CONTAINER_USER,
    IMAGE_COMMANDS,
    LOG_DELIVERY_TAG,
    PHOTO_EXPIRY_RULE_ID,
    SECRET_ENV_NAMES,
    WRITABLE_PATH,
    app_photo_retention_days,
)

MIN_LOG_RETENTION_DAYS = 365
ALB_TLS_POLICIES = frozenset(
    {
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    }
)
CLOUDFRONT_TLS = frozenset({"TLSv1.2_2019", "TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"})
# Actions that have no resource-level permissions: AWS accepts only "*" as their resource.
RESOURCELESS_ACTIONS = frozenset(
    {
        "ecr:GetAuthorizationToken",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }
)
REQUIRED_MANAGED_GROUPS = frozenset(
    {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
)
SECRET_LOOKING = re.compile(r"(SECRET|PASSWORD|TOKEN|PRIVATE_KEY|API_KEY)", re.IGNORECASE)
CREDENTIALS_IN_URL = re.compile(r"://[^/\s:@]*:[^/\s@]+@")

S3_BUCKET = "aws:s3/bucket:Bucket"
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
S3_LOGGING = "aws:s3/bucketLogging:BucketLogging"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
S3_OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
RDS_INSTANCE = "aws:rds/instance:Instance"
REDIS = "aws:elasticache/replicationGroup:ReplicationGroup"
KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"  # noqa: S105 - a resource type token, not a password
SNS_TOPIC = "aws:sns/topic:Topic"
ECR_REPOSITORY = "aws:ecr/repository:Repository"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
CLOUDTRAIL = "aws:cloudtrail/trail:Trail"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBNET = "aws:ec2/subnet:Subnet"

Check = Callable[[ResourceValidationArgs, ReportViolation], None]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _document(raw: Any) -> dict[str, Any]:
    return json.loads(raw) if isinstance(raw, str) else dict(raw or {})


def _statements(raw: Any) -> list[dict[str, Any]]:
    return [dict(statement) for statement in _as_list(_document(raw).get("Statement"))]


def _resource_policy(name: str, description: str, types: Iterable[str], check: Check) -> ResourceValidationPolicy:
    wanted = frozenset(types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in wanted:
            check(args, report_violation)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=EnforcementLevel.MANDATORY
    )


# --- S3 ---------------------------------------------------------------------------------------


def _check_public_access_block(args: ResourceValidationArgs, report: ReportViolation) -> None:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    missing = [flag for flag in flags if args.props.get(flag) is not True]
    if missing:
        report(f"S3 public access block '{args.name}' leaves {', '.join(missing)} off.", None)


def _check_bucket_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for rule in _as_list(args.props.get("rules")):
        default = dict(rule.get("applyServerSideEncryptionByDefault") or {})
        algorithm = default.get("sseAlgorithm")
        if algorithm == "aws:kms" and not default.get("kmsMasterKeyId"):
            report(f"Bucket encryption '{args.name}' uses aws:kms without naming a customer-managed key.", None)
        elif algorithm not in ("aws:kms", "AES256"):
            report(f"Bucket encryption '{args.name}' does not encrypt at rest.", None)
    if not _as_list(args.props.get("rules")):
        report(f"Bucket encryption '{args.name}' has no rule.", None)


def _check_bucket_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    statements = _statements(args.props.get("policy"))
    tls_only = any(
        statement.get("Effect") == "Deny"
        and statement.get("Principal") in ("*", {"AWS": "*"})
        and "s3:*" in _as_list(statement.get("Action"))
        and dict(statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for statement in statements
    )
    if not tls_only:
        report(f"Bucket policy '{args.name}' does not deny requests without TLS (aws:SecureTransport).", None)
    for statement in statements:
        if statement.get("Effect") == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}):
            report(f"Bucket policy '{args.name}' allows any principal (statement '{statement.get('Sid', '')}').", None)


def _check_photo_retention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    app_days = app_photo_retention_days()
    for rule in _as_list(args.props.get("rules")):
        if rule.get("id") != PHOTO_EXPIRY_RULE_ID:
            continue
        days = dict(rule.get("expiration") or {}).get("days")
        if days != app_days:
            report(
                f"Photo expiry rule '{PHOTO_EXPIRY_RULE_ID}' expires photos after {days} days; "
                f"the application keeps them {app_days} days (earfit/retention.py).",
                None,
            )
        noncurrent = dict(rule.get("noncurrentVersionExpiration") or {}).get("noncurrentDays")
        if noncurrent is None or noncurrent > app_days:
            report(
                f"Photo expiry rule '{PHOTO_EXPIRY_RULE_ID}' keeps noncurrent photo versions beyond {app_days} days.",
                None,
            )
        if rule.get("status") != "Enabled":
            report(f"Photo expiry rule '{PHOTO_EXPIRY_RULE_ID}' is not enabled.", None)


def _check_lifecycle_aborts_uploads(args: ResourceValidationArgs, report: ReportViolation) -> None:
    rules = _as_list(args.props.get("rules"))
    if not any(rule.get("abortIncompleteMultipartUpload") for rule in rules):
        report(f"Lifecycle '{args.name}' never aborts incomplete multipart uploads.", None)


# --- data stores --------------------------------------------------------------------------------


def _check_database(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if props.get("publiclyAccessible"):
        report(f"Database '{args.name}' is publicly accessible.", None)
    if not props.get("storageEncrypted") or not props.get("kmsKeyId"):
        report(f"Database '{args.name}' is not encrypted with a customer-managed key.", None)
    if not props.get("iamDatabaseAuthenticationEnabled"):
        report(f"Database '{args.name}' does not enable IAM authentication.", None)
    if (props.get("backupRetentionPeriod") or 0) < 7:
        report(f"Database '{args.name}' keeps backups fewer than 7 days.", None)
    if not props.get("enabledCloudwatchLogsExports"):
        report(f"Database '{args.name}' does not export its logs to CloudWatch.", None)


def _check_redis(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if not props.get("atRestEncryptionEnabled") or not props.get("kmsKeyId"):
        report(f"Redis '{args.name}' is not encrypted at rest with a customer-managed key.", None)
    if not props.get("transitEncryptionEnabled") or not props.get("authToken"):
        report(f"Redis '{args.name}' does not require TLS and an AUTH token.", None)


def _check_kms_key(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.props.get("enableKeyRotation"):
        report(f"KMS key '{args.name}' does not rotate.", None)
    for statement in _statements(args.props.get("policy")):
        if statement.get("Effect") == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}):
            report(f"KMS key '{args.name}' lets any principal use it.", None)


def _check_log_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.props.get("kmsKeyId"):
        report(f"Log group '{args.name}' is not encrypted with a customer-managed key.", None)
    retention = args.props.get("retentionInDays") or 0
    if retention < MIN_LOG_RETENTION_DAYS:
        report(f"Log group '{args.name}' keeps logs {retention} days; the minimum is {MIN_LOG_RETENTION_DAYS}.", None)


def _check_cmk(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = "kmsMasterKeyId" if args.resource_type == SNS_TOPIC else "kmsKeyId"
    if not args.props.get(key):
        report(f"'{args.name}' is not encrypted with a customer-managed key.", None)


def _check_repository(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if props.get("imageTagMutability") != "IMMUTABLE":
        report(f"Repository '{args.name}' lets a tag be overwritten.", None)
    if not dict(props.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        report(f"Repository '{args.name}' does not scan images on push.", None)
    encryption = _as_list(props.get("encryptionConfigurations"))
    if not any(item.get("encryptionType") == "KMS" and item.get("kmsKey") for item in encryption):
        report(f"Repository '{args.name}' is not encrypted with a customer-managed key.", None)


# --- edge and network ---------------------------------------------------------------------------


def _check_load_balancer(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if not props.get("dropInvalidHeaderFields"):
        report(f"Load balancer '{args.name}' forwards invalid HTTP headers.", None)
    if not dict(props.get("accessLogs") or {}).get("enabled"):
        report(f"Load balancer '{args.name}' keeps no access logs.", None)


def _check_listener(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    actions = _as_list(props.get("defaultActions"))
    if props.get("protocol") == "HTTPS":
        if props.get("sslPolicy") not in ALB_TLS_POLICIES:
            report(f"Listener '{args.name}' allows TLS older than 1.2 (policy {props.get('sslPolicy')}).", None)
        denies = all(
            action.get("type") == "fixed-response"
            and dict(action.get("fixedResponse") or {}).get("statusCode") == "403"
            for action in actions
        )
        if not denies:
            report(f"Listener '{args.name}' must answer 403 unless CloudFront's origin header is present.", None)
    elif not actions or not all(
        action.get("type") == "redirect" and dict(action.get("redirect") or {}).get("protocol") == "HTTPS"
        for action in actions
    ):
        report(f"Listener '{args.name}' serves plain HTTP instead of redirecting to HTTPS.", None)


def _check_listener_rule(args: ResourceValidationArgs, report: ReportViolation) -> None:
    forwards = any(action.get("type") == "forward" for action in _as_list(args.props.get("actions")))
    checks_header = any(
        dict(condition.get("httpHeader") or {}).get("values") for condition in _as_list(args.props.get("conditions"))
    )
    if forwards and not checks_header:
        report(f"Listener rule '{args.name}' forwards without checking CloudFront's origin header.", None)


def _check_distribution(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if not props.get("webAclId"):
        report(f"Distribution '{args.name}' has no WAF web ACL.", None)
    certificate = dict(props.get("viewerCertificate") or {})
    if certificate.get("minimumProtocolVersion") not in CLOUDFRONT_TLS or not certificate.get("acmCertificateArn"):
        report(f"Distribution '{args.name}' must use its ACM certificate with TLS 1.2 or newer.", None)
    behaviours = [dict(props.get("defaultCacheBehavior") or {}), *_as_list(props.get("orderedCacheBehaviors"))]
    for behaviour in behaviours:
        if behaviour.get("viewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
            report(f"Distribution '{args.name}' serves '{behaviour.get('pathPattern', '*')}' over plain HTTP.", None)
        if not behaviour.get("responseHeadersPolicyId"):
            report(
                f"Distribution '{args.name}' sends '{behaviour.get('pathPattern', '*')}' without security headers.",
                None,
            )
    for origin in _as_list(props.get("origins")):
        custom = origin.get("customOriginConfig")
        if custom and (
            custom.get("originProtocolPolicy") != "https-only" or custom.get("originSslProtocols") != ["TLSv1.2"]
        ):
            report(f"Distribution '{args.name}' reaches origin '{origin.get('originId')}' without TLS 1.2.", None)
        if not custom and not origin.get("originAccessControlId"):
            report(
                f"Distribution '{args.name}' reads bucket origin '{origin.get('originId')}' without origin access control.",
                None,
            )


def _check_web_acl(args: ResourceValidationArgs, report: ReportViolation) -> None:
    rules = _as_list(args.props.get("rules"))
    groups = {
        dict(dict(rule.get("statement") or {}).get("managedRuleGroupStatement") or {}).get("name") for rule in rules
    }
    missing = sorted(REQUIRED_MANAGED_GROUPS - groups)
    if missing:
        report(f"Web ACL '{args.name}' lacks the managed rule groups {', '.join(missing)}.", None)
    if not any(dict(rule.get("statement") or {}).get("rateBasedStatement") for rule in rules):
        report(f"Web ACL '{args.name}' has no rate-based rule.", None)


def _check_web_acl_logging(args: ResourceValidationArgs, report: ReportViolation) -> None:
    redacted = {
        dict(field.get("singleHeader") or {}).get("name", "").lower()
        for field in _as_list(args.props.get("redactedFields"))
    }
    missing = sorted({"authorization", "cookie"} - redacted)
    if missing:
        report(f"WAF logging '{args.name}' writes the {', '.join(missing)} header(s) in clear.", None)


def _world(cidr: Any) -> bool:
    return cidr in ("0.0.0.0/0", "::/0")


def _check_ingress_rule(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if _world(args.props.get("cidrIpv4")) or _world(args.props.get("cidrIpv6")):
        report(f"Ingress rule '{args.name}' admits the whole internet.", None)


def _check_security_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for rule in _as_list(args.props.get("ingress")):
        if any(_world(cidr) for cidr in [*_as_list(rule.get("cidrBlocks")), *_as_list(rule.get("ipv6CidrBlocks"))]):
            report(f"Security group '{args.name}' admits the whole internet.", None)


def _check_subnet(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.props.get("mapPublicIpOnLaunch"):
        report(f"Subnet '{args.name}' gives every interface a public address.", None)


# --- identity, containers, logging --------------------------------------------------------------


def _check_iam_policy_document(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for statement in _statements(args.props.get("policy")):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", "")
        actions = _as_list(statement.get("Action"))
        for action in actions:
            if "*" in action:
                report(f"IAM policy '{args.name}' grants the wildcard action '{action}' (statement '{sid}').", None)
        if "*" in _as_list(statement.get("Resource")) and not set(actions) <= RESOURCELESS_ACTIONS:
            report(
                f"IAM policy '{args.name}' grants {', '.join(sorted(set(actions) - RESOURCELESS_ACTIONS))} on every resource (statement '{sid}').",
                None,
            )
        if statement.get("NotAction") or statement.get("NotResource"):
            report(f"IAM policy '{args.name}' uses NotAction or NotResource (statement '{sid}').", None)


def _check_role(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for statement in _statements(args.props.get("assumeRolePolicy")):
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS"))):
            report(f"Role '{args.name}' can be assumed by anyone.", None)


def _check_attachment(args: ResourceValidationArgs, report: ReportViolation) -> None:
    arn = str(args.props.get("policyArn", ""))
    if arn.endswith(("/AdministratorAccess", "FullAccess", "/PowerUserAccess")):
        report(f"Role attachment '{args.name}' grants the broad managed policy {arn}.", None)


def _check_task_definition(args: ResourceValidationArgs, report: ReportViolation) -> None:
    containers = json.loads(args.props.get("containerDefinitions") or "[]")
    for container in containers:
        name = container.get("name")
        if container.get("user") != CONTAINER_USER:
            report(f"Container '{name}' in '{args.name}' does not run as {CONTAINER_USER}.", None)
        if container.get("readonlyRootFilesystem") is not True:
            report(f"Container '{name}' in '{args.name}' can write its root filesystem.", None)
        if container.get("privileged"):
            report(f"Container '{name}' in '{args.name}' is privileged.", None)
        if not any(mount.get("containerPath") == WRITABLE_PATH for mount in container.get("mountPoints", [])):
            report(f"Container '{name}' in '{args.name}' has no writable {WRITABLE_PATH} volume.", None)
        if dict(container.get("logConfiguration") or {}).get("logDriver") != "awslogs":
            report(f"Container '{name}' in '{args.name}' does not log to CloudWatch.", None)
        for variable in container.get("environment", []):
            key, value = variable.get("name", ""), str(variable.get("value", ""))
            if key in SECRET_ENV_NAMES or SECRET_LOOKING.search(key) or CREDENTIALS_IN_URL.search(value):
                report(f"Container '{name}' in '{args.name}' has the secret {key} as a plain environment value.", None)
        for secret in container.get("secrets", []):
            if not str(secret.get("valueFrom", "")).startswith("arn:aws:secretsmanager:"):
                report(
                    f"Container '{name}' in '{args.name}' reads {secret.get('name')} from outside Secrets Manager.",
                    None,
                )
    app = [
        container for container in containers if container.get("command") and container["command"][0] in IMAGE_COMMANDS
    ]
    if not app:
        report(f"Task definition '{args.name}' runs none of the image's commands ({', '.join(IMAGE_COMMANDS)}).", None)


def _check_service(args: ResourceValidationArgs, report: ReportViolation) -> None:
    network = dict(args.props.get("networkConfiguration") or {})
    if network.get("assignPublicIp"):
        report(f"Service '{args.name}' gives its tasks public addresses.", None)
    breaker = dict(args.props.get("deploymentCircuitBreaker") or {})
    if not (breaker.get("enable") and breaker.get("rollback")):
        report(f"Service '{args.name}' does not roll back a failed deployment.", None)


def _check_trail(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    for key, what in (
        ("isMultiRegionTrail", "cover every region"),
        ("enableLogFileValidation", "validate its log files"),
        ("kmsKeyId", "encrypt with a customer-managed key"),
        ("cloudWatchLogsGroupArn", "deliver to CloudWatch Logs"),
    ):
        if not props.get(key):
            report(f"Trail '{args.name}' does not {what}.", None)


def _check_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == INGRESS_RULE:
        _check_ingress_rule(args, report)
    else:
        _check_security_group(args, report)


# (name, description, resource types, check): one line a rule.
# fmt: off
_RESOURCE_RULES: list[tuple[str, str, list[str], Check]] = [
    ("s3-public-access-blocked", "S3 public access blocks turn all four settings on.", [S3_PUBLIC_ACCESS_BLOCK], _check_public_access_block),
    ("s3-encrypted", "Buckets encrypt at rest; KMS names its key.", [S3_ENCRYPTION], _check_bucket_encryption),
    ("s3-tls-only", "Bucket policies deny plain HTTP and never allow any principal.", [S3_POLICY], _check_bucket_policy),
    ("photo-retention-matches-app", "The photo bucket expires photos after the application's retention days.", [S3_LIFECYCLE], _check_photo_retention),
    ("s3-lifecycle-aborts-uploads", "Lifecycle configurations abort incomplete uploads.", [S3_LIFECYCLE], _check_lifecycle_aborts_uploads),
    ("database-private-encrypted", "RDS is private, encrypted with a CMK, IAM-auth, backed up, logged.", [RDS_INSTANCE], _check_database),
    ("redis-encrypted-authenticated", "Redis is encrypted at rest and in transit, with AUTH.", [REDIS], _check_redis),
    ("kms-rotated-not-public", "KMS keys rotate and no key policy allows any principal.", [KMS_KEY], _check_kms_key),
    ("log-groups-encrypted-retained", "Log groups use a CMK and keep logs a year or more.", [LOG_GROUP], _check_log_group),
    ("secrets-and-topics-cmk", "Secrets and SNS topics use a customer-managed key.", [SECRET, SNS_TOPIC], _check_cmk),
    ("ecr-immutable-scanned", "Image tags are immutable, scanned on push, KMS-encrypted.", [ECR_REPOSITORY], _check_repository),
    ("alb-hardened", "The ALB drops invalid headers and keeps access logs.", [LOAD_BALANCER], _check_load_balancer),
    ("alb-https-only", "ALB listeners are HTTPS with TLS 1.2+, deny by default, or redirect HTTP.", [LISTENER], _check_listener),
    ("alb-origin-header", "Only requests with CloudFront's origin header are forwarded.", [LISTENER_RULE], _check_listener_rule),
    ("cloudfront-waf-tls", "CloudFront has WAF, TLS 1.2+, HTTPS to viewers and origins, security headers.", [DISTRIBUTION], _check_distribution),
    ("waf-managed-rules", "The web ACL carries the managed rule groups and a rate limit.", [WEB_ACL], _check_web_acl),
    ("waf-logs-redacted", "WAF logs redact Authorization and Cookie.", [WEB_ACL_LOGGING], _check_web_acl_logging),
    ("no-world-ingress", "No security group admits 0.0.0.0/0 or ::/0.", [INGRESS_RULE, SECURITY_GROUP], _check_ingress),
    ("no-public-ip-subnets", "Subnets never assign public addresses by default.", [SUBNET], _check_subnet),
    ("iam-no-wildcards", "IAM policies name their actions and scope resources to our ARNs.", [IAM_ROLE_POLICY, IAM_POLICY], _check_iam_policy_document),
    ("iam-trust-scoped", "Roles are assumable only by named principals.", [IAM_ROLE], _check_role),
    ("iam-no-broad-managed-policies", "No administrator or FullAccess managed policies.", [IAM_ATTACHMENT], _check_attachment),
    ("containers-hardened-no-plaintext-secrets", "Containers run as 10001, read-only, unprivileged, logged, with secrets from Secrets Manager only.", [TASK_DEFINITION], _check_task_definition),
    ("ecs-private-rollback", "Services keep tasks private and roll back failed deployments.", [ECS_SERVICE], _check_service),
    ("cloudtrail-complete", "CloudTrail covers every region, validates, encrypts, feeds CloudWatch.", [CLOUDTRAIL], _check_trail),
]
# fmt: on
RESOURCE_POLICIES = [_resource_policy(*rule) for rule in _RESOURCE_RULES]


# --- stack-wide rules -----------------------------------------------------------------------------


def _linked(
    resource: PolicyResource, prop: str, candidates: list[PolicyResource], *outputs: str
) -> list[PolicyResource]:
    """The candidates `resource.props[prop]` refers to: by dependency if the engine recorded it, else by value."""
    linked = [dep for dep in resource.property_dependencies.get(prop, []) if dep in candidates]
    if linked:
        return linked
    values = set(map(str, _as_list(resource.props.get(prop))))
    return [
        c for c in candidates if values & {str(c.props.get(key)) for key in outputs if c.props.get(key) is not None}
    ]


def _of_type(args: StackValidationArgs, typ: str) -> list[PolicyResource]:
    return [resource for resource in args.resources if resource.resource_type == typ]


def _validate_buckets_complete(args: StackValidationArgs, report: ReportViolation) -> None:
    buckets = _of_type(args, S3_BUCKET)
    required = (
        (S3_PUBLIC_ACCESS_BLOCK, "public access block"),
        (S3_OWNERSHIP, "ownership control disabling ACLs"),
        (S3_ENCRYPTION, "encryption configuration"),
        (S3_VERSIONING, "versioning"),
        (S3_POLICY, "TLS-only bucket policy"),
        (S3_LIFECYCLE, "lifecycle configuration"),
    )
    for bucket in buckets:
        for typ, what in required:
            if not any(bucket in _linked(item, "bucket", buckets, "bucket", "id") for item in _of_type(args, typ)):
                report(f"Bucket '{bucket.name}' has no {what}.", bucket.urn)
        is_log_bucket = dict(bucket.props.get("tags") or {}).get(LOG_DELIVERY_TAG[0]) == LOG_DELIVERY_TAG[1]
        logged = any(bucket in _linked(item, "bucket", buckets, "bucket", "id") for item in _of_type(args, S3_LOGGING))
        if not logged and not is_log_bucket:
            report(f"Bucket '{bucket.name}' has no access logging.", bucket.urn)
        for encryption in _of_type(args, S3_ENCRYPTION):
            if bucket not in _linked(encryption, "bucket", buckets, "bucket", "id"):
                continue
            algorithms = {
                dict(rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
                for rule in _as_list(encryption.props.get("rules"))
            }
            if algorithms != {"aws:kms"} and not is_log_bucket:
                report(f"Bucket '{bucket.name}' is not encrypted with a customer-managed KMS key.", bucket.urn)
    photo_rules = [
        lifecycle
        for lifecycle in _of_type(args, S3_LIFECYCLE)
        if any(rule.get("id") == PHOTO_EXPIRY_RULE_ID for rule in _as_list(lifecycle.props.get("rules")))
    ]
    if len(photo_rules) != 1:
        report(
            f"Exactly one bucket must carry the '{PHOTO_EXPIRY_RULE_ID}' lifecycle rule; found {len(photo_rules)}.",
            None,
        )


def _validate_alb_behind_cloudfront(args: StackValidationArgs, report: ReportViolation) -> None:
    groups = _of_type(args, SECURITY_GROUP)
    rules = _of_type(args, INGRESS_RULE)
    for balancer in _of_type(args, LOAD_BALANCER):
        if balancer.props.get("internal"):
            continue
        for group in _linked(balancer, "securityGroups", groups, "id"):
            for rule in rules:
                if group not in _linked(rule, "securityGroupId", groups, "id"):
                    continue
                if (
                    not rule.props.get("prefixListId")
                    or rule.props.get("fromPort") != 443
                    or rule.props.get("toPort") != 443
                ):
                    report(
                        f"Load balancer '{balancer.name}' admits more than CloudFront's origin-facing prefix list on 443 "
                        f"(rule '{rule.name}').",
                        balancer.urn,
                    )
    distributions = _of_type(args, DISTRIBUTION)
    for rule in _of_type(args, LISTENER_RULE):
        header_values = {
            value
            for condition in _as_list(rule.props.get("conditions"))
            for value in _as_list(dict(condition.get("httpHeader") or {}).get("values"))
        }
        origin_values = {
            str(header.get("value"))
            for distribution in distributions
            for origin in _as_list(distribution.props.get("origins"))
            for header in _as_list(origin.get("customHeaders"))
        }
        if header_values and not header_values & origin_values:
            report(f"Listener rule '{rule.name}' expects an origin header no distribution sends.", rule.urn)


def _validate_logging(args: StackValidationArgs, report: ReportViolation) -> None:
    vpcs = _of_type(args, VPC)
    for vpc in vpcs:
        if not any(vpc in _linked(flow, "vpcId", vpcs, "id") for flow in _of_type(args, FLOW_LOG)):
            report(f"VPC '{vpc.name}' has no flow logs.", vpc.urn)
    acls = _of_type(args, WEB_ACL)
    for acl in acls:
        if not any(acl in _linked(logging, "resourceArn", acls, "arn") for logging in _of_type(args, WEB_ACL_LOGGING)):
            report(f"Web ACL '{acl.name}' is not logged.", acl.urn)
    if not _of_type(args, CLOUDTRAIL):
        report("The stack declares no CloudTrail trail.", None)


STACK_POLICIES: list[StackValidationPolicy] = [
    StackValidationPolicy(
        name="s3-buckets-complete",
        description="Every bucket is private, versioned, encrypted, logged, TLS-only.",
        validate=_validate_buckets_complete,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="alb-only-from-cloudfront",
        description="The ALB admits only CloudFront, with its origin header.",
        validate=_validate_alb_behind_cloudfront,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="logging-everywhere",
        description="Flow logs on every VPC, WAF logging, CloudTrail.",
        validate=_validate_logging,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
]

POLICIES = [*RESOURCE_POLICIES, *STACK_POLICIES]
