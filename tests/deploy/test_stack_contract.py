"""The pipeline and the infra program agree: what the steps read, call and ask for is what the
program declares (its view, `aws_stack.view`, computed by the program under Pulumi's mocks), and
what bamboo.yml names per environment is what each committed stack configuration says."""

import io
import re
import shlex
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy import pulumi_stack, run_migrations, smoke_test
from deploy.plan_check import ROOT, deploy_commands, plan_load, script_lines, task_kind
from deploy.stack_outputs import STACK_OUTPUTS
from tests.deploy.conftest import AwsStack, FakeClock, cloudfront_route, write_build

INFRA = ROOT / "infra"
STACK_FILES = {path.stem.removeprefix("Pulumi."): path for path in INFRA.glob("Pulumi.*.yaml")}
ALB, BUCKET = "alb", "bucket"


def stack_config(stack: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load(STACK_FILES[stack].read_text())["config"]
    return config


def environment(name: str) -> dict[str, Any]:
    body: dict[str, Any] = plan_load()[1][name]
    return body


def plan_commands(tasks: list[Any], step: str) -> list[list[str]]:
    return [
        command[1:]
        for task in tasks
        if task_kind(task)[0] == "script"
        for line in script_lines(task_kind(task)[1])
        for command in deploy_commands(line)
        if command[0] == f"deploy.{step}"
    ]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


# --- outputs -----------------------------------------------------------------------------------


def test_the_program_exports_every_output_the_steps_read_in_a_form_bamboo_can_inject(
    aws_stack: AwsStack, tmp_path: Path
) -> None:
    program = aws_stack.view["outputs"]
    assert sorted(program) == sorted(STACK_OUTPUTS)
    properties = pulumi_stack.outputs_properties(program)
    assert len(properties.splitlines()) == len(STACK_OUTPUTS)
    assert f"private_subnet_ids={','.join(program['private_subnet_ids'])}" in properties.splitlines()


def test_every_stack_output_the_plan_uses_is_one_the_program_exports() -> None:
    used = {
        name.removeprefix("stack_")
        for name in re.findall(r"\$\{?bamboo_(stack_[a-z_]+)", (ROOT / "bamboo-specs" / "bamboo.yml").read_text())
    }
    assert used <= set(STACK_OUTPUTS)
    assert {"ecr_repository_url", "site_domain_name", "private_subnet_ids", "task_security_group_id"} <= used


# --- CloudFront routes what the smoke test asks to the right origin ----------------------------


def test_each_smoke_check_reaches_the_origin_that_must_answer_it(aws_stack: AwsStack, tmp_path: Path) -> None:
    parser = smoke_test.build_parser()
    defaults = parser.parse_args(["--base-url", "https://x"])
    index = (write_build(tmp_path / "dist", version="b2") / "index.html").read_bytes()
    checks = smoke_test.smoke_checks(
        index=index,
        health_path=defaults.health_path,
        ready_path=defaults.ready_path,
        questionnaire_path=defaults.questionnaire_path,
    )
    distribution = aws_stack.view["distribution"]
    expected = {
        "liveness": ALB,
        "readiness": ALB,
        "questionnaire API": ALB,
        "index.html": BUCKET,
        "hashed asset": BUCKET,
    }
    routed = {check.name: cloudfront_route(distribution, check.path) for check in checks}
    assert {name: behaviour["origin"] for name, behaviour in routed.items()} == expected
    caching_disabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    for name in ("liveness", "readiness", "questionnaire API"):
        assert routed[name]["cachePolicyId"] == caching_disabled, name
    # The target group's health check is the liveness path the smoke test asks.
    assert aws_stack.view["target_group"]["healthCheckPath"] == defaults.health_path


# --- the migrate task's log lines --------------------------------------------------------------


class AwslogsDriver:
    """ECS's awslogs driver, which cannot run here: when the task starts, it writes the container's
    output to `<awslogs-stream-prefix>/<container name>/<task id>` in the container's
    `awslogs-group` (AWS's documented stream name), read from the program's task definition."""

    def __init__(self, *, ecs: Any, logs: Any, container: dict[str, Any], lines: list[str]) -> None:
        self.ecs, self.logs, self.container, self.lines = ecs, logs, container, lines
        self.streams: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ecs, name)

    def run_task(self, **params: Any) -> dict[str, Any]:
        started: dict[str, Any] = self.ecs.run_task(**params)
        options = self.container["logConfiguration"]["options"]
        task_id = started["tasks"][0]["taskArn"].rsplit("/", 1)[-1]
        group, stream = (
            options["awslogs-group"],
            f"{options['awslogs-stream-prefix']}/{self.container['name']}/{task_id}",
        )
        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
        now = int(time.time() * 1000)
        self.logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            # CloudWatch Logs refuses events older than 14 days: stamp them now, as the driver does.
            logEvents=[{"timestamp": now + n, "message": line} for n, line in enumerate(self.lines)],
        )
        self.streams.append((group, stream))
        return started


