"""The AWS a release touches, on loopback: moto's server for ECR, ECS, ELB, CloudWatch Logs and
CloudFront (the control-plane APIs that cannot run here), the project's SeaweedFS server for S3.

`moto_server` is one emulator process per session, stopped by its own process id; `aws_stack`
resets it and builds what the infra program would have made (a VPC, subnets, a security group,
the cluster, the web/worker/beat services and the migrate task definition, a target group with
healthy targets, an ECR repository, a CloudFront distribution) and returns the stack outputs the
delivery steps read, under the contract's names.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.s3 import S3Server, free_ports

REGION = "eu-central-1"
OLD_DIGEST = "sha256:" + "1" * 64
NEW_DIGEST = "sha256:" + "2" * 64
REPOSITORY = "earfit"


@dataclass
class MotoServer:
    directory: Path
    process: subprocess.Popen[bytes] | None = None
    endpoint: str = ""

    def start(self, timeout: float = 30.0) -> "MotoServer":
        (port,) = free_ports(1)
        self.endpoint = f"http://127.0.0.1:{port}"
        log = (self.directory / "moto.log").open("wb")
        # Services report their desired tasks as running (moto keeps them pending otherwise).
        env = {**os.environ, "MOTO_ECS_SERVICE_RUNNING": "2"}
        self.process = subprocess.Popen(  # noqa: S603 -- moto's own server module, fixed arguments
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto exited early; see {self.directory / 'moto.log'}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1)  # noqa: S310 -- loopback
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def post(self, path: str, payload: Any = None) -> None:
        request = urllib.request.Request(  # noqa: S310 -- loopback
            f"{self.endpoint}{path}", data=json.dumps(payload or {}).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=10).read()  # noqa: S310 -- loopback

    def reset(self) -> None:
        self.post("/moto-api/reset")

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1}),
        )


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = MotoServer(directory=tmp_path_factory.mktemp("moto")).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class AwsStack:
    """What the steps see: clients (moto for the control plane, SeaweedFS for S3) and the outputs."""

    moto: MotoServer
    s3_server: S3Server
    outputs: dict[str, Any]
    target_group_arn: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        if service in self.overrides:
            return self.overrides[service]
        if service == "s3":
            return self.s3_server.client()
        return self.moto.client(service)

    @property
    def clients(self) -> Callable[[str], Any]:
        return self.client

    def image(self, digest: str = NEW_DIGEST) -> str:
        return f"{self.outputs['ecr_repository_url']}@{digest}"

    def service_task_definitions(self) -> dict[str, str]:
        ecs = self.moto.client("ecs")
        names = [self.outputs[f"{role}_service_name"] for role in ("web", "worker", "beat")]
        described = ecs.describe_services(cluster=self.outputs["cluster_name"], services=names)["services"]
        return {s["serviceName"]: s["taskDefinition"] for s in described}

    def image_of(self, task_definition: str) -> str:
        described = self.moto.client("ecs").describe_task_definition(taskDefinition=task_definition)
        return str(described["taskDefinition"]["containerDefinitions"][0]["image"])


def container(name: str, image: str, command: list[str], log_group: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "command": command,
        "memory": 512,  # moto's Fargate run_task reads the container-level memory
        "essential": True,
        "readonlyRootFilesystem": True,
        "user": "10001:10001",
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {"awslogs-group": log_group, "awslogs-region": REGION, "awslogs-stream-prefix": "earfit"},
        },
    }


@pytest.fixture
def aws_stack(moto_server: MotoServer, s3_server: S3Server) -> AwsStack:
    moto_server.reset()
    client = moto_server.client
    ec2, ecs, elbv2, logs, ecr, cloudfront = (client(s) for s in ("ec2", "ecs", "elbv2", "logs", "ecr", "cloudfront"))
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="earfit-tasks", Description="tasks", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName="earfit-test")["cluster"]["clusterName"]
    log_group = "/earfit/test/app"
    logs.create_log_group(logGroupName=log_group)
    repository_url = ecr.create_repository(
        repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True}
    )["repository"]["repositoryUri"]
    old_image = f"{repository_url}@{OLD_DIGEST}"
    task_definitions = {}
    for role in ("web", "worker", "beat", "migrate"):
        registered = ecs.register_task_definition(
            family=f"earfit-test-{role}",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="512",
            memory="1024",
            executionRoleArn="arn:aws:iam::123456789012:role/earfit-test-execution",
            taskRoleArn="arn:aws:iam::123456789012:role/earfit-test-task",
            containerDefinitions=[container("app", old_image, [role], log_group)],
        )
        task_definitions[role] = registered["taskDefinition"]["taskDefinitionArn"]
    target_group = elbv2.create_target_group(Name="earfit-web", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")
    target_group_arn = target_group["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=target_group_arn, Targets=[{"Id": "10.20.1.10"}, {"Id": "10.20.2.10"}])
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    for role, desired in (("web", 2), ("worker", 1), ("beat", 1)):
        extra = (
            {"loadBalancers": [{"targetGroupArn": target_group_arn, "containerName": "app", "containerPort": 8000}]}
            if role == "web"
            else {}
        )
        ecs.create_service(
            cluster=cluster, serviceName=f"earfit-test-{role}", taskDefinition=task_definitions[role], desiredCount=desired,
            launchType="FARGATE", networkConfiguration=network, **extra,
        )  # fmt: skip
        # moto counts MOTO_ECS_SERVICE_RUNNING tasks as running; setting the desired count aligns them.
        ecs.update_service(cluster=cluster, service=f"earfit-test-{role}", desiredCount=desired)
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "earfit test",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "static", "DomainName": "static.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "static", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
                                     "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}, "TrustedSigners": {"Enabled": False, "Quantity": 0}},
        }
    )["Distribution"]  # fmt: skip
    bucket = f"static-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=bucket)
    outputs = {
        "ecr_repository_url": repository_url,
        "cluster_name": cluster,
        "web_service_name": "earfit-test-web",
        "worker_service_name": "earfit-test-worker",
        "beat_service_name": "earfit-test-beat",
        "migrate_task_definition_family": "earfit-test-migrate",
        "private_subnet_ids": subnets,
        "task_security_group_id": group,
        "static_bucket_name": bucket,
        "distribution_id": distribution["Id"],
        "distribution_domain_name": distribution["DomainName"],
        "web_log_group_name": log_group,
        "aws_account_id": "123456789012",
        "aws_region": REGION,
    }
    return AwsStack(moto=moto_server, s3_server=s3_server, outputs=outputs, target_group_arn=target_group_arn)


class FakeClock:
    """A clock whose sleeps pass at once: bounded waits run their full number of polls instantly."""

    def __init__(self) -> None:
        self.time = 0.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def write_build(directory: Path, *, version: str) -> Path:
    """A small Vite-shaped build: index.html naming a hashed script and stylesheet, and a favicon."""
    assets = directory / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    script = f"index-{version.upper():0>8}.js"
    style = f"index-{version.lower():x>8}.css"
    (assets / script).write_text(f"console.log('earfit {version}');\n")
    (assets / style).write_text(f"body {{ --release: '{version}'; }}\n")
    (directory / "favicon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"></svg>\n')
    (directory / "index.html").write_text(
        "<!doctype html><html><head>"
        f'<script type="module" crossorigin src="/assets/{script}"></script>'
        f'<link rel="stylesheet" crossorigin href="/assets/{style}"></head>'
        f'<body><div id="root" data-release="{version}"></div></body></html>\n'
    )
    return directory
