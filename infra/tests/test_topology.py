"""What each stack declares, and who can reach whom."""

import json
from collections import Counter

from contract import CONTAINER_PORT
from tests.conftest import captured_stack
from tests.harness import Captured, Resource, stack_config

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CLOUDFRONT_PREFIX_LIST = "pl-a3a144ca"  # what the mocked prefix-list lookup answers

# Design brief §8 and the issue, item by item: the resource types prod must declare (and how many).
BRIEF = {
    "VPC": ("aws:ec2/vpc:Vpc", 1),
    "public and private subnets, two AZs": ("aws:ec2/subnet:Subnet", 4),
    "internet gateway": ("aws:ec2/internetGateway:InternetGateway", 1),
    "NAT gateway per AZ": ("aws:ec2/natGateway:NatGateway", 2),
    "S3 gateway endpoint": ("aws:ec2/vpcEndpoint:VpcEndpoint", 1),
    "flow logs": ("aws:ec2/flowLog:FlowLog", 1),
    "default security group closed": ("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", 1),
    "network ACL on the private subnets": ("aws:ec2/networkAcl:NetworkAcl", 1),
    "ECR repository": ("aws:ecr/repository:Repository", 1),
    "ECR lifecycle": ("aws:ecr/lifecyclePolicy:LifecyclePolicy", 1),
    "ECS cluster": ("aws:ecs/cluster:Cluster", 1),
    "web, worker and beat services": ("aws:ecs/service:Service", 3),
    "task definitions incl. migrate": ("aws:ecs/taskDefinition:TaskDefinition", 4),
    "web autoscaling target": ("aws:appautoscaling/target:Target", 1),
    "CPU and requests-per-target scaling": ("aws:appautoscaling/policy:Policy", 2),
    "ALB": ("aws:lb/loadBalancer:LoadBalancer", 1),
    "HTTPS and HTTP-redirect listeners": ("aws:lb/listener:Listener", 2),
    "origin-header listener rule": ("aws:lb/listenerRule:ListenerRule", 1),
    "target group": ("aws:lb/targetGroup:TargetGroup", 1),
    "CloudFront distribution": ("aws:cloudfront/distribution:Distribution", 1),
    "origin access control": ("aws:cloudfront/originAccessControl:OriginAccessControl", 1),
    "response headers policy": ("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", 1),
    "WAF web ACL": ("aws:wafv2/webAcl:WebAcl", 1),
    "WAF logging": ("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", 1),
    "photo, static, access-log and audit-archive buckets, the static copy and its access-log bucket": (
        "aws:s3/bucket:Bucket",
        6,
    ),
    "the static site's replication to its copy": ("aws:s3/bucketReplicationConfig:BucketReplicationConfig", 1),
    "audit archive Object Lock": ("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", 1),
    "RDS PostgreSQL": ("aws:rds/instance:Instance", 1),
    "ElastiCache Redis (Celery broker)": ("aws:elasticache/replicationGroup:ReplicationGroup", 1),
    "Secrets Manager secrets": ("aws:secretsmanager/secret:Secret", 4),
    "KMS keys (data, logs, edge, static, static copy)": ("aws:kms/key:Key", 5),
    "alarm topics (regional and us-east-1)": ("aws:sns/topic:Topic", 3),
    "alarms": ("aws:cloudwatch/metricAlarm:MetricAlarm", 13),
    "CloudTrail": ("aws:cloudtrail/trail:Trail", 1),
    "Route 53 alias records (A and AAAA)": ("aws:route53/record:Record", 2),
}


def test_prod_declares_every_resource_of_the_brief(prod: Captured) -> None:
    counts = Counter(resource.typ for resource in prod)
    missing = {item: (typ, count, counts[typ]) for item, (typ, count) in BRIEF.items() if counts[typ] != count}
    assert missing == {}


