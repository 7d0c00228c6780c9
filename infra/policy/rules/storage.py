"""Buckets and the stores behind the application: encryption, access, retention."""

from pulumi_policy import ReportViolation, ResourceValidationArgs

from contract import PHOTO_EXPIRY_RULE_ID, app_photo_retention_days

from .common import (
    MIN_LOG_RETENTION_DAYS,
    SNS_TOPIC,
    as_list,
    policy_statements,
)


def check_public_access_block(args: ResourceValidationArgs, report: ReportViolation) -> None:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    missing = [flag for flag in flags if args.props.get(flag) is not True]
    if missing:
        report(f"S3 public access block '{args.name}' leaves {', '.join(missing)} off.", None)


def check_bucket_encryption(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for rule in as_list(args.props.get("rules")):
        default = dict(rule.get("applyServerSideEncryptionByDefault") or {})
        algorithm = default.get("sseAlgorithm")
        if algorithm == "aws:kms" and not default.get("kmsMasterKeyId"):
            report(f"Bucket encryption '{args.name}' uses aws:kms without naming a customer-managed key.", None)
        elif algorithm not in ("aws:kms", "AES256"):
            report(f"Bucket encryption '{args.name}' does not encrypt at rest.", None)
    if not as_list(args.props.get("rules")):
        report(f"Bucket encryption '{args.name}' has no rule.", None)


def check_bucket_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    statements = policy_statements(args.props.get("policy"))
    tls_only = any(
        statement.get("Effect") == "Deny"
        and statement.get("Principal") in ("*", {"AWS": "*"})
        and "s3:*" in as_list(statement.get("Action"))
        and dict(statement.get("Condition") or {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for statement in statements
    )
    if not tls_only:
        report(f"Bucket policy '{args.name}' does not deny requests without TLS (aws:SecureTransport).", None)
    for statement in statements:
        if statement.get("Effect") == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}):
            report(f"Bucket policy '{args.name}' allows any principal (statement '{statement.get('Sid', '')}').", None)


def check_photo_retention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    app_days = app_photo_retention_days()
    for rule in as_list(args.props.get("rules")):
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


def check_lifecycle_aborts_uploads(args: ResourceValidationArgs, report: ReportViolation) -> None:
    rules = as_list(args.props.get("rules"))
    if not any(rule.get("abortIncompleteMultipartUpload") for rule in rules):
        report(f"Lifecycle '{args.name}' never aborts incomplete multipart uploads.", None)


def check_database(args: ResourceValidationArgs, report: ReportViolation) -> None:
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


def check_redis(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if not props.get("atRestEncryptionEnabled") or not props.get("kmsKeyId"):
        report(f"Redis '{args.name}' is not encrypted at rest with a customer-managed key.", None)
    if not props.get("transitEncryptionEnabled") or not props.get("authToken"):
        report(f"Redis '{args.name}' does not require TLS and an AUTH token.", None)


def check_kms_key(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.props.get("enableKeyRotation"):
        report(f"KMS key '{args.name}' does not rotate.", None)
    for statement in policy_statements(args.props.get("policy")):
        if statement.get("Effect") == "Allow" and statement.get("Principal") in ("*", {"AWS": "*"}):
            report(f"KMS key '{args.name}' lets any principal use it.", None)


def check_log_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.props.get("kmsKeyId"):
        report(f"Log group '{args.name}' is not encrypted with a customer-managed key.", None)
    retention = args.props.get("retentionInDays") or 0
    if retention < MIN_LOG_RETENTION_DAYS:
        report(f"Log group '{args.name}' keeps logs {retention} days; the minimum is {MIN_LOG_RETENTION_DAYS}.", None)


def check_cmk(args: ResourceValidationArgs, report: ReportViolation) -> None:
    key = "kmsMasterKeyId" if args.resource_type == SNS_TOPIC else "kmsKeyId"
    if not args.props.get(key):
        report(f"'{args.name}' is not encrypted with a customer-managed key.", None)


def check_repository(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if props.get("imageTagMutability") != "IMMUTABLE":
        report(f"Repository '{args.name}' lets a tag be overwritten.", None)
    if not dict(props.get("imageScanningConfiguration") or {}).get("scanOnPush"):
        report(f"Repository '{args.name}' does not scan images on push.", None)
    encryption = as_list(props.get("encryptionConfigurations"))
    if not any(item.get("encryptionType") == "KMS" and item.get("kmsKey") for item in encryption):
        report(f"Repository '{args.name}' is not encrypted with a customer-managed key.", None)
