"""Celery's broker and the API throttles' cache: ElastiCache Redis, the same engine the project
runs locally and in CI, so task redelivery behaves as tested. TLS in transit, an AUTH token,
encryption at rest with the `data` key, private subnets, a replica in the other zone with
automatic failover when the stack has two nodes, daily snapshots, slow-log to CloudWatch.

Redis has no dead-letter queue: a task that exhausts its retries is logged by the worker, and the
queue-depth alarm (from the beat task's `celery.queue_depth` log line) catches a backlog.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from config import StackConfig

PORT = 6379
BROKER_DB = 0
CACHE_DB = 1


@dataclass(frozen=True, kw_only=True)
class BrokerArgs:
    config: StackConfig
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]


class Broker(pulumi.ComponentResource):
    replication_group: aws.elasticache.ReplicationGroup
    broker_url: pulumi.Output[str]
    cache_url: pulumi.Output[str]

    def __init__(self, name: str, args: BrokerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Broker", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets", name=f"{config.name}-redis", subnet_ids=args.subnet_ids, opts=child
        )
        slow_log = aws.cloudwatch.LogGroup(
            f"{name}-slow-log",
            name=f"/{config.project}/{config.stack}/redis-slow-log",
            retention_in_days=config.log_retention_days,
            kms_key_id=args.logs_key_arn,
            opts=child,
        )
        token = random.RandomPassword(f"{name}-auth-token", length=64, special=False, opts=child)
        replicated = config.redis_nodes >= 2
        self.replication_group = aws.elasticache.ReplicationGroup(
            f"{name}-redis",
            replication_group_id=f"{config.name}-redis",
            description=f"{config.name}: Celery broker and API throttle cache",
            engine="redis",
            engine_version="7.1",
            node_type=config.redis_node_type,
            num_cache_clusters=config.redis_nodes,
            automatic_failover_enabled=replicated,
            multi_az_enabled=replicated,
            port=PORT,
            subnet_group_name=subnet_group.name,
            security_group_ids=[args.security_group_id],
            at_rest_encryption_enabled=True,
            kms_key_id=args.data_key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=token.result,
            auth_token_update_strategy="ROTATE",  # noqa: S106 - a strategy name, not a password
            snapshot_retention_limit=7,
            snapshot_window="01:00-02:00",
            maintenance_window="sun:04:30-sun:05:30",
            auto_minor_version_upgrade=True,
            apply_immediately=False,
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=slow_log.name,
                    destination_type="cloudwatch-logs",
                    log_format="json",
                    log_type="slow-log",
                )
            ],
            opts=child,
        )
        endpoint = self.replication_group.primary_endpoint_address
        # rediss:// with certificate checks: Celery and redis-py refuse an unverified TLS peer.
        self.broker_url = pulumi.Output.secret(
            pulumi.Output.format(
                "rediss://:{0}@{1}:{2}/{3}?ssl_cert_reqs=required", token.result, endpoint, PORT, BROKER_DB
            )
        )
        self.cache_url = pulumi.Output.secret(
            pulumi.Output.format(
                "rediss://:{0}@{1}:{2}/{3}?ssl_cert_reqs=required", token.result, endpoint, PORT, CACHE_DB
            )
        )
        self.register_outputs({"primary_endpoint": endpoint})
