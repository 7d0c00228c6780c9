"""Alarms to the team's email through an encrypted SNS topic.

The application's two log lines become metrics through metric filters on the worker and beat
log groups: `photos.purge_completed` (one a purge run) and `celery.queue_depth` (once a minute).
Missing data counts as breaching for both: no purge line for 48 hours is exactly the failure the
alarm exists for, and no depth line for ten minutes means beat or the worker is down.
The WAF's metrics exist only in us-east-1, so its alarm and topic live there too.
"""

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from config import StackConfig
from contract import CELERY_QUEUE, PURGE_COMPLETED_EVENT, QUEUE_DEPTH_EVENT

PURGE_WINDOW_HOURS = 48
WAF_BLOCKED_PER_5_MINUTES = 1000
LATENCY_P99_SECONDS = 3.0
FREE_STORAGE_BYTES = 2 * 1024**3


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    config: StackConfig
    logs_key_arn: pulumi.Input[str]
    edge_key_arn: pulumi.Input[str]
    edge_provider: aws.Provider
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    cluster_name: pulumi.Input[str]
    service_names: dict[str, pulumi.Input[str]]  # web, worker
    db_instance_id: pulumi.Input[str]
    worker_log_group: pulumi.Input[str]
    beat_log_group: pulumi.Input[str]
    web_acl_name: pulumi.Input[str]


