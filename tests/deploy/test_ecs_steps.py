"""run_migrations, roll_service and rollback against moto's ECS, ELB and CloudWatch Logs on
loopback for what moto models, and botocore's Stubber for what it does not (named in each test):
a container exit code other than 0, a task that never stops, a rollout that FAILED, ECS's circuit
breaker rolling a service back, services that never become stable, unhealthy targets.
"""

import io
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

from deploy import roll_service, rollback, run_migrations
from deploy.release_record import record_read, record_update
from tests.deploy.conftest import NEW_DIGEST, OLD_DIGEST, AwsStack, FakeClock

CLUSTER = "earfit-test"  # the Stubber tests' own names; the moto tests use the program's (aws_stack)
REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/release/earfit"
OLD = f"{REPO}@{OLD_DIGEST}"
NEW = f"{REPO}@{NEW_DIGEST}"


def migrate_argv(stack: AwsStack, *extra: str) -> list[str]:
    outputs = stack.outputs
    return ["--cluster", outputs["cluster_name"], "--task-definition", outputs["migrate_task_definition_family"],
            "--image", stack.image(), "--subnets", ",".join(outputs["private_subnet_ids"]),
            "--security-groups", outputs["task_security_group_id"], "--poll-interval", "1", "--timeout", "60", *extra]  # fmt: skip


def roll_argv(stack: AwsStack, record: Path, *extra: str) -> list[str]:
    names = ",".join(stack.outputs[f"{role}_service_name"] for role in ("web", "worker", "beat"))
    return ["--cluster", stack.outputs["cluster_name"], "--services", names, "--image", stack.image(),
            "--record", str(record), "--poll-interval", "1", "--timeout", "30", *extra]  # fmt: skip


# --- against moto ------------------------------------------------------------------------------


def test_migrations_run_the_new_image_in_the_private_subnets(aws_stack: AwsStack, clock: FakeClock) -> None:
    out = io.StringIO()
    assert run_migrations.main(migrate_argv(aws_stack), clients=aws_stack.clients, clock=clock, out=out) == 0, (
        out.getvalue()
    )
    ecs = aws_stack.client("ecs")
    cluster, family = aws_stack.outputs["cluster_name"], aws_stack.outputs["migrate_task_definition_family"]
    tasks = ecs.list_tasks(cluster=cluster, startedBy="earfit-deploy")["taskArns"]
    task = ecs.describe_tasks(cluster=cluster, tasks=tasks)["tasks"][0]
    assert task["lastStatus"] == "STOPPED"
    assert aws_stack.image_of(task["taskDefinitionArn"]) == aws_stack.image()
    assert task["taskDefinitionArn"].endswith(f"{family}:2")
    latest = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    (declared,) = aws_stack.view["task_definitions"][family]["containerDefinitions"]
    copied = latest["containerDefinitions"][0]
    assert copied["image"] == aws_stack.image()
    assert {key: copied[key] for key in declared if key != "image"} == {
        k: v for k, v in declared.items() if k != "image"
    }
    assert out.getvalue().splitlines()[-1].startswith("run_migrations: ok — migrations exited 0")


def test_roll_moves_every_service_to_a_new_revision_with_only_the_image_changed(
    aws_stack: AwsStack, tmp_path: Path, clock: FakeClock
) -> None:
    before = aws_stack.service_task_definitions()
    record = tmp_path / "release-record.json"
    out = io.StringIO()
    assert roll_service.main(roll_argv(aws_stack, record), clients=aws_stack.clients, clock=clock, out=out) == 0, (
        out.getvalue()
    )
    after = aws_stack.service_task_definitions()
    ecs = aws_stack.client("ecs")
    for name, arn in after.items():
        assert arn.endswith(":2")
        assert arn != before[name]
        old, new = (ecs.describe_task_definition(taskDefinition=a)["taskDefinition"] for a in (before[name], arn))
        assert new["containerDefinitions"][0].pop("image") == aws_stack.image()
        assert old["containerDefinitions"][0].pop("image") == aws_stack.first_image(name)
        assert new["containerDefinitions"] == old["containerDefinitions"]
        assert (new["cpu"], new["memory"], new["executionRoleArn"]) == (
            old["cpu"],
            old["memory"],
            old["executionRoleArn"],
        )
    saved = record_read(record)
    assert saved["rolled"] is True
    assert {name: entry["previous"] for name, entry in saved["services"].items()} == before
    assert f"{aws_stack.outputs['web_service_name']}: 2 healthy target(s)" in out.getvalue()


