"""Rules over the whole stack: how resources fit together."""

from pulumi_policy import EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs, StackValidationPolicy

from contract import LOG_DELIVERY_TAG, PHOTO_EXPIRY_RULE_ID

from .common import (
    CLOUDTRAIL,
    DISTRIBUTION,
    FLOW_LOG,
    INGRESS_RULE,
    LISTENER_RULE,
    LOAD_BALANCER,
    S3_BUCKET,
    S3_ENCRYPTION,
    S3_LIFECYCLE,
    S3_LOGGING,
    S3_OWNERSHIP,
    S3_POLICY,
    S3_PUBLIC_ACCESS_BLOCK,
    S3_VERSIONING,
    SECURITY_GROUP,
    VPC,
    WEB_ACL,
    WEB_ACL_LOGGING,
    as_list,
)


def linked(
    resource: PolicyResource, prop: str, candidates: list[PolicyResource], *outputs: str
) -> list[PolicyResource]:
    """The candidates `resource.props[prop]` refers to: by dependency if the engine recorded it, else by value."""
    recorded = [dep for dep in resource.property_dependencies.get(prop, []) if dep in candidates]
    if recorded:
        return recorded
    values = set(map(str, as_list(resource.props.get(prop))))
    return [
        c for c in candidates if values & {str(c.props.get(key)) for key in outputs if c.props.get(key) is not None}
    ]


def of_type(args: StackValidationArgs, typ: str) -> list[PolicyResource]:
    return [resource for resource in args.resources if resource.resource_type == typ]


def validate_buckets_complete(args: StackValidationArgs, report: ReportViolation) -> None:
    buckets = of_type(args, S3_BUCKET)
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
            if not any(bucket in linked(item, "bucket", buckets, "bucket", "id") for item in of_type(args, typ)):
                report(f"Bucket '{bucket.name}' has no {what}.", bucket.urn)
        is_log_bucket = dict(bucket.props.get("tags") or {}).get(LOG_DELIVERY_TAG[0]) == LOG_DELIVERY_TAG[1]
        logged = any(bucket in linked(item, "bucket", buckets, "bucket", "id") for item in of_type(args, S3_LOGGING))
        if not logged and not is_log_bucket:
            report(f"Bucket '{bucket.name}' has no access logging.", bucket.urn)
        for encryption in of_type(args, S3_ENCRYPTION):
            if bucket not in linked(encryption, "bucket", buckets, "bucket", "id"):
                continue
            algorithms = {
                dict(rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm")
                for rule in as_list(encryption.props.get("rules"))
            }
            if algorithms != {"aws:kms"} and not is_log_bucket:
                report(f"Bucket '{bucket.name}' is not encrypted with a customer-managed KMS key.", bucket.urn)
    photo_rules = [
        lifecycle
        for lifecycle in of_type(args, S3_LIFECYCLE)
        if any(rule.get("id") == PHOTO_EXPIRY_RULE_ID for rule in as_list(lifecycle.props.get("rules")))
    ]
    if len(photo_rules) != 1:
        report(
            f"Exactly one bucket must carry the '{PHOTO_EXPIRY_RULE_ID}' lifecycle rule; found {len(photo_rules)}.",
            None,
        )


def validate_alb_behind_cloudfront(args: StackValidationArgs, report: ReportViolation) -> None:
    groups = of_type(args, SECURITY_GROUP)
    rules = of_type(args, INGRESS_RULE)
    for balancer in of_type(args, LOAD_BALANCER):
        if balancer.props.get("internal"):
            continue
        for group in linked(balancer, "securityGroups", groups, "id"):
            for rule in rules:
                if group not in linked(rule, "securityGroupId", groups, "id"):
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
    distributions = of_type(args, DISTRIBUTION)
    for rule in of_type(args, LISTENER_RULE):
        header_values = {
            value
            for condition in as_list(rule.props.get("conditions"))
            for value in as_list(dict(condition.get("httpHeader") or {}).get("values"))
        }
        origin_values = {
            str(header.get("value"))
            for distribution in distributions
            for origin in as_list(distribution.props.get("origins"))
            for header in as_list(origin.get("customHeaders"))
        }
        if header_values and not header_values & origin_values:
            report(f"Listener rule '{rule.name}' expects an origin header no distribution sends.", rule.urn)


def validate_logging(args: StackValidationArgs, report: ReportViolation) -> None:
    vpcs = of_type(args, VPC)
    for vpc in vpcs:
        if not any(vpc in linked(flow, "vpcId", vpcs, "id") for flow in of_type(args, FLOW_LOG)):
            report(f"VPC '{vpc.name}' has no flow logs.", vpc.urn)
    acls = of_type(args, WEB_ACL)
    for acl in acls:
        if not any(acl in linked(logging, "resourceArn", acls, "arn") for logging in of_type(args, WEB_ACL_LOGGING)):
            report(f"Web ACL '{acl.name}' is not logged.", acl.urn)
    if not of_type(args, CLOUDTRAIL):
        report("The stack declares no CloudTrail trail.", None)


STACK_POLICIES: list[StackValidationPolicy] = [
    StackValidationPolicy(
        name="s3-buckets-complete",
        description="Every bucket is private, versioned, encrypted, logged, TLS-only.",
        validate=validate_buckets_complete,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="alb-only-from-cloudfront",
        description="The ALB admits only CloudFront, with its origin header.",
        validate=validate_alb_behind_cloudfront,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
    StackValidationPolicy(
        name="logging-everywhere",
        description="Flow logs on every VPC, WAF logging, CloudTrail.",
        validate=validate_logging,
        enforcement_level=EnforcementLevel.MANDATORY,
    ),
]