def test_run_migrations_prints_the_last_lines_of_the_log_stream_the_program_configures(
    aws_stack: AwsStack, clock: FakeClock
) -> None:
    outputs = aws_stack.outputs
    family = outputs["migrate_task_definition_family"]
    (container,) = aws_stack.view["task_definitions"][family]["containerDefinitions"]
    options = container["logConfiguration"]["options"]
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert options["awslogs-group"] in aws_stack.view["log_groups"]
    assert options["awslogs-stream-prefix"]
    assert options["awslogs-region"] == outputs["aws_region"]
    lines = ["Operations to perform:", "  Apply all migrations: accounts, recommendations", "No migrations to apply."]
    driver = AwslogsDriver(ecs=aws_stack.client("ecs"), logs=aws_stack.client("logs"), container=container, lines=lines)
    out = io.StringIO()
    argv = ["--cluster", outputs["cluster_name"], "--task-definition", family, "--image", aws_stack.image(),
            "--subnets", ",".join(outputs["private_subnet_ids"]), "--security-groups", outputs["task_security_group_id"],
            "--poll-interval", "1", "--timeout", "30"]  # fmt: skip
    clients = {"ecs": driver, "logs": aws_stack.client("logs")}
    assert run_migrations.main(argv, clients=clients.__getitem__, clock=clock, out=out) == 0, out.getvalue()
    (stream,) = driver.streams
    assert stream[0] == f"/earfit/{aws_stack.view['stack']}/migrate"
    assert [line.removeprefix("  | ") for line in out.getvalue().splitlines() if line.startswith("  | ")] == lines


def test_every_container_of_every_task_definition_logs_through_awslogs_with_a_stream_prefix(
    aws_stack: AwsStack,
) -> None:
    for family, definition in aws_stack.view["task_definitions"].items():
        for container in definition["containerDefinitions"]:
            configuration = container["logConfiguration"]
            assert configuration["logDriver"] == "awslogs", family
            assert configuration["options"]["awslogs-stream-prefix"], family
            assert configuration["options"]["awslogs-group"] in aws_stack.view["log_groups"], family
    assert aws_stack.outputs["web_log_group_name"] in aws_stack.view["log_groups"]


# --- what each environment of bamboo.yml names is what its stack's configuration says ----------


def test_every_committed_stack_is_previewed_and_deployed_by_the_plan() -> None:
    plan, deployment = plan_load()[0], plan_load()[1]
    previews = {option(c, "--stack") for c in plan_commands(plan["Preview"]["tasks"], "pulumi_stack")}
    deployed = {str(environment(name)["variables"]["pulumi_stack"]) for name in deployment["environments"]}
    assert previews == deployed == set(STACK_FILES)


@pytest.mark.parametrize("name", ["dev", "staging", "prod", "prod-dr"])
def test_an_environment_deploys_into_the_account_region_and_role_its_stack_names(name: str) -> None:
    variables = environment(name)["variables"]
    config = stack_config(str(variables["pulumi_stack"]))
    assert variables["aws_region"] == config["earfit:region"]
    # The steps assume this role; the program's providers assume the stack's: the same one.
    assert variables["deploy_role_arn"] == config["earfit:deployRoleArn"]
    assert config["earfit:deployRoleArn"].split(":")[4] == str(config["earfit:accountId"])


def test_previews_run_in_each_stack_region_and_no_pulumi_task_assumes_a_role() -> None:
    plan = plan_load()[0]
    variables = plan["variables"]
    for command in plan_commands(plan["Preview"]["tasks"], "pulumi_stack"):
        region = option(command, "--region").removeprefix("$bamboo_")
        assert variables[region] == stack_config(option(command, "--stack"))["earfit:region"]
        assert option(command, "--image-tag") == "$bamboo_image_tag"
    for name in plan_load()[1]["environments"]:
        for command in plan_commands(environment(name)["tasks"], "pulumi_stack"):
            assert "--role-arn" not in command
            if command[0] == "up":
                assert option(command, "--image-tag") == "$bamboo_image_tag"


def test_every_stack_pulls_releases_from_the_repository_the_plan_pushes_to() -> None:
    plan = plan_load()[0]
    (push,) = plan_commands(plan["Image"]["tasks"], "push_image")
    pushed_to = plan["variables"][option(push, "--repository-url").removeprefix("$bamboo_")]
    assert {stack_config(stack)["earfit:releaseRepositoryUrl"] for stack in STACK_FILES} == {pushed_to}
    # Migrations and the roll run the release by digest from the stack's own repository.
    for step in ("run_migrations", "roll_service"):
        (command,) = plan_commands(environment("dev")["tasks"], step)
        assert option(command, "--image") == "$bamboo_stack_ecr_repository_url@$bamboo_image_digest"


# --- the release sources carry everything the program reads ------------------------------------


def test_the_release_sources_are_enough_to_load_the_program_configuration(tmp_path: Path) -> None:
    plan = plan_load()[0]
    (line,) = [
        line
        for task in plan["Test"]["tasks"]
        if task_kind(task)[0] == "script"
        for line in script_lines(task_kind(task)[1])
        if "release-sources.tar.gz" in line
    ]
    archive = tmp_path / "release-sources.tar.gz"
    command = [archive.as_posix() if word == "release-sources.tar.gz" else word for word in shlex.split(line)]
    subprocess.run(command, cwd=ROOT, check=True, timeout=120)  # noqa: S603 -- bamboo.yml's own tar command
    agent = tmp_path / "agent"
    with tarfile.open(archive) as packed:
        packed.extractall(agent, filter="data")
    # infra/contract.py reads the application's retention days from outside infra/ (the policy pack too).
    completed = subprocess.run(
        [sys.executable, "-c", "import contract; print(contract.app_photo_retention_days())"],
        cwd=agent / "infra", capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == str(stack_config("prod")["earfit:photoRetentionDays"])
    assert not list(agent.glob("infra/.venv*"))
