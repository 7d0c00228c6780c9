"""The web ACL in front of CloudFront (scope CLOUDFRONT, so it lives in us-east-1).

Rules, in order: a per-address rate limit, a tighter one on photo uploads, Amazon's IP
reputation list, the Common rule set, Known bad inputs (Log4j and friends), SQL injection, and
the anonymous-IP list in count mode.
The Common set's body-size rule blocks bodies over 8 KB, which every photo is: it is set to Count,
and our own rule blocks what it labels unless the request is an upload, so photos pass and
every other oversized body is still refused. The log redacts the Authorization header (fitting
access tokens) and cookies (staff sessions).
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from config import StackConfig
from contract import UPLOAD_PATH_REGEX

BODY_SIZE_LABEL = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
# The anonymous-IP group only counts (labels and metrics): shoppers behind a VPN or iCloud Private
# Relay, and the pipeline's smoke test from AWS, must get through.
COUNT_ONLY = {
    "AWSManagedRulesCommonRuleSet": ("SizeRestrictions_BODY",),
    "AWSManagedRulesAnonymousIpList": ("AnonymousIPList", "HostingProviderIPList"),
}
REDACTED_HEADERS = ("authorization", "cookie")


@dataclass(frozen=True, kw_only=True)
class EdgeFirewallArgs:
    config: StackConfig
    edge_key_arn: pulumi.Input[str]


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _upload_path() -> dict:
    return {
        "regex_match_statement": {
            "regex_string": UPLOAD_PATH_REGEX,
            "field_to_match": {"uri_path": {}},
            "text_transformations": [{"priority": 0, "type": "NONE"}],
        }
    }


def _managed_rule(group: str, priority: int) -> aws.wafv2.WebAclRuleArgs:
    overrides = [
        aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideArgs(
            name=rule,
            action_to_use=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementRuleActionOverrideActionToUseArgs(
                count={}
            ),
        )
        for rule in COUNT_ONLY.get(group, ())
    ] or None
    return aws.wafv2.WebAclRuleArgs(
        name=group,
        priority=priority,
        override_action=aws.wafv2.WebAclRuleOverrideActionArgs(none={}),
        statement=aws.wafv2.WebAclRuleStatementArgs(
            managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                vendor_name="AWS", name=group, rule_action_overrides=overrides
            )
        ),
        visibility_config=_visibility(group),
    )


class EdgeFirewall(pulumi.ComponentResource):
    web_acl: aws.wafv2.WebAcl

    def __init__(self, name: str, args: EdgeFirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:EdgeFirewall", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        block = aws.wafv2.WebAclRuleActionArgs(block={})
        rules = [
            aws.wafv2.WebAclRuleArgs(
                name="RateLimitPerAddress",
                priority=0,
                action=block,
                statement={
                    "rate_based_statement": {
                        "limit": config.waf_rate_limit,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": 300,
                    }
                },
                visibility_config=_visibility("RateLimitPerAddress"),
            ),
            aws.wafv2.WebAclRuleArgs(
                name="RateLimitUploads",
                priority=1,
                action=block,
                statement={
                    "rate_based_statement": {
                        "limit": config.waf_upload_rate_limit,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": 300,
                        "scope_down_statement": _upload_path(),
                    }
                },
                visibility_config=_visibility("RateLimitUploads"),
            ),
            _managed_rule("AWSManagedRulesAmazonIpReputationList", 2),
            _managed_rule("AWSManagedRulesCommonRuleSet", 3),
            aws.wafv2.WebAclRuleArgs(
                name="OversizedBodyExceptUploads",
                priority=4,
                action=block,
                statement={
                    "and_statement": {
                        "statements": [
                            {"label_match_statement": {"scope": "LABEL", "key": BODY_SIZE_LABEL}},
                            {"not_statement": {"statement": _upload_path()}},
                        ]
                    }
                },
                visibility_config=_visibility("OversizedBodyExceptUploads"),
            ),
            _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 5),
            _managed_rule("AWSManagedRulesSQLiRuleSet", 6),
            _managed_rule("AWSManagedRulesAnonymousIpList", 7),
        ]
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=config.name,
            scope="CLOUDFRONT",
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow={}),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=config.name, sampled_requests_enabled=True
            ),
            opts=child,
        )
        # WAF writes only to log groups whose name starts with aws-waf-logs-.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"aws-waf-logs-{config.name}",
            retention_in_days=config.log_retention_days,
            kms_key_id=args.edge_key_arn,
            opts=child,
        )
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=self.web_acl.arn,
            log_destination_configs=[log_group.arn],
            redacted_fields=[
                aws.wafv2.WebAclLoggingConfigurationRedactedFieldArgs(
                    single_header=aws.wafv2.WebAclLoggingConfigurationRedactedFieldSingleHeaderArgs(name=header)
                )
                for header in REDACTED_HEADERS
            ],
            opts=child,
        )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
