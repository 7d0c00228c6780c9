"""The VPC: two availability zones, a public and a private subnet in each.

Only the ALB and the NAT gateways live in public subnets; tasks, database and broker live in
private ones, which reach AWS APIs through a NAT gateway (one per zone in prod, so a zone's loss
does not cut the other's egress; one in dev to save its hourly cost) and S3 through a gateway
endpoint whose policy names our buckets and the ECR layer bucket image pulls read from. The
default security group is emptied; flow logs record every rejected and accepted flow.

Network ACLs on the private subnets admit only traffic from inside the VPC and the return half of
connections the tasks opened (Linux's ephemeral ports), so a mistaken security group alone cannot
expose a private host.
"""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.documents import assume_role_policy, policy_document
from config import StackConfig

EPHEMERAL_PORTS = (32768, 65535)


@dataclass(frozen=True, kw_only=True)
class NetworkArgs:
    config: StackConfig
    logs_key_arn: pulumi.Input[str]
    s3_bucket_arns: Sequence[pulumi.Input[str]]


class Network(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    public_subnets: list[aws.ec2.Subnet]
    private_subnets: list[aws.ec2.Subnet]
    s3_endpoint: aws.ec2.VpcEndpoint

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Network", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        zones = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=self)).names[:2]
        if len(zones) < 2:
            raise pulumi.RunError(f"{config.region} offers fewer than two availability zones")
        # /20 subnets: public ones first, then private ones, in zone order.
        subnets = list(ipaddress.ip_network(config.vpc_cidr).subnets(new_prefix=20))

        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=config.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={"Name": f"{config.name}"},
            opts=child,
        )
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[], opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, opts=child)

        public_routes = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            opts=child,
        )
        self.public_subnets = []
        self.private_subnets = []
        nat_gateways: list[aws.ec2.NatGateway] = []
        private_route_tables: list[aws.ec2.RouteTable] = []
        for index, zone in enumerate(zones):
            public = aws.ec2.Subnet(
                f"{name}-public-{index}",
                vpc_id=self.vpc.id,
                availability_zone=zone,
                cidr_block=str(subnets[index]),
                map_public_ip_on_launch=False,
                tags={"Name": f"{config.name}-public-{zone}", "tier": "public"},
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{index}", subnet_id=public.id, route_table_id=public_routes.id, opts=child
            )
            self.public_subnets.append(public)
            if index == 0 or config.nat_gateway_per_az:
                eip = aws.ec2.Eip(f"{name}-nat-{index}", domain="vpc", opts=child)
                nat_gateways.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{index}",
                        allocation_id=eip.id,
                        subnet_id=public.id,
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                    )
                )
            private = aws.ec2.Subnet(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                availability_zone=zone,
                cidr_block=str(subnets[len(zones) + index]),
                map_public_ip_on_launch=False,
                tags={"Name": f"{config.name}-private-{zone}", "tier": "private"},
                opts=child,
            )
            routes = aws.ec2.RouteTable(
                f"{name}-private-{index}",
                vpc_id=self.vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat_gateways[-1].id)],
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{index}", subnet_id=private.id, route_table_id=routes.id, opts=child
            )
            self.private_subnets.append(private)
            private_route_tables.append(routes)

        self._private_network_acl(name, config=config)
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{config.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[table.id for table in private_route_tables],
            policy=policy_document(
                {
                    "Sid": "OurBucketsAndImageLayers",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": [
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:GetObjectVersion",
                        "s3:DeleteObjectVersion",
                        "s3:ListBucket",
                        "s3:ListBucketVersions",
                    ],
                    "Resource": [
                        *args.s3_bucket_arns,
                        *[pulumi.Output.concat(arn, "/*") for arn in args.s3_bucket_arns],
                        f"arn:aws:s3:::prod-{config.region}-starport-layer-bucket/*",
                    ],
                }
            ),
            opts=child,
        )
        self._flow_logs(name, config=config, logs_key_arn=args.logs_key_arn)
        self.register_outputs(
            {
                "vpc_id": self.vpc.id,
                "public_subnet_ids": [subnet.id for subnet in self.public_subnets],
                "private_subnet_ids": [subnet.id for subnet in self.private_subnets],
            }
        )

    def _private_network_acl(self, name: str, *, config: StackConfig) -> None:
        rules = [
            # (rule number, egress, protocol, cidr, from port, to port)
            (100, False, "-1", config.vpc_cidr, 0, 0),
            (110, False, "6", "0.0.0.0/0", *EPHEMERAL_PORTS),
            (100, True, "-1", config.vpc_cidr, 0, 0),
            (110, True, "6", "0.0.0.0/0", 443, 443),
        ]
        aws.ec2.NetworkAcl(
            f"{name}-private",
            vpc_id=self.vpc.id,
            subnet_ids=[subnet.id for subnet in self.private_subnets],
            ingress=[
                aws.ec2.NetworkAclIngressArgs(
                    rule_no=number, action="allow", protocol=protocol, cidr_block=cidr, from_port=start, to_port=end
                )
                for number, egress, protocol, cidr, start, end in rules
                if not egress
            ],
            egress=[
                aws.ec2.NetworkAclEgressArgs(
                    rule_no=number, action="allow", protocol=protocol, cidr_block=cidr, from_port=start, to_port=end
                )
                for number, egress, protocol, cidr, start, end in rules
                if egress
            ],
            tags={"Name": f"{config.name}-private"},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _flow_logs(self, name: str, *, config: StackConfig, logs_key_arn: pulumi.Input[str]) -> None:
        child = pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{name}-flow-logs",
            name=f"/{config.project}/{config.stack}/vpc-flow-logs",
            retention_in_days=config.log_retention_days,
            kms_key_id=logs_key_arn,
            opts=child,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=assume_role_policy(service="vpc-flow-logs.amazonaws.com", account_id=config.account_id),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=policy_document(
                {
                    "Sid": "WriteFlowLogs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    "Resource": [group.arn, pulumi.Output.concat(group.arn, ":*")],
                }
            ),
            opts=child,
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=self.vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            opts=child,
        )
