"""A deployment environment of bamboo-specs/bamboo.yml, run task by task as Bamboo runs it
(tests/deploy/bamboo_runner.py), against moto (ECS, ELB, CloudFront), the loopback S3 server, a
local "CloudFront" in front of Django's live server, and Stubber where moto cannot fail the way
the test needs (named in each test). The Pulumi CLI cannot run here: its runner answers `up` with
success and `stack output --json` with the emulated stack's outputs.

Shows the release going through, and the pipeline stopping or rolling back: migrations exit 1 →
nothing rolls; services never stable → rollback; smoke test fails → rollback, and the step fails.
"""

import io
import json
import os
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from deploy.publish_frontend import frontend_publish
from deploy.release_record import record_read
from deploy.runtime import Actions
from tests.deploy.bamboo_runner import TaskRun, environment_run
from tests.deploy.conftest import NEW_DIGEST, AwsStack, FakeClock, cloudfront_route, write_build

RELEASE_TAG = "5e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5"  # the commit push_image pushed

pulumi_envs: list[dict[str, str]] = []


class Edge:
    """CloudFront on loopback, routing as the program's distribution does (`aws_stack.view`): the
    first behaviour whose path pattern matches picks the origin, the default behaviour otherwise;
    the ALB origin is the app, the bucket origin is read with the server's credentials as Origin
    Access Control would, after the bucket behaviour's viewer-request function (the program's
    client-route rewrite: a path without a dot is `/index.html`)."""

    def __init__(self, *, app_url: str, s3: Any, bucket: str, distribution: dict[str, Any]) -> None:
        edge = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = edge.answer(self.path)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.app_url, self.s3, self.bucket, self.distribution = app_url, s3, bucket, distribution
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.domain = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        uri = path.split("?", 1)[0]
        behaviour = cloudfront_route(self.distribution, uri)
        if behaviour["origin"] == "alb":
            try:
                with urllib.request.urlopen(self.app_url + path, timeout=10) as response:  # noqa: S310 -- loopback
                    return response.status, {"Content-Type": response.headers["Content-Type"]}, response.read()
            except urllib.error.HTTPError as error:
                return error.code, {"Content-Type": error.headers.get("Content-Type", "text/plain")}, error.read()
            except OSError:
                return 502, {"Content-Type": "text/plain"}, b"origin unreachable"
        if behaviour["viewerRequestFunction"] and "." not in uri:
            uri = "/index.html"
        key = uri.lstrip("/") or self.distribution["defaultRootObject"]
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return (
            200,
            {"Content-Type": found["ContentType"], "Cache-Control": found.get("CacheControl", "")},
            found["Body"].read(),
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def release(aws_stack: AwsStack, tmp_path: Path) -> dict[str, Any]:
    """The bucket holds release a1; the build of the release being deployed is b2."""
    frontend_publish(
        s3=aws_stack.client("s3"), cloudfront=aws_stack.client("cloudfront"), bucket=aws_stack.outputs["static_bucket_name"],
        distribution_id=aws_stack.outputs["distribution_id"], build=write_build(tmp_path / "a1", version="a1"),
        hashed_prefix="assets/", record=None, invalidation_deadline=None, actions=Actions(dry_run=False, out=io.StringIO()),
    )  # fmt: skip
    return {
        "build": write_build(tmp_path / "artifacts" / "b2", version="b2"),
        "previous_index": (tmp_path / "a1" / "index.html").read_text(),
    }


@pytest.fixture
def edge_for(aws_stack: AwsStack) -> Iterator[Any]:
    edges: list[Edge] = []

    def make(app_url: str) -> Edge:
        s3, bucket = aws_stack.client("s3"), aws_stack.outputs["static_bucket_name"]
        edges.append(Edge(app_url=app_url, s3=s3, bucket=bucket, distribution=aws_stack.view["distribution"]))
        return edges[-1]

    yield make
    for edge in edges:
        edge.close()


def deploy(
    stack: AwsStack, release: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, domain: str,
    ecs: Any = None, ecs_steps: tuple[str, ...] = (),
) -> tuple[list[TaskRun], list[list[str]]]:  # fmt: skip
    pulumi_calls: list[list[str]] = []
    pulumi_envs.clear()
    # The local edge answers for the site's public name.
    outputs = {**stack.outputs, "site_domain_name": domain}

    def pulumi(command: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        pulumi_calls.append(command)
        pulumi_envs.append(env)
        return subprocess.CompletedProcess(
            command, 0, json.dumps(outputs) if "output" in command else "Resources: 42 unchanged", ""
        )

    # The other steps assume the environment's deploy role: moto's STS answers.
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", stack.moto.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clock = FakeClock()

    def clients(step: str) -> Any:
        return lambda service: ecs if service == "ecs" and step in ecs_steps else stack.client(service)

    def options(step: str) -> dict[str, Any]:
        if step == "pulumi_stack":
            return {"runner": pulumi}
        if step == "smoke_test":
            return {"clock": clock}
        return {"clients": clients(step), "clock": clock}

    runs = environment_run(
        environment="staging",
        workdir=tmp_path / "agent",
        monkeypatch=monkeypatch,
        # moto spells the invalidation's status COMPLETED, never AWS's Completed, so these runs do
        # not wait for it (test_publish_frontend drives that wait with Stubber).
        result_variables={
            "image.uri": f"{stack.release_repository_url}@{NEW_DIGEST}",
            "image.digest": NEW_DIGEST,
            "image.tag": RELEASE_TAG,
            "image.repository_url": stack.release_repository_url,
            "invalidation_timeout_seconds": "0",
        },
        artifacts={"Release sources": tmp_path / "artifacts" / "empty", "Frontend build": release["build"]},
        step_options=options,
        # The agent reaches CloudFront over HTTPS; the local edge speaks plain HTTP.
        argv_rewrite=lambda argv: [a.replace("https://", "http://") for a in argv],
    )
    return runs, pulumi_calls


def statuses(runs: list[TaskRun]) -> list[tuple[str, str]]:
    return [(run.name.split(",")[0][:40], run.status) for run in runs]


def index_in_bucket(stack: AwsStack) -> str:
    return str(
        stack.client("s3")
        .get_object(Bucket=stack.outputs["static_bucket_name"], Key="index.html")["Body"]
        .read()
        .decode()
    )


@pytest.fixture(autouse=True)
def _empty_sources(tmp_path: Path) -> None:
    (tmp_path / "artifacts" / "empty").mkdir(parents=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # a plain flush breaks the next serialized test
def test_a_release_goes_through_every_step_and_is_verified(
    aws_stack: AwsStack,
    release: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    live_server: Any,
    edge_for: Any,
) -> None:
    before = aws_stack.service_task_definitions()
    edge = edge_for(live_server.url)
    runs, pulumi_calls = deploy(aws_stack, release, tmp_path, monkeypatch, domain=edge.domain)
    assert [run.status for run in runs] == ["passed"] * len(runs), "\n".join(
        f"{r.name}: {r.status}\n{r.output}" for r in runs
    )
    assert [call[3:5] for call in pulumi_calls] == [["infra", "up"], ["infra", "stack"]]
    assert "--policy-pack" in pulumi_calls[0]
    assert pulumi_calls[0][pulumi_calls[0].index("--config") + 1] == f"earfit:imageTag={RELEASE_TAG}"
    # The CLI runs as the agent; the program's providers assume the deploy role its stack names.
    assert pulumi_envs[0].get("AWS_SESSION_TOKEN") == os.environ.get("AWS_SESSION_TOKEN")
    after = aws_stack.service_task_definitions()
    assert all(aws_stack.image_of(arn) == aws_stack.image(NEW_DIGEST) for arn in after.values())
    assert set(after.values()).isdisjoint(before.values())
    assert index_in_bucket(aws_stack) == (release["build"] / "index.html").read_text()
    record = record_read(tmp_path / "agent" / "release-record.json")
    assert record["verified"] is True
    assert "rolled_back" not in record
    assert runs[-1].output.splitlines()[-1] == "rollback: ok — the release was verified: nothing to roll back"


def test_a_migration_that_exits_1_stops_the_release_before_the_roll(
    aws_stack: AwsStack, release: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stubber for the migration task's ECS calls (moto's tasks always exit 0); moto for the rest.
    ecs = boto3.client("ecs", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(ecs)
    moto_ecs = aws_stack.client("ecs")
    family = aws_stack.outputs["migrate_task_definition_family"]
    described = moto_ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
    described.pop("ResponseMetadata")
    stubber.add_response("describe_task_definition", described)
    stubber.add_response("register_task_definition", described)
    task_arn = f"arn:aws:ecs:eu-central-1:123456789012:task/{aws_stack.outputs['cluster_name']}/t1"
    stubber.add_response("run_task", {"tasks": [{"taskArn": task_arn}], "failures": []})
    (container,) = described["taskDefinition"]["containerDefinitions"]
    stubber.add_response(
        "describe_tasks",
        {
            "tasks": [
                {
                    "taskArn": task_arn,
                    "lastStatus": "STOPPED",
                    "containers": [{"name": container["name"], "exitCode": 1}],
                }
            ]
        },
    )
    stubber.activate()
    before = aws_stack.service_task_definitions()
    runs, _ = deploy(
        aws_stack, release, tmp_path, monkeypatch, domain="unused.invalid", ecs=ecs, ecs_steps=("run_migrations",)
    )
    assert [run.status for run in runs][3:] == [
        "passed",
        "passed",
        "passed",
        "failed",
        "skipped",
        "skipped",
        "skipped",
        "passed",
    ]
    assert "run_migrations: FAILED — migrations exited 1" in runs[6].output
    assert (
        runs[-1].output.splitlines()[-1]
        == "rollback: ok — no service was rolled and nothing was published: nothing to roll back"
    )
    assert aws_stack.service_task_definitions() == before
    assert index_in_bucket(aws_stack) == release["previous_index"]
    stubber.assert_no_pending_responses()


def test_services_that_never_become_stable_are_rolled_back(
    aws_stack: AwsStack, release: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Stubber for roll_service and rollback (moto's rollout state is fixed): web never settles on
    # the new revision; the rollback must then put every service back on the recorded revision.
    ecs = boto3.client("ecs", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(ecs)
    moto_ecs = aws_stack.client("ecs")
    names = [aws_stack.outputs[f"{role}_service_name"] for role in ("web", "worker", "beat")]
    cluster = aws_stack.outputs["cluster_name"]
    current = moto_ecs.describe_services(cluster=cluster, services=names)
    current.pop("ResponseMetadata")
    stubber.add_response("describe_services", current)
    new = {}
    for service in current["services"]:
        described = moto_ecs.describe_task_definition(taskDefinition=service["taskDefinition"], include=["TAGS"])
        described.pop("ResponseMetadata")
        stubber.add_response("describe_task_definition", described)
        new[service["serviceName"]] = described["taskDefinition"]["taskDefinitionArn"].replace(":1", ":2")
        registered = {
            "taskDefinition": {**described["taskDefinition"], "taskDefinitionArn": new[service["serviceName"]]}
        }
        stubber.add_response("register_task_definition", registered)
    for name in names:
        stubber.add_response(
            "update_service",
            {"service": {"serviceName": name}},
            {"cluster": cluster, "service": name, "taskDefinition": new[name]},
        )

    def unsettled(service: dict[str, Any]) -> dict[str, Any]:
        name = service["serviceName"]
        return {**service, "taskDefinition": new[name], "runningCount": 0,
                "deployments": [{"status": "PRIMARY", "taskDefinition": new[name], "rolloutState": "IN_PROGRESS"},
                                {"status": "ACTIVE", "taskDefinition": service["taskDefinition"], "rolloutState": "COMPLETED"}]}  # fmt: skip

    polls = int(900 / 15) + 1  # the staging environment's bound and interval
    for _ in range(polls):
        stubber.add_response(
            "describe_services", {"services": [unsettled(s) for s in current["services"]], "failures": []}
        )
    previous = {s["serviceName"]: s["taskDefinition"] for s in current["services"]}
    for name in sorted(names):  # the record keeps services in name order
        stubber.add_response(
            "update_service",
            {"service": {"serviceName": name}},
            {"cluster": cluster, "service": name, "taskDefinition": previous[name]},
        )
    stubber.add_response("describe_services", current)
    stubber.activate()
    runs, _ = deploy(
        aws_stack,
        release,
        tmp_path,
        monkeypatch,
        domain="unused.invalid",
        ecs=ecs,
        ecs_steps=("roll_service", "rollback"),
    )
    assert [run.status for run in runs][6:] == ["passed", "failed", "skipped", "skipped", "passed"], runs[-1].output
    assert "roll_service: FAILED — not stable within 900 s" in runs[7].output
    assert (
        runs[-1]
        .output.splitlines()[-1]
        .startswith(f"rollback: ok — {', '.join(sorted(names))} back on their previous task definitions")
    )
    stubber.assert_no_pending_responses()
    assert index_in_bucket(aws_stack) == release["previous_index"]


def test_a_failed_smoke_test_rolls_the_release_back_and_fails_the_step(
    aws_stack: AwsStack, release: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edge_for: Any
) -> None:
    before = aws_stack.service_task_definitions()
    edge = edge_for("http://127.0.0.1:9")  # the app origin does not answer: /healthz gets 502
    runs, _ = deploy(aws_stack, release, tmp_path, monkeypatch, domain=edge.domain)
    assert [run.status for run in runs][6:] == ["passed", "passed", "passed", "failed", "passed"], runs[-1].output
    assert (
        runs[9]
        .output.splitlines()[-1]
        .startswith("smoke_test: FAILED — 3 check(s) still failing after 300 s: /healthz answered 502")
    )
    rollback_line = runs[-1].output.splitlines()[-1]
    assert rollback_line.startswith("rollback: ok — ")
    assert "previous index.html restored" in rollback_line
    assert aws_stack.service_task_definitions() == before
    assert index_in_bucket(aws_stack) == release["previous_index"]
    assert record_read(tmp_path / "agent" / "release-record.json")["rolled_back"] is True