def test_rollback_puts_the_recorded_task_definitions_back(
    aws_stack: AwsStack, tmp_path: Path, clock: FakeClock
) -> None:
    before = aws_stack.service_task_definitions()
    record = tmp_path / "release-record.json"
    assert (
        roll_service.main(roll_argv(aws_stack, record), clients=aws_stack.clients, clock=clock, out=io.StringIO()) == 0
    )
    out = io.StringIO()
    argv = ["--record", str(record), "--if-unverified", "--poll-interval", "1", "--timeout", "30"]
    assert rollback.main(argv, clients=aws_stack.clients, clock=clock, out=out) == 0, out.getvalue()
    assert aws_stack.service_task_definitions() == before
    assert record_read(record)["rolled_back"] is True


def test_rollback_leaves_a_verified_release_alone(aws_stack: AwsStack, tmp_path: Path, clock: FakeClock) -> None:
    record = tmp_path / "release-record.json"
    assert (
        roll_service.main(roll_argv(aws_stack, record), clients=aws_stack.clients, clock=clock, out=io.StringIO()) == 0
    )
    rolled = aws_stack.service_task_definitions()
    record_update(record, verified=True)
    out = io.StringIO()
    assert (
        rollback.main(["--record", str(record), "--if-unverified"], clients=aws_stack.clients, clock=clock, out=out)
        == 0
    )
    assert out.getvalue().splitlines()[-1] == "rollback: ok — the release was verified: nothing to roll back"
    assert aws_stack.service_task_definitions() == rolled


def test_dry_run_roll_registers_and_updates_nothing(aws_stack: AwsStack, tmp_path: Path, clock: FakeClock) -> None:
    before = aws_stack.service_task_definitions()
    out = io.StringIO()
    assert (
        roll_service.main(
            [*roll_argv(aws_stack, tmp_path / "r.json"), "--dry-run"], clients=aws_stack.clients, clock=clock, out=out
        )
        == 0
    )
    printed = out.getvalue()
    assert printed.count("dry run: would call ecs.register_task_definition") == 3
    assert printed.count("dry run: would call ecs.update_service") == 3
    assert aws_stack.service_task_definitions() == before
    assert not (tmp_path / "r.json").exists()


# --- with botocore's Stubber ---------------------------------------------------------------------


def ecs_stubbed() -> tuple[Any, Stubber]:
    ecs = boto3.client("ecs", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    return ecs, Stubber(ecs)


def task_definition(family: str, revision: int, image: str, command: str) -> dict[str, Any]:
    return {
        "taskDefinitionArn": f"arn:aws:ecs:eu-central-1:123456789012:task-definition/{family}:{revision}",
        "family": family,
        "revision": revision,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "containerDefinitions": [{"name": "app", "image": image, "command": [command], "memory": 512,
                                  "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/earfit/app", "awslogs-stream-prefix": "earfit"}}}],
    }  # fmt: skip


def expect_copy(stubber: Stubber, family: str, command: str) -> str:
    """DescribeTaskDefinition of the family's latest revision, then RegisterTaskDefinition of revision 8."""
    stubber.add_response("describe_task_definition", {"taskDefinition": task_definition(family, 7, OLD, command)},
                         {"taskDefinition": family, "include": ["TAGS"]})  # fmt: skip
    registered = task_definition(family, 8, NEW, command)
    expected = {k: v for k, v in registered.items() if k not in ("taskDefinitionArn", "revision")}
    stubber.add_response("register_task_definition", {"taskDefinition": registered}, expected)
    return str(registered["taskDefinitionArn"])