def test_every_resource_is_a_child_of_a_component(stack: Captured) -> None:
    components = {typ for (typ, _name) in stack.options if typ.startswith("earfit:infra:")}
    assert components == {
        "earfit:infra:Keys",
        "earfit:infra:Storage",
        "earfit:infra:Audit",
        "earfit:infra:Network",
        "earfit:infra:Firewall",
        "earfit:infra:Registry",
        "earfit:infra:Database",
        "earfit:infra:Broker",
        "earfit:infra:Secrets",
        "earfit:infra:LoadBalancer",
        "earfit:infra:AppService",
        "earfit:infra:EdgeFirewall",
        "earfit:infra:Cdn",
        "earfit:infra:Monitoring",
    }
    orphans = [
        name
        for (typ, name), opts in stack.options.items()
        if not typ.startswith(("earfit:infra:", "pulumi:providers:")) and opts.parent is None
    ]
    assert orphans == []


def _key(resource: Resource) -> tuple[str, str]:
    return resource.typ, resource.name


def test_disaster_recovery_stack_is_prod_in_another_region_by_configuration_alone() -> None:
    prod, recovery = captured_stack("prod"), captured_stack("prod-dr")
    # The same resources, less the DNS records (the public name's zone belongs to prod until failover).
    assert {_key(r) for r in recovery} == {_key(r) for r in prod} - {
        ("aws:route53/record:Record", "cdn-alias-a"),
        ("aws:route53/record:Record", "cdn-alias-aaaa"),
    }
    # The region, us-east-1 for CloudFront's scope, and the static site's failover copy.
    assert {r.region for r in recovery if r.region} == {"eu-west-1", "us-east-1", "eu-central-1"}
    assert {r.region for r in prod if r.region} == {"eu-central-1", "us-east-1", "eu-west-1"}
    copy = ("aws:s3/bucket:Bucket", "cdn-static-copy")
    assert next(r for r in recovery if _key(r) == copy).region == "eu-central-1"
    assert next(r for r in prod if _key(r) == copy).region == "eu-west-1"


def test_dev_differs_from_prod_only_where_its_configuration_says() -> None:
    dev, prod = captured_stack("dev"), captured_stack("prod")
    only_prod = {_key(r) for r in prod} - {_key(r) for r in dev}
    assert only_prod == {
        ("aws:ec2/eip:Eip", "network-nat-1"),
        ("aws:ec2/natGateway:NatGateway", "network-nat-1"),
        ("aws:route53/record:Record", "cdn-alias-a"),
        ("aws:route53/record:Record", "cdn-alias-aaaa"),
    }
    assert {_key(r) for r in dev} <= {_key(r) for r in prod}
    database = {
        s: captured_stack(s).one("aws:rds/instance:Instance", "database-postgres").inputs for s in ("dev", "prod")
    }
    assert (database["dev"]["multiAz"], database["dev"]["deletionProtection"]) == (False, False)
    assert (database["prod"]["multiAz"], database["prod"]["deletionProtection"]) == (True, True)
    assert database["dev"]["instanceClass"] == "db.t4g.micro"
    assert database["prod"]["instanceClass"] == "db.m7g.large"


def test_two_public_and_two_private_subnets_one_of_each_per_zone(stack: Captured) -> None:
    subnets = stack.of_type("aws:ec2/subnet:Subnet")
    by_tier = {
        tier: sorted(s.inputs["availabilityZone"] for s in subnets if s.inputs["tags"]["tier"] == tier)
        for tier in ("public", "private")
    }
    region = stack_config(stack.stack)["earfit:region"]
    assert by_tier == {"public": [f"{region}a", f"{region}b"], "private": [f"{region}a", f"{region}b"]}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


