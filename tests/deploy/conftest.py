"""The AWS a release touches, on loopback: moto's server for ECR, ECS, ELB, CloudWatch Logs and
CloudFront (the control-plane APIs that cannot run here), the project's SeaweedFS server for S3.

`moto_server` is one emulator process per session, stopped by its own process id. `aws_stack`
resets it and builds the staging stack as the infra program declares it: `program_view` runs the
program under Pulumi's mocks (`infra/tests/pipeline_view.py`, in infra/.venv, which `make test`
makes first) and hands over its outputs, task definitions, services, log groups and CloudFront
behaviours. Only what AWS itself generates is moto's (subnet, security group and distribution
ids, the distribution's domain, the bucket's random suffix); every name the program chooses is
the program's, so a test here fails when the pipeline and the program stop agreeing.
"""

import fnmatch
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

ROOT = Path(__file__).resolve().parents[2]
INFRA_PYTHON = ROOT / "infra" / ".venv" / "bin" / "python"
VIEW_STACK = "staging"  # the environment test_pipeline deploys
REGION = "eu-central-1"
OLD_DIGEST = "sha256:" + "1" * 64
NEW_DIGEST = "sha256:" + "2" * 64
REPOSITORY = "earfit"  # the release repository push_image pushes to (the build account's)


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


@pytest.fixture(scope="session")
def program_view() -> dict[str, Any]:
    """The staging stack as `infra/` declares it, computed by the program itself under Pulumi's mocks."""
    if not INFRA_PYTHON.exists():
        raise RuntimeError(f"{INFRA_PYTHON} is missing: `make infra-test` (part of `make test`) creates it")
    completed = subprocess.run(  # noqa: S603 -- the project's own program in its own venv, fixed arguments
        [str(INFRA_PYTHON), "-m", "tests.pipeline_view", VIEW_STACK],
        cwd=ROOT / "infra", capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"the infra program's view of {VIEW_STACK} failed:\n{completed.stderr[-3000:]}")
    view: dict[str, Any] = json.loads(completed.stdout)
    return view


@dataclass
class AwsStack:
    """What the steps see: clients (moto for the control plane, SeaweedFS for S3), the outputs, and
    the program's view of the stack they were built from."""

    moto: MotoServer
    s3_server: S3Server
    outputs: dict[str, Any]
    target_group_arn: str
    view: dict[str, Any]
    release_repository_url: str
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

    def first_image(self, service: str) -> str:
        """The image of the revision `pulumi up` registered for the service: the stack's repository at the release tag."""
        family = self.view["services"][service]["family"]
        return str(self.view["task_definitions"][family]["containerDefinitions"][0]["image"])

    def image_of(self, task_definition: str) -> str:
        described = self.moto.client("ecs").describe_task_definition(taskDefinition=task_definition)
        return str(described["taskDefinition"]["containerDefinitions"][0]["image"])


def moto_container_definitions(containers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The program's container definitions, plus the container-level memory moto's Fargate
    run_task reads (Fargate itself sizes the task, which the program does)."""
    return [{"memory": 512, **container} for container in containers]


@pytest.fixture
def aws_stack(moto_server: MotoServer, s3_server: S3Server, program_view: dict[str, Any]) -> AwsStack:
    view = program_view
    program = view["outputs"]
    assert program["aws_region"] == REGION
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
    assert len(subnets) == len(program["private_subnet_ids"])
    group = ec2.create_security_group(GroupName="earfit-tasks", Description="tasks", VpcId=vpc)["GroupId"]
    cluster = ecs.create_cluster(clusterName=program["cluster_name"])["cluster"]["clusterName"]
    for log_group in view["log_groups"]:
        logs.create_log_group(logGroupName=log_group)
    release_repository_url = ecr.create_repository(
        repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE", imageScanningConfiguration={"scanOnPush": True}
    )["repository"]["repositoryUri"]
    task_definitions = {}
    for family, definition in view["task_definitions"].items():
        registered = ecs.register_task_definition(
            family=family,
            networkMode=definition["networkMode"],
            requiresCompatibilities=definition["requiresCompatibilities"],
            cpu=definition["cpu"],
            memory=definition["memory"],
            executionRoleArn=definition["executionRoleArn"],
            taskRoleArn=definition["taskRoleArn"],
            volumes=definition["volumes"],
            runtimePlatform=definition["runtimePlatform"],
            containerDefinitions=moto_container_definitions(definition["containerDefinitions"]),
        )
        task_definitions[family] = registered["taskDefinition"]["taskDefinitionArn"]
    target = view["target_group"]
    target_group = elbv2.create_target_group(
        Name=f"{program['cluster_name']}-web", Protocol=target["protocol"], Port=target["port"], VpcId=vpc,
        TargetType="ip", HealthCheckPath=target["healthCheckPath"],
    )  # fmt: skip
    target_group_arn = target_group["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=target_group_arn, Targets=[{"Id": "10.20.1.10"}, {"Id": "10.20.2.10"}])
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    for name, service in view["services"].items():
        balancers = [{"targetGroupArn": target_group_arn, **balancer} for balancer in service["loadBalancers"]]
        ecs.create_service(
            cluster=cluster, serviceName=name, taskDefinition=task_definitions[service["family"]],
            desiredCount=service["desiredCount"], launchType="FARGATE", networkConfiguration=network,
            **({"loadBalancers": balancers} if balancers else {}),
        )  # fmt: skip
        # moto counts MOTO_ECS_SERVICE_RUNNING tasks as running; setting the desired count aligns them.
        ecs.update_service(cluster=cluster, service=name, desiredCount=service["desiredCount"])
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": program["cluster_name"],
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "static", "DomainName": "static.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "static", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
                                     "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}, "TrustedSigners": {"Enabled": False, "Quantity": 0}},
        }
    )["Distribution"]  # fmt: skip
    bucket = f"{program['static_bucket_name']}-{uuid.uuid4().hex[:8]}"
    s3_server.client().create_bucket(Bucket=bucket)
    outputs = {
        **program,
        "private_subnet_ids": subnets,
        "task_security_group_id": group,
        "static_bucket_name": bucket,
        "distribution_id": distribution["Id"],
        "distribution_domain_name": distribution["DomainName"],
    }
    return AwsStack(
        moto=moto_server, s3_server=s3_server, outputs=outputs, target_group_arn=target_group_arn, view=view,
        release_repository_url=release_repository_url,
    )  # fmt: skip


def cloudfront_route(distribution: dict[str, Any], path: str) -> dict[str, Any]:
    """CloudFront's choice in the program's distribution: the first ordered behaviour whose path
    pattern matches (`*` and `?`, case-sensitive), else the default behaviour."""
    return next(
        (b for b in distribution["behaviours"] if fnmatch.fnmatchcase(path, b["pathPattern"])), distribution["default"]
    )


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
