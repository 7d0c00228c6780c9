"""The application on ECS Fargate: the web service behind the ALB, the Celery worker, a single
beat, and the migrate task the pipeline runs before each rollout.

- Web: private subnets, no public IP, 2 to 20 tasks scaled on CPU and on ALB requests per
  target; the desired count belongs to the autoscaler (`ignore_changes`), so a deployment never
  shrinks a scaled-out service. The health-check grace period covers the model load; a
  deployment that never turns healthy rolls back by itself (circuit breaker).
- Releases: `pulumi up` registers a new revision of each task definition for the release's image
  tag, but no service moves to it (`ignore_changes` on the task definition): the pipeline runs
  the migrations first, then `roll_service` moves web, worker and beat to a copy of the latest
  revision pinned to the image's digest. A new stack's services start on the first revision.
  Old revisions stay registered (`skip_destroy`), so a rollback can always return to one.
- Beat: exactly one, and never two during a deployment (maximum 100 %, minimum 0 %), because two
  schedulers would run the daily purge twice.
- Roles: one execution role (pull our image, write our log groups, read our four secrets) and
  two task roles: web and worker may use the photo bucket and nothing else; beat and migrate get
  a role with no permissions at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.documents import allow, assume_role_policy, policy_document, registry_login
from components.task_definitions import TMP_VOLUME, ContainerSpec, container_definitions_json
from config import StackConfig, TaskSize
from contract import (
    COMMAND_BEAT,
    COMMAND_MIGRATE,
    COMMAND_WEB,
    COMMAND_WORKER,
    CONTAINER_PORT,
    TRUSTED_PROXY_COUNT,
)

HEALTH_CHECK_GRACE_SECONDS = 180
CPU_TARGET_PERCENT = 60
REQUESTS_PER_TARGET = 300  # requests per task per minute, the ALB metric's unit


@dataclass(frozen=True, kw_only=True)
class ServiceArgs:
    config: StackConfig
    private_subnet_ids: Sequence[pulumi.Input[str]]
    task_security_group_id: pulumi.Input[str]
    repository_url: pulumi.Input[str]
    repository_arn: pulumi.Input[str]
    photo_bucket_name: pulumi.Input[str]
    photo_bucket_arn: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    logs_key_arn: pulumi.Input[str]
    secret_arns: dict[str, pulumi.Input[str]]
    target_group_arn: pulumi.Input[str]
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffix: pulumi.Input[str]
    # What a task needs before its first image pull: the pull-through rule that fetches a release.
    image_source: pulumi.Resource


class AppService(pulumi.ComponentResource):
    cluster: aws.ecs.Cluster
    log_groups: dict[str, aws.cloudwatch.LogGroup]
    task_definitions: dict[str, aws.ecs.TaskDefinition]
    web: aws.ecs.Service
    worker: aws.ecs.Service
    beat: aws.ecs.Service
    execution_role: aws.iam.Role
    execution_policy: aws.iam.RolePolicy
    photo_role: aws.iam.Role
    plain_role: aws.iam.Role
    image_source: pulumi.Resource

    def __init__(self, name: str, args: ServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("earfit:infra:AppService", name, None, opts)
        config = args.config
        self.image_source = args.image_source
        child = pulumi.ResourceOptions(parent=self)

        self.log_groups = {
            group: aws.cloudwatch.LogGroup(
                f"{name}-{group}",
                name=f"/{config.project}/{config.stack}/{group}",
                retention_in_days=config.log_retention_days,
                kms_key_id=args.logs_key_arn,
                opts=child,
            )
            for group in (COMMAND_WEB, COMMAND_WORKER, COMMAND_BEAT, COMMAND_MIGRATE, "ecs-exec")
        }
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=config.name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            configuration=aws.ecs.ClusterConfigurationArgs(
                execute_command_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationArgs(
                    kms_key_id=args.data_key_arn,
                    logging="OVERRIDE",
                    log_configuration=aws.ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs(
                        cloud_watch_encryption_enabled=True,
                        cloud_watch_log_group_name=self.log_groups["ecs-exec"].name,
                    ),
                )
            ),
            opts=child,
        )
        self._roles(name, args=args)

        image = pulumi.Output.concat(args.repository_url, ":", config.image_tag)
        environment: dict[str, pulumi.Input[str]] = {
            "DJANGO_ALLOWED_HOSTS": config.domain_name,
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{config.domain_name}",
            "PHOTO_STORAGE": "s3",
            "PHOTO_S3_BUCKET": args.photo_bucket_name,
            "PHOTO_S3_REGION": config.region,
            "PHOTO_S3_SSE": "aws:kms",
            # The bucket policy requires aws:kms; without a key id S3 would use the AWS-managed aws/s3 key.
            "PHOTO_S3_KMS_KEY_ID": args.data_key_arn,
            "PHOTO_RETENTION_DAYS": str(config.photo_retention_days),
            "TRUSTED_PROXY_COUNT": str(TRUSTED_PROXY_COUNT),
            "LOG_LEVEL": "INFO",
        }
        sizes = {
            COMMAND_WEB: config.web,
            COMMAND_WORKER: config.worker,
            COMMAND_BEAT: config.beat,
            COMMAND_MIGRATE: config.migrate,
        }
        task_roles = {
            COMMAND_WEB: self.photo_role,
            COMMAND_WORKER: self.photo_role,
            COMMAND_BEAT: self.plain_role,
            COMMAND_MIGRATE: self.plain_role,
        }
        self.task_definitions = {
            command: self._task_definition(
                name,
                config=config,
                size=sizes[command],
                task_role=task_roles[command],
                spec=ContainerSpec(
                    name=command,
                    command=command,
                    image=image,
                    environment=environment,
                    secrets=args.secret_arns,
                    log_group=self.log_groups[command].name,
                    region=config.region,
                    serves_http=command == COMMAND_WEB,
                    tracing=config.tracing and command == COMMAND_WEB,
                ),
            )
            for command in (COMMAND_WEB, COMMAND_WORKER, COMMAND_BEAT, COMMAND_MIGRATE)
        }

        network = aws.ecs.ServiceNetworkConfigurationArgs(
            subnets=args.private_subnet_ids, security_groups=[args.task_security_group_id], assign_public_ip=False
        )
        self.web = self._service(
            name,
            COMMAND_WEB,
            network=network,
            desired=config.web_min_tasks,
            minimum_percent=100,
            maximum_percent=200,
            load_balancer=aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=args.target_group_arn, container_name=COMMAND_WEB, container_port=CONTAINER_PORT
            ),
        )
        self.worker = self._service(
            name, COMMAND_WORKER, network=network, desired=config.worker_tasks, minimum_percent=100, maximum_percent=200
        )
        self.beat = self._service(
            name, COMMAND_BEAT, network=network, desired=1, minimum_percent=0, maximum_percent=100
        )
        self._autoscaling(name, args=args)
        self.register_outputs(
            {
                "cluster_name": self.cluster.name,
                "web_service_name": self.web.name,
                "worker_service_name": self.worker.name,
                "beat_service_name": self.beat.name,
                "migrate_task_definition_family": self.task_definitions[COMMAND_MIGRATE].family,
            }
        )

    def _roles(self, name: str, *, args: ServiceArgs) -> None:
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        trust = assume_role_policy(service="ecs-tasks.amazonaws.com", account_id=config.account_id)
        self.execution_role = aws.iam.Role(f"{name}-execution", assume_role_policy=trust, opts=child)
        log_arns = [group.arn for key, group in self.log_groups.items() if key != "ecs-exec"]
        self.execution_policy = aws.iam.RolePolicy(
            f"{name}-execution",
            role=self.execution_role.id,
            policy=policy_document(
                registry_login(),
                allow(
                    sid="PullOurImage",
                    # BatchImportUpstreamImage: the first pull of a release copies it from the release repository.
                    actions=[
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchGetImage",
                        "ecr:BatchImportUpstreamImage",
                    ],
                    resources=[args.repository_arn],
                ),
                allow(
                    sid="WriteOurLogs",
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[pulumi.Output.concat(arn, ":log-stream:*") for arn in log_arns],
                ),
                allow(
                    sid="ReadOurSecrets",
                    actions=["secretsmanager:GetSecretValue"],
                    resources=list(args.secret_arns.values()),
                ),
                allow(
                    sid="DecryptOurSecrets",
                    actions=["kms:Decrypt"],
                    resources=[args.data_key_arn],
                    condition={"StringEquals": {"kms:ViaService": f"secretsmanager.{config.region}.amazonaws.com"}},
                ),
            ),
            opts=child,
        )
        self.photo_role = aws.iam.Role(f"{name}-task-photos", assume_role_policy=trust, opts=child)
        statements = [
            allow(
                sid="ListPhotoVersions",
                actions=["s3:ListBucket", "s3:ListBucketVersions"],
                resources=[args.photo_bucket_arn],
            ),
            allow(
                sid="ReadWriteErasePhotos",
                actions=[
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                ],
                resources=[pulumi.Output.concat(args.photo_bucket_arn, "/*")],
            ),
            allow(
                sid="PhotoEncryption",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[args.data_key_arn],
                condition={"StringEquals": {"kms:ViaService": f"s3.{config.region}.amazonaws.com"}},
            ),
        ]
        if config.tracing:
            # X-Ray's write and sampling calls have no resource-level permissions: AWS accepts only "*".
            statements.append(
                allow(
                    sid="SendTraces",
                    actions=[
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "xray:GetSamplingRules",
                        "xray:GetSamplingTargets",
                    ],
                    resources=["*"],
                )
            )
        aws.iam.RolePolicy(
            f"{name}-task-photos", role=self.photo_role.id, policy=policy_document(*statements), opts=child
        )
        # Beat only enqueues and migrate only talks to PostgreSQL: neither calls an AWS API.
        self.plain_role = aws.iam.Role(f"{name}-task-plain", assume_role_policy=trust, opts=child)

    def _task_definition(
        self, name: str, *, config: StackConfig, size: TaskSize, task_role: aws.iam.Role, spec: ContainerSpec
    ) -> aws.ecs.TaskDefinition:
        return aws.ecs.TaskDefinition(
            f"{name}-{spec.command}",
            family=f"{config.name}-{spec.command}",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(size.cpu),
            memory=str(size.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            execution_role_arn=self.execution_role.arn,
            task_role_arn=task_role.arn,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME)],
            container_definitions=container_definitions_json(spec=spec),
            skip_destroy=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _service(
        self,
        name: str,
        command: str,
        *,
        network: aws.ecs.ServiceNetworkConfigurationArgs,
        desired: int,
        minimum_percent: int,
        maximum_percent: int,
        load_balancer: aws.ecs.ServiceLoadBalancerArgs | None = None,
    ) -> aws.ecs.Service:
        return aws.ecs.Service(
            f"{name}-{command}",
            name=command,
            cluster=self.cluster.arn,
            task_definition=self.task_definitions[command].arn,
            desired_count=desired,
            launch_type="FARGATE",
            platform_version="LATEST",
            network_configuration=network,
            load_balancers=[load_balancer] if load_balancer else None,
            health_check_grace_period_seconds=HEALTH_CHECK_GRACE_SECONDS if load_balancer else None,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=minimum_percent,
            deployment_maximum_percent=maximum_percent,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            enable_execute_command=False,
            # The pipeline moves services between revisions (roll_service, rollback); the autoscaler
            # owns the web service's count.
            # A new stack's first tasks pull the release through the cache, as the execution role.
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=["taskDefinition", "desiredCount"] if load_balancer else ["taskDefinition"],
                depends_on=[self.image_source, self.execution_policy],
            ),
        )

    def _autoscaling(self, name: str, *, args: ServiceArgs) -> None:
        config = args.config
        child = pulumi.ResourceOptions(parent=self)
        target = aws.appautoscaling.Target(
            f"{name}-web-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", self.cluster.name, "/", self.web.name),
            min_capacity=config.web_min_tasks,
            max_capacity=config.web_max_tasks,
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{name}-web-cpu",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=CPU_TARGET_PERCENT,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ECSServiceAverageCPUUtilization"
                ),
                scale_in_cooldown=300,
                scale_out_cooldown=60,
            ),
            opts=child,
        )
        aws.appautoscaling.Policy(
            f"{name}-web-requests",
            policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace,
            scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=REQUESTS_PER_TARGET,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ALBRequestCountPerTarget",
                    resource_label=pulumi.Output.concat(args.alb_arn_suffix, "/", args.target_group_arn_suffix),
                ),
                scale_in_cooldown=300,
                scale_out_cooldown=60,
            ),
            opts=child,
        )
