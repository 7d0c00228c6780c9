"""The way in: ALB, CloudFront, WAF, security groups, subnets."""

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs

from .common import (
    ALB_TLS_POLICIES,
    CLOUDFRONT_TLS,
    INGRESS_RULE,
    REQUIRED_MANAGED_GROUPS,
    as_list,
)


def check_load_balancer(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if not props.get("dropInvalidHeaderFields"):
        report(f"Load balancer '{args.name}' forwards invalid HTTP headers.", None)
    if not dict(props.get("accessLogs") or {}).get("enabled"):
        report(f"Load balancer '{args.name}' keeps no access logs.", None)


def check_listener(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    actions = as_list(props.get("defaultActions"))
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


def check_listener_rule(args: ResourceValidationArgs, report: ReportViolation) -> None:
    forwards = any(action.get("type") == "forward" for action in as_list(args.props.get("actions")))
    checks_header = any(
        dict(condition.get("httpHeader") or {}).get("values") for condition in as_list(args.props.get("conditions"))
    )
    if forwards and not checks_header:
        report(f"Listener rule '{args.name}' forwards without checking CloudFront's origin header.", None)


def check_distribution(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if not props.get("webAclId"):
        report(f"Distribution '{args.name}' has no WAF web ACL.", None)
    certificate = dict(props.get("viewerCertificate") or {})
    if certificate.get("minimumProtocolVersion") not in CLOUDFRONT_TLS or not certificate.get("acmCertificateArn"):
        report(f"Distribution '{args.name}' must use its ACM certificate with TLS 1.2 or newer.", None)
    behaviours = [dict(props.get("defaultCacheBehavior") or {}), *as_list(props.get("orderedCacheBehaviors"))]
    for behaviour in behaviours:
        if behaviour.get("viewerProtocolPolicy") not in ("redirect-to-https", "https-only"):
            report(f"Distribution '{args.name}' serves '{behaviour.get('pathPattern', '*')}' over plain HTTP.", None)
        if not behaviour.get("responseHeadersPolicyId"):
            report(
                f"Distribution '{args.name}' sends '{behaviour.get('pathPattern', '*')}' without security headers.",
                None,
            )
    geo = dict(dict(props.get("restrictions") or {}).get("geoRestriction") or {})
    if geo.get("restrictionType") != "whitelist" or not as_list(geo.get("locations")):
        report(f"Distribution '{args.name}' serves every country instead of the markets configured.", None)
    for origin in as_list(props.get("origins")):
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


def check_web_acl(args: ResourceValidationArgs, report: ReportViolation) -> None:
    rules = as_list(args.props.get("rules"))
    groups = {
        dict(dict(rule.get("statement") or {}).get("managedRuleGroupStatement") or {}).get("name") for rule in rules
    }
    missing = sorted(REQUIRED_MANAGED_GROUPS - groups)
    if missing:
        report(f"Web ACL '{args.name}' lacks the managed rule groups {', '.join(missing)}.", None)
    if not any(dict(rule.get("statement") or {}).get("rateBasedStatement") for rule in rules):
        report(f"Web ACL '{args.name}' has no rate-based rule.", None)


def check_web_acl_logging(args: ResourceValidationArgs, report: ReportViolation) -> None:
    redacted = {
        dict(field.get("singleHeader") or {}).get("name", "").lower()
        for field in as_list(args.props.get("redactedFields"))
    }
    missing = sorted({"authorization", "cookie"} - redacted)
    if missing:
        report(f"WAF logging '{args.name}' writes the {', '.join(missing)} header(s) in clear.", None)


def world(cidr: Any) -> bool:
    return cidr in ("0.0.0.0/0", "::/0")


def check_ingress_rule(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if world(args.props.get("cidrIpv4")) or world(args.props.get("cidrIpv6")):
        report(f"Ingress rule '{args.name}' admits the whole internet.", None)


def check_security_group(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for rule in as_list(args.props.get("ingress")):
        if any(world(cidr) for cidr in [*as_list(rule.get("cidrBlocks")), *as_list(rule.get("ipv6CidrBlocks"))]):
            report(f"Security group '{args.name}' admits the whole internet.", None)


def check_subnet(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.props.get("mapPublicIpOnLaunch"):
        report(f"Subnet '{args.name}' gives every interface a public address.", None)


def check_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == INGRESS_RULE:
        check_ingress_rule(args, report)
    else:
        check_security_group(args, report)
