"""Who can reach whom, in one place.

    CloudFront (origin-facing prefix list) --443--> ALB --8000--> tasks --5432--> PostgreSQL
                                                                   tasks --6379--> Redis
                                                                   tasks --443---> AWS APIs, ECR, S3

Nothing else is admitted: the database and Redis groups have no egress, the ALB may only reach
the tasks. The prefix list counts as about 55 rules against the ALB group's rule quota, which is
why the ALB group holds nothing else.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from config import StackConfig
from contract import CONTAINER_PORT

CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"
POSTGRES_PORT = 5432
REDIS_PORT = 6379
HTTPS_PORT = 443


@dataclass(frozen=True, kw_only=True)
class FirewallArgs:
    config: StackConfig
    vpc_id: pulumi.Input[str]


class Firewall(pulumi.ComponentResource):
    alb: aws.ec2.SecurityGroup
    tasks: aws.ec2.SecurityGroup
    database: aws.ec2.SecurityGroup
    redis: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Firewall", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)

        def group(role: str, description: str) -> aws.ec2.SecurityGroup:
            return aws.ec2.SecurityGroup(
                f"{name}-{role}",
                vpc_id=args.vpc_id,
                description=f"{config.name} {description}",
                tags={"Name": f"{config.name}-{role}"},
                opts=child,
            )

        self.alb = group("alb", "load balancer: CloudFront only")
        self.tasks = group("tasks", "ECS tasks: from the load balancer only")
        self.database = group("database", "PostgreSQL: from the tasks only")
        self.redis = group("redis", "Redis: from the tasks only")

        cloudfront = aws.ec2.get_managed_prefix_list(
            name=CLOUDFRONT_ORIGIN_FACING, opts=pulumi.InvokeOptions(parent=self)
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-from-cloudfront",
            security_group_id=self.alb.id,
            description="HTTPS from CloudFront's origin-facing servers",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            prefix_list_id=cloudfront.id,
            opts=child,
        )
        self._link(name, "alb", self.alb, "tasks", self.tasks, CONTAINER_PORT, "the web containers")
        self._link(name, "tasks", self.tasks, "database", self.database, POSTGRES_PORT, "PostgreSQL")
        self._link(name, "tasks", self.tasks, "redis", self.redis, REDIS_PORT, "Redis (TLS)")
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-tasks-to-https",
            security_group_id=self.tasks.id,
            description="HTTPS to AWS APIs, ECR and S3 (through the NAT gateway and the S3 endpoint)",
            ip_protocol="tcp",
            from_port=HTTPS_PORT,
            to_port=HTTPS_PORT,
            cidr_ipv4="0.0.0.0/0",
            opts=child,
        )
        self.register_outputs({"task_security_group_id": self.tasks.id, "alb_security_group_id": self.alb.id})

    def _link(
        self,
        name: str,
        source_role: str,
        source: aws.ec2.SecurityGroup,
        target_role: str,
        target: aws.ec2.SecurityGroup,
        port: int,
        what: str,
    ) -> None:
        """Lets `source` open connections to `target` on one port: an egress rule and its ingress twin."""
        child = pulumi.ResourceOptions(parent=self)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-{source_role}-to-{target_role}",
            security_group_id=source.id,
            description=f"to {what}",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=target.id,
            opts=child,
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-{target_role}-from-{source_role}",
            security_group_id=target.id,
            description=f"{what} from the {source_role}",
            ip_protocol="tcp",
            from_port=port,
            to_port=port,
            referenced_security_group_id=source.id,
            opts=child,
        )