def test_private_subnets_route_out_through_nat_and_public_through_the_internet_gateway(stack: Captured) -> None:
    igw = stack.one("aws:ec2/internetGateway:InternetGateway", "network-igw")
    nats = {nat.resource_id for nat in stack.of_type("aws:ec2/natGateway:NatGateway")}
    public_subnets = {
        s.resource_id for s in stack.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["tier"] == "public"
    }
    assert {nat.inputs["subnetId"] for nat in stack.of_type("aws:ec2/natGateway:NatGateway")} <= public_subnets
    tables = {t.resource_id: t for t in stack.of_type("aws:ec2/routeTable:RouteTable")}
    for association in stack.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation"):
        routes = tables[association.inputs["routeTableId"]].inputs["routes"]
        default = next(route for route in routes if route["cidrBlock"] == "0.0.0.0/0")
        if association.inputs["subnetId"] in public_subnets:
            assert default["gatewayId"] == igw.resource_id
        else:
            assert default["natGatewayId"] in nats
    per_az = stack_config(stack.stack)["earfit:natGatewayPerAz"] == "true"
    assert len(nats) == (2 if per_az else 1)


def _rules(stack: Captured, typ: str, group: Resource) -> list[dict]:
    return [r.inputs for r in stack.of_type(typ) if r.inputs["securityGroupId"] == group.resource_id]


def _peer(rule: dict) -> str:
    return rule.get("referencedSecurityGroupId") or rule.get("prefixListId") or rule.get("cidrIpv4") or "?"


def _reach(stack: Captured, group: Resource, typ: str) -> set[tuple[str, int]]:
    return {(_peer(rule), int(rule["fromPort"])) for rule in _rules(stack, typ, group)}


def test_alb_admits_only_cloudfront_on_443(stack: Captured) -> None:
    alb = stack.one(SG, "firewall-alb")
    assert _reach(stack, alb, INGRESS) == {(CLOUDFRONT_PREFIX_LIST, 443)}
    balancer = stack.one("aws:lb/loadBalancer:LoadBalancer", "web-alb")
    assert balancer.inputs["securityGroups"] == [alb.resource_id]


def test_tasks_admit_only_the_alb_and_reach_only_database_redis_and_https(stack: Captured) -> None:
    groups = {name: stack.one(SG, f"firewall-{name}").resource_id for name in ("alb", "tasks", "database", "redis")}
    tasks = stack.one(SG, "firewall-tasks")
    assert _reach(stack, tasks, INGRESS) == {(groups["alb"], CONTAINER_PORT)}
    assert _reach(stack, tasks, EGRESS) == {(groups["database"], 5432), (groups["redis"], 6379), ("0.0.0.0/0", 443)}
    assert _reach(stack, stack.one(SG, "firewall-alb"), EGRESS) == {(groups["tasks"], CONTAINER_PORT)}
    for service in stack.of_type("aws:ecs/service:Service"):
        network = service.inputs["networkConfiguration"]
        assert network["securityGroups"] == [groups["tasks"]]
        assert network["assignPublicIp"] is False
        assert sorted(network["subnets"]) == sorted(stack.exports["private_subnet_ids"])


def test_database_and_redis_admit_only_the_tasks_and_open_nothing(stack: Captured) -> None:
    tasks = stack.one(SG, "firewall-tasks").resource_id
    database, redis = stack.one(SG, "firewall-database"), stack.one(SG, "firewall-redis")
    assert _reach(stack, database, INGRESS) == {(tasks, 5432)}
    assert _reach(stack, redis, INGRESS) == {(tasks, 6379)}
    assert _reach(stack, database, EGRESS) == set()
    assert _reach(stack, redis, EGRESS) == set()
    instance = stack.one("aws:rds/instance:Instance", "database-postgres").inputs
    assert instance["vpcSecurityGroupIds"] == [database.resource_id]
    assert instance["publiclyAccessible"] is False
    group = stack.one("aws:elasticache/replicationGroup:ReplicationGroup", "broker-redis").inputs
    assert group["securityGroupIds"] == [redis.resource_id]
    private = sorted(stack.exports["private_subnet_ids"])
    assert sorted(stack.one("aws:rds/subnetGroup:SubnetGroup", "database-subnets").inputs["subnetIds"]) == private
    assert sorted(stack.one("aws:elasticache/subnetGroup:SubnetGroup", "broker-subnets").inputs["subnetIds"]) == private