class Monitoring(pulumi.ComponentResource):
    topic: aws.sns.Topic
    edge_topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    metric_namespace: str
    prefix: str

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:Monitoring", name, None, opts)
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        edge = pulumi.ResourceOptions(parent=self, provider=args.edge_provider)
        self.metric_namespace = f"Earfit/{config.stack}"
        self.prefix = config.name
        self.topic = self._topic(f"{name}-alarms", config=config, key_arn=args.logs_key_arn, opts=child)
        self.edge_topic = self._topic(f"{name}-edge-alarms", config=config, key_arn=args.edge_key_arn, opts=edge)
        self.alarms = {}

        for group_name, group in (("worker", args.worker_log_group), ("beat", args.beat_log_group)):
            aws.cloudwatch.LogMetricFilter(
                f"{name}-purge-completed-{group_name}",
                log_group_name=group,
                pattern=f'{{ $.event = "{PURGE_COMPLETED_EVENT}" }}',
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name="PhotoPurgeCompleted", namespace=self.metric_namespace, value="1", unit="Count"
                ),
                opts=child,
            )
            aws.cloudwatch.LogMetricFilter(
                f"{name}-queue-depth-{group_name}",
                log_group_name=group,
                pattern=f'{{ ($.event = "{QUEUE_DEPTH_EVENT}") && ($.queue = "{CELERY_QUEUE}") }}',
                metric_transformation=aws.cloudwatch.LogMetricFilterMetricTransformationArgs(
                    name="CeleryQueueDepth", namespace=self.metric_namespace, value="$.depth", unit="Count"
                ),
                opts=child,
            )

        alb = {"LoadBalancer": args.alb_arn_suffix}
        target = {"LoadBalancer": args.alb_arn_suffix, "TargetGroup": args.target_group_arn_suffix}
        self._alarm(name, "alb-target-5xx", "the web tasks answered 5xx more than 10 times in 5 minutes",
                    namespace="AWS/ApplicationELB", metric="HTTPCode_Target_5XX_Count", dimensions=alb,
                    statistic="Sum", period=300, periods=1, threshold=10, comparison="GreaterThanThreshold")
        self._alarm(name, "alb-elb-5xx", "the load balancer itself answered 5xx more than 10 times in 5 minutes",
                    namespace="AWS/ApplicationELB", metric="HTTPCode_ELB_5XX_Count", dimensions=alb,
                    statistic="Sum", period=300, periods=1, threshold=10, comparison="GreaterThanThreshold")
        self._alarm(name, "target-latency-p99", f"p99 response time above {LATENCY_P99_SECONDS} s for 3 of 5 minutes",
                    namespace="AWS/ApplicationELB", metric="TargetResponseTime", dimensions=target,
                    extended_statistic="p99", period=60, periods=5, datapoints=3, threshold=LATENCY_P99_SECONDS,
                    comparison="GreaterThanThreshold")
        self._alarm(name, "unhealthy-hosts", "a web task failed its health checks for 5 minutes",
                    namespace="AWS/ApplicationELB", metric="UnHealthyHostCount", dimensions=target,
                    statistic="Maximum", period=60, periods=5, threshold=0, comparison="GreaterThanThreshold")
        for service, service_name in args.service_names.items():
            dims = {"ClusterName": args.cluster_name, "ServiceName": service_name}
            for metric, slug in (("CPUUtilization", "cpu"), ("MemoryUtilization", "memory")):
                self._alarm(name, f"ecs-{service}-{slug}", f"{service} {slug} above 85 % for 10 minutes",
                            namespace="AWS/ECS", metric=metric, dimensions=dims, statistic="Average",
                            period=60, periods=10, threshold=85, comparison="GreaterThanThreshold")
        database = {"DBInstanceIdentifier": args.db_instance_id}
        self._alarm(name, "rds-cpu", "database CPU above 80 % for 15 minutes",
                    namespace="AWS/RDS", metric="CPUUtilization", dimensions=database, statistic="Average",
                    period=300, periods=3, threshold=80, comparison="GreaterThanThreshold")
        self._alarm(name, "rds-free-storage", "database free storage below 2 GiB",
                    namespace="AWS/RDS", metric="FreeStorageSpace", dimensions=database, statistic="Minimum",
                    period=300, periods=1, threshold=FREE_STORAGE_BYTES, comparison="LessThanThreshold")
        self._alarm(name, "queue-depth",
                    f"more than {config.queue_depth_alarm_threshold} tasks waiting for 10 minutes, or no depth reported",
                    namespace=self.metric_namespace, metric="CeleryQueueDepth", dimensions=None, statistic="Maximum",
                    period=60, periods=10, threshold=config.queue_depth_alarm_threshold,
                    comparison="GreaterThanThreshold", missing="breaching")
        self._alarm(name, "purge-not-run", f"no completed photo purge in {PURGE_WINDOW_HOURS} hours",
                    namespace=self.metric_namespace, metric="PhotoPurgeCompleted", dimensions=None, statistic="Sum",
                    period=3600, periods=PURGE_WINDOW_HOURS, threshold=1, comparison="LessThanThreshold",
                    missing="breaching")
        self._alarm(name, "waf-blocked-spike", f"the WAF blocked over {WAF_BLOCKED_PER_5_MINUTES} requests in 5 minutes",
                    namespace="AWS/WAFV2", metric="BlockedRequests", dimensions={"WebACL": args.web_acl_name, "Rule": "ALL"},
                    statistic="Sum", period=300, periods=1, threshold=WAF_BLOCKED_PER_5_MINUTES,
                    comparison="GreaterThanThreshold", topic=self.edge_topic, opts=edge)
        self.register_outputs({"alarm_topic_arn": self.topic.arn, "edge_alarm_topic_arn": self.edge_topic.arn})

    def _topic(self, name: str, *, config: StackConfig, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions) -> aws.sns.Topic:
        topic = aws.sns.Topic(name, name=f"{config.name}-{name.split('-', 1)[1]}", kms_master_key_id=key_arn, opts=opts)
        aws.sns.TopicSubscription(name, topic=topic.arn, protocol="email", endpoint=config.alarm_email, opts=opts)
        return topic

    def _alarm(
        self,
        name: str,
        slug: str,
        description: str,
        *,
        namespace: str,
        metric: str,
        dimensions: dict[str, pulumi.Input[str]] | None,
        period: int,
        periods: int,
        threshold: float,
        comparison: str,
        statistic: str | None = None,
        extended_statistic: str | None = None,
        datapoints: int | None = None,
        missing: str = "notBreaching",
        topic: aws.sns.Topic | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        target_topic = topic or self.topic
        self.alarms[slug] = aws.cloudwatch.MetricAlarm(
            f"{name}-{slug}",
            name=f"{self.prefix}-{slug}",
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=statistic,
            extended_statistic=extended_statistic,
            period=period,
            evaluation_periods=periods,
            datapoints_to_alarm=datapoints or periods,
            threshold=threshold,
            comparison_operator=comparison,
            treat_missing_data=missing,
            actions_enabled=True,
            alarm_actions=[target_topic.arn],
            ok_actions=[target_topic.arn],
            opts=opts or pulumi.ResourceOptions(parent=self),
        )
