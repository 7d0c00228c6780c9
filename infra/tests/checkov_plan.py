"""Writes what a stack declares, captured under the mocks, as a Terraform plan JSON, so the public
Checkov rules (`checkov --framework terraform_plan`) can judge it offline.

Pulumi's AWS provider is Terraform's underneath: the resource types map one to one and the
properties are Terraform's, camelCased, with repeated blocks given plural names. This converts
them back (snake_case, singular block names) and records which resource an input came from
(by value, as the mocks compute unique ids and ARNs) as Terraform references, which Checkov's
cross-resource (CKV2) rules follow. `make infra-checkov` runs it for every stack.

    python -m tests.checkov_plan --out DIR [STACK ...]
"""

import argparse
import json
import re
from pathlib import Path
from typing import Any

from tests.harness import STACKS, Captured, Resource, program_run

TERRAFORM_TYPES = {
    "aws:appautoscaling/policy:Policy": "aws_appautoscaling_policy",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:cloudfront/function:Function": "aws_cloudfront_function",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "aws_cloudfront_origin_access_control",
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": "aws_cloudfront_response_headers_policy",
    "aws:cloudtrail/trail:Trail": "aws_cloudtrail",
    "aws:cloudwatch/logDelivery:LogDelivery": "aws_cloudwatch_log_delivery",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "aws_cloudwatch_log_delivery_destination",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "aws_cloudwatch_log_delivery_source",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "aws_cloudwatch_log_metric_filter",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "aws_ecr_lifecycle_policy",
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "aws_ecr_pull_through_cache_rule",
    "aws:ecr/repository:Repository": "aws_ecr_repository",
    "aws:ecs/cluster:Cluster": "aws_ecs_cluster",
    "aws:ecs/service:Service": "aws_ecs_service",
    "aws:ecs/taskDefinition:TaskDefinition": "aws_ecs_task_definition",
    "aws:elasticache/replicationGroup:ReplicationGroup": "aws_elasticache_replication_group",
    "aws:elasticache/subnetGroup:SubnetGroup": "aws_elasticache_subnet_group",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:kms/keyPolicy:KeyPolicy": "aws_kms_key_policy",
    "aws:lb/listener:Listener": "aws_lb_listener",
    "aws:lb/listenerRule:ListenerRule": "aws_lb_listener_rule",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:lb/targetGroup:TargetGroup": "aws_lb_target_group",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:rds/subnetGroup:SubnetGroup": "aws_db_subnet_group",
    "aws:route53/record:Record": "aws_route53_record",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketNotification:BucketNotification": "aws_s3_bucket_notification",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "aws_s3_bucket_object_lock_configuration",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:secretsmanager/secret:Secret": "aws_secretsmanager_secret",
    "aws:secretsmanager/secretVersion:SecretVersion": "aws_secretsmanager_secret_version",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "aws_vpc_security_group_ingress_rule",
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": "aws_wafv2_web_acl_logging_configuration",
}
# Repeated blocks whose Terraform name is not the Pulumi name less its plural "s".
BLOCK_NAMES = {
    "aliases": "alias",
    "redactedFields": "redacted_fields",
    "logDestinationConfigs": "log_destination_configs",
}
# Attributes that are maps (free keys), not blocks.
MAPS = {"tags", "dimensions", "variables"}
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
REFERENCE_OUTPUTS = ("id", "arn", "bucket", "name")


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and SECRET_SIGNATURE in value:
        return _unwrap(value.get("value"))
    return value


