"""Container definitions for the image's four commands, as the image's contract states them:
entrypoint `/app/docker/entrypoint <command>`, numeric user 10001:10001, read-only root filesystem
with a task-private volume on /tmp, every Linux capability dropped, secrets by Secrets Manager ARN
only, logs to CloudWatch through awslogs."""

from dataclasses import dataclass
from typing import Any

import pulumi

from contract import CONTAINER_PORT, CONTAINER_USER, WRITABLE_PATH

TMP_VOLUME = "tmp"
# The AWS Distro for OpenTelemetry collector: receives OTLP from the web container, sends to X-Ray.
OTEL_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
OTEL_ENDPOINT = "http://127.0.0.1:4317"


@dataclass(frozen=True, kw_only=True)
class ContainerSpec:
    name: str
    command: str
    image: pulumi.Input[str]
    environment: dict[str, pulumi.Input[str]]
    secrets: dict[str, pulumi.Input[str]]  # environment name -> Secrets Manager ARN
    log_group: pulumi.Input[str]
    region: str
    serves_http: bool = False
    tracing: bool = False


def _log_configuration(*, log_group: pulumi.Input[str], region: str, prefix: str) -> dict[str, Any]:
    return {
        "logDriver": "awslogs",
        "options": {"awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": prefix},
    }


def _hardened(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        **definition,
        "user": CONTAINER_USER,
        "readonlyRootFilesystem": True,
        "privileged": False,
        "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
        "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": WRITABLE_PATH, "readOnly": False}],
    }


def container_definitions_json(*, spec: ContainerSpec) -> pulumi.Output[str]:
    """The task definition's `containerDefinitions` for one command (and its collector when tracing)."""
    environment = dict(spec.environment)
    if spec.tracing:
        environment |= {"OTEL_EXPORTER_OTLP_ENDPOINT": OTEL_ENDPOINT, "OTEL_SERVICE_NAME": f"earfit-{spec.name}"}
    app: dict[str, Any] = _hardened(
        {
            "name": spec.name,
            "image": spec.image,
            "command": [spec.command],
            "essential": True,
            "environment": [{"name": key, "value": value} for key, value in sorted(environment.items())],
            "secrets": [{"name": key, "valueFrom": arn} for key, arn in sorted(spec.secrets.items())],
            "logConfiguration": _log_configuration(log_group=spec.log_group, region=spec.region, prefix=spec.name),
            "stopTimeout": 120,
        }
    )
    if spec.serves_http:
        app["portMappings"] = [{"containerPort": CONTAINER_PORT, "protocol": "tcp"}]
    containers = [app]
    if spec.tracing:
        containers.append(
            _hardened(
                {
                    "name": "otel-collector",
                    "image": OTEL_COLLECTOR_IMAGE,
                    "command": ["--config=/etc/ecs/ecs-default-config.yaml"],
                    "essential": False,
                    "logConfiguration": _log_configuration(log_group=spec.log_group, region=spec.region, prefix="otel"),
                }
            )
        )
    return pulumi.Output.json_dumps(containers, sort_keys=True)
