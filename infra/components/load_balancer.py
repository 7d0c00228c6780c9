"""The ALB in front of the web service, reachable only through CloudFront.

Two locks: the security group admits only CloudFront's origin-facing addresses, and the HTTPS
listener answers 403 unless the request carries the secret origin header that only our
distribution adds. HTTPS only with a TLS 1.2+ policy (TLS 1.3 preferred), HTTP redirected,
malformed headers dropped, access logs kept.

The deregistration delay is sized for uploads: a 15 MB photo over a slow mobile uplink
(about 1 Mbit/s) takes two minutes, and a task being replaced must let it finish.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.storage import ALB_LOG_PREFIX
from config import StackConfig
from contract import CONTAINER_PORT, HEALTH_CHECK_PATH

ORIGIN_HEADER = "X-Earfit-Origin-Verify"
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
DEREGISTRATION_DELAY_SECONDS = 120


@dataclass(frozen=True, kw_only=True)
class LoadBalancerArgs:
    config: StackConfig
    vpc_id: pulumi.Input[str]
    public_subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    access_log_bucket: pulumi.Input[str]


class LoadBalancer(pulumi.ComponentResource):
    alb: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    https_listener: aws.lb.Listener
    origin_secret: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:LoadBalancer", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        self.origin_secret = pulumi.Output.secret(
            random.RandomPassword(f"{name}-origin-secret", length=48, special=False, opts=child).result
        )
        self.alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            name=f"{config.name}-web"[:32],
            load_balancer_type="application",
            internal=False,
            subnets=args.public_subnet_ids,
            security_groups=[args.security_group_id],
            drop_invalid_header_fields=True,
            desync_mitigation_mode="strictest",
            enable_deletion_protection=config.alb_deletion_protection,
            idle_timeout=60,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(
                bucket=args.access_log_bucket, prefix=ALB_LOG_PREFIX, enabled=True
            ),
            opts=child,
        )
        self.target_group = aws.lb.TargetGroup(
            f"{name}-web",
            name=f"{config.name}-web"[:32],
            port=CONTAINER_PORT,
            protocol="HTTP",
            target_type="ip",
            vpc_id=args.vpc_id,
            deregistration_delay=DEREGISTRATION_DELAY_SECONDS,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                path=HEALTH_CHECK_PATH,
                matcher="200",
                interval=15,
                timeout=5,
                healthy_threshold=2,
                unhealthy_threshold=3,
            ),
            opts=child,
        )
        self.https_listener = aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=self.alb.arn,
            port=443,
            protocol="HTTPS",
            ssl_policy=TLS_POLICY,
            certificate_arn=config.alb_certificate_arn,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="fixed-response",
                    fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                        content_type="application/json",
                        message_body='{"message": "Forbidden.", "code": "forbidden", "extra": {}}',
                        status_code="403",
                    ),
                )
            ],
            opts=child,
        )
        aws.lb.ListenerRule(
            f"{name}-from-cloudfront",
            listener_arn=self.https_listener.arn,
            priority=10,
            conditions=[
                aws.lb.ListenerRuleConditionArgs(
                    http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                        http_header_name=ORIGIN_HEADER, values=[self.origin_secret]
                    )
                )
            ],
            actions=[aws.lb.ListenerRuleActionArgs(type="forward", target_group_arn=self.target_group.arn)],
            opts=child,
        )
        aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=self.alb.arn,
            port=80,
            protocol="HTTP",
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        port="443", protocol="HTTPS", status_code="HTTP_301"
                    ),
                )
            ],
            opts=child,
        )
        self.register_outputs({"alb_dns_name": self.alb.dns_name, "target_group_arn": self.target_group.arn})