def test_default_security_group_is_closed(stack: Captured) -> None:
    default = stack.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg").inputs
    assert default.get("ingress", []) == []
    assert default.get("egress", []) == []


def test_private_network_acl_admits_the_vpc_and_return_traffic_only(stack: Captured) -> None:
    acl = stack.one("aws:ec2/networkAcl:NetworkAcl", "network-private").inputs
    cidr = stack_config(stack.stack)["earfit:vpcCidr"]
    ingress = {(r["protocol"], r["cidrBlock"], int(r["fromPort"]), int(r["toPort"])) for r in acl["ingress"]}
    assert ingress == {("-1", cidr, 0, 0), ("6", "0.0.0.0/0", 32768, 65535)}
    egress = {(r["protocol"], r["cidrBlock"], int(r["fromPort"]), int(r["toPort"])) for r in acl["egress"]}
    assert egress == {("-1", cidr, 0, 0), ("6", "0.0.0.0/0", 443, 443)}
    assert sorted(acl["subnetIds"]) == sorted(stack.exports["private_subnet_ids"])


def test_s3_endpoint_policy_names_only_the_photo_bucket_and_image_layers(stack: Captured) -> None:
    endpoint = stack.one("aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3").inputs
    photos = stack.one("aws:s3/bucket:Bucket", "storage-photos").outputs["arn"]
    region = stack_config(stack.stack)["earfit:region"]
    resources = json.loads(endpoint["policy"])["Statement"][0]["Resource"]
    assert resources == [photos, f"{photos}/*", f"arn:aws:s3:::prod-{region}-starport-layer-bucket/*"]
    assert endpoint["vpcEndpointType"] == "Gateway"
    assert len(endpoint["routeTableIds"]) == 2


def test_cloudfront_scope_resources_use_the_us_east_1_provider(stack: Captured) -> None:
    edge = [r for r in stack if r.region == "us-east-1"]
    assert {(r.typ, r.name) for r in edge} == {
        ("aws:kms/key:Key", "keys-edge"),
        ("aws:wafv2/webAcl:WebAcl", "waf-acl"),
        ("aws:cloudwatch/logGroup:LogGroup", "waf-logs"),
        ("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "waf-logging"),
        ("aws:cloudwatch/logGroup:LogGroup", "cdn-access-logs"),
        ("aws:cloudwatch/logDeliverySource:LogDeliverySource", "cdn-access-logs"),
        ("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination", "cdn-access-logs"),
        ("aws:cloudwatch/logDelivery:LogDelivery", "cdn-access-logs"),
        ("aws:sns/topic:Topic", "monitoring-edge-alarms"),
        ("aws:sns/topicSubscription:TopicSubscription", "monitoring-edge-alarms"),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-waf-blocked-spike"),
    }
    assert stack.one("aws:wafv2/webAcl:WebAcl", "waf-acl").inputs["scope"] == "CLOUDFRONT"
    certificate = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").inputs["viewerCertificate"]
    assert certificate["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")


def test_each_stack_deploys_only_into_its_own_account_through_its_role(stack: Captured) -> None:
    config = stack_config(stack.stack)
    providers = {r.name: r.inputs for r in stack.of_type("pulumi:providers:aws")}
    assert set(providers) == {"aws-regional", "aws-edge", "aws-failover"}
    for name, region in (
        ("aws-regional", config["earfit:region"]),
        ("aws-edge", "us-east-1"),
        ("aws-failover", config["earfit:staticFailoverRegion"]),
    ):
        provider = providers[name]
        assert provider["region"] == region
        assert json.loads(provider["allowedAccountIds"]) == [config["earfit:accountId"]]
        assert json.loads(provider["assumeRoles"])[0]["roleArn"] == config["earfit:deployRoleArn"]
    aws_resources = [r for r in stack if r.typ.startswith("aws:")]
    assert aws_resources
    assert all(r.provider and r.provider.split("::")[-2] in providers for r in aws_resources), (
        "every AWS resource is created through one of the three explicit providers"
    )
