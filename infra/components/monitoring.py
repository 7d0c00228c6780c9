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
        database = {"DBInstanceIdentifier": args.db_instance_id}
        namespace = self.metric_namespace
        # (slug, description, namespace, metric, dimensions, statistic, period s, periods, threshold, comparison)
        # A statistic starting with "p" is a percentile; comparisons are "GreaterThanThreshold" unless "<".
        # fmt: off
        specs: list[tuple[str, str, str, str, dict | None, str, int, int, float, str]] = [
            ("alb-target-5xx", "the web tasks answered 5xx more than 10 times in 5 minutes", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, "Sum", 300, 1, 10, ">"),
            ("alb-elb-5xx", "the load balancer itself answered 5xx more than 10 times in 5 minutes", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", alb, "Sum", 300, 1, 10, ">"),
            ("target-latency-p99", f"p99 response time above {LATENCY_P99_SECONDS} s for 3 of 5 minutes", "AWS/ApplicationELB", "TargetResponseTime", target, "p99", 60, 5, LATENCY_P99_SECONDS, ">"),
            ("unhealthy-hosts", "a web task failed its health checks for 5 minutes", "AWS/ApplicationELB", "UnHealthyHostCount", target, "Maximum", 60, 5, 0, ">"),
            *[
                (f"ecs-{service}-{slug}", f"{service} {slug} above 85 % for 10 minutes", "AWS/ECS", metric,
                 {"ClusterName": args.cluster_name, "ServiceName": service_name}, "Average", 60, 10, 85, ">")
                for service, service_name in args.service_names.items()
                for metric, slug in (("CPUUtilization", "cpu"), ("MemoryUtilization", "memory"))
            ],
            ("rds-cpu", "database CPU above 80 % for 15 minutes", "AWS/RDS", "CPUUtilization", database, "Average", 300, 3, 80, ">"),
            ("rds-free-storage", "database free storage below 2 GiB", "AWS/RDS", "FreeStorageSpace", database, "Minimum", 300, 1, FREE_STORAGE_BYTES, "<"),
            ("queue-depth", f"more than {config.queue_depth_alarm_threshold} tasks waiting for 10 minutes, or no depth reported", namespace, "CeleryQueueDepth", None, "Maximum", 60, 10, config.queue_depth_alarm_threshold, ">"),
            ("purge-not-run", f"no completed photo purge in {PURGE_WINDOW_HOURS} hours", namespace, "PhotoPurgeCompleted", None, "Sum", 3600, PURGE_WINDOW_HOURS, 1, "<"),
        ]
        # fmt: on
        for (
            slug,
            description,
            metric_namespace,
            metric,
            dimensions,
            statistic,
            period,
            periods,
            threshold,
            comparison,
        ) in specs:
            self._alarm(
                f"{name}-{slug}",
                slug=slug,
                description=description,
                namespace=metric_namespace,
                metric=metric,
                dimensions=dimensions,
                statistic=statistic,
                period=period,
                periods=periods,
                threshold=threshold,
                comparison=comparison,
                opts=child,
            )
        self._alarm(
            f"{name}-waf-blocked-spike",
            slug="waf-blocked-spike",
            description=f"the WAF blocked over {WAF_BLOCKED_PER_5_MINUTES} requests in 5 minutes",
            namespace="AWS/WAFV2",
            metric="BlockedRequests",
            dimensions={"WebACL": args.web_acl_name, "Rule": "ALL"},
            statistic="Sum",
            period=300,
            periods=1,
            threshold=WAF_BLOCKED_PER_5_MINUTES,
            comparison=">",
            topic=self.edge_topic,
            opts=edge,
        )
        self.register_outputs({"alarm_topic_arn": self.topic.arn, "edge_alarm_topic_arn": self.edge_topic.arn})

    def _topic(
        self, name: str, *, config: StackConfig, key_arn: pulumi.Input[str], opts: pulumi.ResourceOptions
    ) -> aws.sns.Topic:
        topic = aws.sns.Topic(name, name=f"{config.name}-{name.split('-', 1)[1]}", kms_master_key_id=key_arn, opts=opts)
        aws.sns.TopicSubscription(name, topic=topic.arn, protocol="email", endpoint=config.alarm_email, opts=opts)
        return topic

    def _alarm(
        self,
        resource_name: str,
        *,
        slug: str,
        description: str,
        namespace: str,
        metric: str,
        dimensions: dict | None,
        statistic: str,
        period: int,
        periods: int,
        threshold: float,
        comparison: str,
        opts: pulumi.ResourceOptions,
        topic: aws.sns.Topic | None = None,
    ) -> None:
        target_topic = topic or self.topic
        # The two log-line metrics alarm on silence: no line means the job or the scheduler is down.
        missing = "breaching" if namespace == self.metric_namespace else "notBreaching"
        # The latency alarm fires on 3 of its 5 minutes, so one slow minute does not page anyone.
        datapoints = 3 if statistic.startswith("p") else periods
        self.alarms[slug] = aws.cloudwatch.MetricAlarm(
            resource_name,
            name=f"{self.prefix}-{slug}",
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dimensions,
            statistic=None if statistic.startswith("p") else statistic,
            extended_statistic=statistic if statistic.startswith("p") else None,
            period=period,
            evaluation_periods=periods,
            datapoints_to_alarm=datapoints,
            threshold=threshold,
            comparison_operator="LessThanThreshold" if comparison == "<" else "GreaterThanThreshold",
            treat_missing_data=missing,
            actions_enabled=True,
            alarm_actions=[target_topic.arn],
            ok_actions=[target_topic.arn],
            opts=opts,
        )