def terraform_values(props: dict[str, Any], *, parent_is_map: bool = False) -> dict[str, Any]:
    """Pulumi property names and shapes back to Terraform's."""
    values: dict[str, Any] = {}
    for key, raw in props.items():
        if key.startswith("_"):
            continue
        value = _unwrap(raw)
        if parent_is_map:
            values[key] = value
            continue
        name = _snake(key)
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            name = BLOCK_NAMES.get(key) or (_snake(key[:-1]) if key.endswith("s") else name)
            values[name] = [terraform_values(item) for item in value]
        elif isinstance(value, dict):
            if key in MAPS:
                values[name] = terraform_values(value, parent_is_map=True)
            else:
                values[name] = [terraform_values(value)]  # a single block is still a list in a plan
        elif isinstance(value, float) and value.is_integer():
            values[name] = int(value)  # the mocks' protobuf numbers are floats; Terraform's ports are not
        else:
            values[name] = value
    return values


def _address(resource: Resource) -> tuple[str, str]:
    return TERRAFORM_TYPES[resource.typ], re.sub(r"[^A-Za-z0-9_]", "_", resource.name)


class _References:
    """Which resource a value came from: the mocks give every id and ARN a unique value."""

    def __init__(self, resources: list[Resource]) -> None:
        self.by_value: dict[str, tuple[str, str, str]] = {}
        for resource in resources:
            typ, name = _address(resource)
            outputs = {**resource.outputs, "id": resource.resource_id}
            for key in REFERENCE_OUTPUTS:
                if isinstance(outputs.get(key), str):
                    self.by_value.setdefault(outputs[key], (typ, name, key))

    def of(self, value: Any, owner: tuple[str, str]) -> list[str]:
        found = []
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str):
                continue
            # A value built on another (an ARN with ":*" or "/*" after it) refers to it too.
            source = self.by_value.get(item) or next(
                (
                    self.by_value[known]
                    for known in self.by_value
                    if len(known) > 8 and item.startswith(known) and item[len(known)] in ":/"
                ),
                None,
            )
            if source and source[:2] != owner:
                found += [f"{source[0]}.{source[1]}.{source[2]}", f"{source[0]}.{source[1]}"]
        return found

    def expressions(self, props: dict[str, Any], owner: tuple[str, str]) -> dict[str, Any]:
        """Terraform's `configuration` expressions: references, nested like the blocks they sit in."""
        expressions: dict[str, Any] = {}
        for key, raw in props.items():
            value = _unwrap(raw)
            if key in MAPS:
                continue
            blocks = (
                value
                if isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
                else ([value] if isinstance(value, dict) else None)
            )
            name = BLOCK_NAMES.get(key) or (
                _snake(key[:-1]) if isinstance(value, list) and blocks and key.endswith("s") else _snake(key)
            )
            if blocks is not None:
                nested = [self.expressions(block, owner) for block in blocks]
                if any(nested):
                    expressions[name] = nested
            elif references := self.of(value, owner):
                expressions[name] = {"references": references}
        return expressions


def plan_document(captured: Captured) -> dict[str, Any]:
    """A Terraform plan JSON (format 1.2) holding every AWS resource of the captured stack."""
    resources = [r for r in captured if r.typ in TERRAFORM_TYPES]
    unmapped = sorted({r.typ for r in captured if r.typ.startswith("aws:") and r.typ not in TERRAFORM_TYPES})
    if unmapped:
        raise KeyError(f"no Terraform type known for {', '.join(unmapped)}")
    references = _References(resources)
    planned, changes, configuration = [], [], []
    for resource in resources:
        typ, name = _address(resource)
        address = f"{typ}.{name}"
        values = terraform_values({**resource.outputs, **resource.inputs})
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": typ,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "values": values,
            }
        )
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": typ,
                "name": name,
                "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": {}},
            }
        )
        configuration.append(
            {
                "address": address,
                "mode": "managed",
                "type": typ,
                "name": name,
                "expressions": references.expressions(resource.inputs, (typ, name)),
            }
        )
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": configuration}},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("stacks", nargs="*", default=list(STACKS))
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    for stack in options.stacks:
        path = options.out / f"{stack}.tfplan.json"
        path.write_text(json.dumps(plan_document(program_run(stack)), indent=1))
        print(f"{stack}: {path}")


if __name__ == "__main__":
    main()