def logs_stubbed(lines: list[str]) -> Any:
    logs = boto3.client("logs", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(logs)
    stubber.add_response("get_log_events", {"events": [{"timestamp": 1, "message": line} for line in lines]},
                         {"logGroupName": "/earfit/app", "logStreamName": "earfit/app/t1", "limit": 40, "startFromHead": False})  # fmt: skip
    stubber.activate()
    return logs


def migration_stubs(stubber: Stubber, statuses: list[dict[str, Any]]) -> str:
    arn = expect_copy(stubber, "earfit-migrate", "migrate")
    task_arn = "arn:aws:ecs:eu-central-1:123456789012:task/earfit/t1"
    stubber.add_response(
        "run_task", {"tasks": [{"taskArn": task_arn, "lastStatus": "PROVISIONING"}], "failures": []},
        {"cluster": CLUSTER, "taskDefinition": arn, "launchType": "FARGATE", "count": 1, "startedBy": "earfit-deploy",
         "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}}},
    )  # fmt: skip
    for status in statuses:
        stubber.add_response(
            "describe_tasks", {"tasks": [{"taskArn": task_arn, **status}]}, {"cluster": CLUSTER, "tasks": [task_arn]}
        )
    return task_arn


MIGRATE = ["--cluster", CLUSTER, "--task-definition", "earfit-migrate", "--image", NEW, "--subnets", "subnet-a,subnet-b",
           "--security-groups", "sg-1", "--poll-interval", "10", "--timeout", "60"]  # fmt: skip


def test_a_migration_that_exits_1_fails_the_step_with_its_last_log_lines(clock: FakeClock) -> None:
    # Stubber: moto's tasks always exit 0.
    ecs, stubber = ecs_stubbed()
    migration_stubs(stubber, [{"lastStatus": "RUNNING"},
                              {"lastStatus": "STOPPED", "stoppedReason": "Essential container in task exited",
                               "containers": [{"name": "app", "exitCode": 1}]}])  # fmt: skip
    stubber.activate()
    logs = logs_stubbed(
        ["Applying recommendations.0012_fitting_index...", "django.db.utils.ProgrammingError: column exists"]
    )
    out = io.StringIO()
    code = run_migrations.main(MIGRATE, clients={"ecs": ecs, "logs": logs}.__getitem__, clock=clock, out=out)
    assert code == 1
    lines = out.getvalue().splitlines()
    assert "  | django.db.utils.ProgrammingError: column exists" in lines
    assert (
        lines[-1]
        == "run_migrations: FAILED — migrations exited 1 (task arn:aws:ecs:eu-central-1:123456789012:task/earfit/t1); no service was rolled"
    )
    stubber.assert_no_pending_responses()


def test_a_migration_still_running_at_the_bound_is_stopped_and_fails(clock: FakeClock) -> None:
    # Stubber: seven polls (60 s bound, 10 s apart) all RUNNING, then StopTask.
    ecs, stubber = ecs_stubbed()
    task_arn = migration_stubs(stubber, [{"lastStatus": "RUNNING"}] * 7)
    stubber.add_response(
        "stop_task",
        {"task": {"taskArn": task_arn}},
        {"cluster": CLUSTER, "task": task_arn, "reason": "migrations exceeded 60 s"},
    )
    stubber.activate()
    out = io.StringIO()
    assert (
        run_migrations.main(MIGRATE, clients={"ecs": ecs, "logs": logs_stubbed([])}.__getitem__, clock=clock, out=out)
        == 1
    )
    assert "did not finish within 60 s; the task" in out.getvalue().splitlines()[-1]
    stubber.assert_no_pending_responses()


SERVICES = ("earfit-web", "earfit-worker", "earfit-beat")


def service(name: str, task_def: str, deployments: list[dict[str, Any]], running: int = 2) -> dict[str, Any]:
    return {"serviceName": name, "status": "ACTIVE", "taskDefinition": task_def, "desiredCount": 2, "runningCount": running,
            "deployments": deployments, "loadBalancers": []}  # fmt: skip


def deployment(task_def: str, rollout: str, status: str = "PRIMARY") -> dict[str, Any]:
    return {
        "id": f"ecs-svc/{rollout}",
        "status": status,
        "taskDefinition": task_def,
        "rolloutState": rollout,
        "rolloutStateReason": rollout,
    }


def roll_stubs(stubber: Stubber) -> tuple[dict[str, str], dict[str, str]]:
    """DescribeServices, a copy of each service's family, an UpdateService each."""
    old = {name: f"arn:aws:ecs:eu-central-1:123456789012:task-definition/{name}:7" for name in SERVICES}
    stubber.add_response("describe_services", {"services": [service(n, old[n], [deployment(old[n], "COMPLETED")]) for n in SERVICES], "failures": []},
                         {"cluster": CLUSTER, "services": list(SERVICES)})  # fmt: skip
    new = {name: expect_copy(stubber, name, name.split("-")[1]) for name in SERVICES}
    for name in SERVICES:
        stubber.add_response(
            "update_service",
            {"service": service(name, new[name], [])},
            {"cluster": CLUSTER, "service": name, "taskDefinition": new[name]},
        )
    return old, new


def roll(ecs: Any, record: Path, clock: FakeClock) -> tuple[int, str]:
    out = io.StringIO()
    argv = ["--cluster", CLUSTER, "--services", ",".join(SERVICES), "--image", NEW, "--record", str(record),
            "--poll-interval", "15", "--timeout", "60", "--skip-target-health"]  # fmt: skip
    return roll_service.main(argv, clients=lambda _: ecs, clock=clock, out=out), out.getvalue()


def test_services_that_never_become_stable_fail_at_the_bound_with_the_old_revisions_recorded(
    tmp_path: Path, clock: FakeClock
) -> None:
    # Stubber: moto's rollout state is fixed; here web keeps two deployments for all five polls.
    ecs, stubber = ecs_stubbed()
    old, new = roll_stubs(stubber)
    for _ in range(5):
        stubber.add_response("describe_services", {"services": [
            service(n, new[n], [deployment(new[n], "IN_PROGRESS"), deployment(old[n], "COMPLETED", "ACTIVE")] if n == "earfit-web" else [deployment(new[n], "COMPLETED")], running=1 if n == "earfit-web" else 2)
            for n in SERVICES], "failures": []}, {"cluster": CLUSTER, "services": list(SERVICES)})  # fmt: skip
    stubber.activate()
    record = tmp_path / "release-record.json"
    code, out = roll(ecs, record, clock)
    assert code == 1
    assert (
        out.splitlines()[-1]
        == "roll_service: FAILED — not stable within 60 s: earfit-web: 1/2 running, 2 deployment(s), rollout IN_PROGRESS"
    )
    assert {n: e["previous"] for n, e in record_read(record)["services"].items()} == old
    assert record_read(record)["rolled"] is False
    stubber.assert_no_pending_responses()


def test_a_failed_rollout_stops_the_wait_at_once(tmp_path: Path, clock: FakeClock) -> None:
    # Stubber: the circuit breaker marks the new deployment FAILED on the first poll.
    ecs, stubber = ecs_stubbed()
    old, new = roll_stubs(stubber)
    stubber.add_response("describe_services", {"services": [
        service(n, new[n], [deployment(new[n], "FAILED"), deployment(old[n], "IN_PROGRESS", "ACTIVE")]) for n in SERVICES], "failures": []},
        {"cluster": CLUSTER, "services": list(SERVICES)})  # fmt: skip
    stubber.activate()
    code, out = roll(ecs, tmp_path / "r.json", clock)
    assert code == 1
    assert (
        out.splitlines()[-1] == f"roll_service: FAILED — ECS gave up rolling earfit-web to {new['earfit-web']}: FAILED"
    )
    assert clock.sleeps == []
    stubber.assert_no_pending_responses()


def test_a_circuit_breaker_rollback_is_reported_as_such(tmp_path: Path, clock: FakeClock) -> None:
    # Stubber: ECS already put web back on its old revision, steady, when the step looks.
    ecs, stubber = ecs_stubbed()
    old, new = roll_stubs(stubber)
    stubber.add_response("describe_services", {"services": [
        service(n, old[n] if n == "earfit-web" else new[n], [deployment(old[n] if n == "earfit-web" else new[n], "COMPLETED")]) for n in SERVICES],
        "failures": []}, {"cluster": CLUSTER, "services": list(SERVICES)})  # fmt: skip
    stubber.activate()
    code, out = roll(ecs, tmp_path / "r.json", clock)
    assert code == 1
    assert (
        out.splitlines()[-1]
        == f"roll_service: FAILED — ECS's circuit breaker rolled earfit-web back to {old['earfit-web']} instead of {new['earfit-web']}"
    )


def test_unhealthy_targets_fail_the_roll(tmp_path: Path, clock: FakeClock) -> None:
    # Stubber: moto reports every registered target healthy.
    ecs, stubber = ecs_stubbed()
    _old, new = roll_stubs(stubber)
    settled = {"services": [dict(service(n, new[n], [deployment(new[n], "COMPLETED")]),
                                 loadBalancers=[{"targetGroupArn": "arn:tg/web"}] if n == "earfit-web" else []) for n in SERVICES], "failures": []}  # fmt: skip
    stubber.add_response("describe_services", settled, {"cluster": CLUSTER, "services": list(SERVICES)})
    stubber.add_response("describe_services", settled, {"cluster": CLUSTER, "services": list(SERVICES)})
    stubber.activate()
    elbv2 = boto3.client("elbv2", region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x")
    elb_stubber = Stubber(elbv2)
    elb_stubber.add_response("describe_target_health", {"TargetHealthDescriptions": [
        {"Target": {"Id": "10.0.0.1"}, "TargetHealth": {"State": "healthy"}}, {"Target": {"Id": "10.0.0.2"}, "TargetHealth": {"State": "unhealthy"}}]},
        {"TargetGroupArn": "arn:tg/web"})  # fmt: skip
    elb_stubber.activate()
    out = io.StringIO()
    argv = [
        "--cluster",
        CLUSTER,
        "--services",
        ",".join(SERVICES),
        "--image",
        NEW,
        "--record",
        str(tmp_path / "r.json"),
        "--poll-interval",
        "15",
    ]
    assert roll_service.main(argv, clients={"ecs": ecs, "elbv2": elbv2}.__getitem__, clock=clock, out=out) == 1
    assert (
        out.getvalue().splitlines()[-1]
        == "roll_service: FAILED — earfit-web's target group arn:tg/web is not healthy: ['healthy', 'unhealthy']"
    )


def test_a_manual_rollback_puts_named_revisions_back(clock: FakeClock) -> None:
    # Stubber: the exact UpdateService calls, then one stable poll.
    ecs, stubber = ecs_stubbed()
    target = "arn:aws:ecs:eu-central-1:123456789012:task-definition/earfit-web:41"
    stubber.add_response(
        "update_service",
        {"service": service("earfit-web", target, [])},
        {"cluster": CLUSTER, "service": "earfit-web", "taskDefinition": target},
    )
    stubber.add_response("describe_services", {"services": [service("earfit-web", target, [deployment(target, "COMPLETED")])], "failures": []},
                         {"cluster": CLUSTER, "services": ["earfit-web"]})  # fmt: skip
    stubber.activate()
    out = io.StringIO()
    assert (
        rollback.main(
            ["--cluster", CLUSTER, "--service", f"earfit-web={target}"], clients=lambda _: ecs, clock=clock, out=out
        )
        == 0
    )
    stubber.assert_no_pending_responses()


def test_dry_run_migrations_register_and_run_nothing(aws_stack: AwsStack, clock: FakeClock) -> None:
    out = io.StringIO()
    assert (
        run_migrations.main([*migrate_argv(aws_stack), "--dry-run"], clients=aws_stack.clients, clock=clock, out=out)
        == 0
    )
    printed = out.getvalue()
    assert "dry run: would call ecs.register_task_definition(" in printed
    family = aws_stack.outputs["migrate_task_definition_family"]
    assert f'"taskDefinition": "<new revision of {family}>"' in printed
    ecs = aws_stack.client("ecs")
    assert ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]["revision"] == 1
    assert ecs.list_tasks(cluster=aws_stack.outputs["cluster_name"])["taskArns"] == []
