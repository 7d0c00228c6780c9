"""Run the database migrations as a one-off ECS task on the new image, before any service rolls.

The migrate task definition (its command is the image's `migrate`) gets a new revision with only
the image changed and runs once on Fargate in the private subnets. The step waits for the task
to stop, with a bound, prints the container's last log lines, and fails unless the container
exited 0. A task still running at the bound is stopped, so a retried deployment never runs two
migrations at once; Django applies each migration in its own transaction on PostgreSQL, so a
stopped run leaves whole migrations behind, and the next run goes on from there.
"""

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from botocore.exceptions import ClientError

from deploy.ecs import task_definition_draft, task_definition_register
from deploy.runtime import (
    Actions,
    AwsClients,
    Client,
    ClientFactory,
    Clock,
    Deadline,
    RealClock,
    StepFailed,
    add_aws_options,
    comma_list,
    positive_seconds,
    step_main,
)

STARTED_BY = "earfit-deploy"


@dataclass(frozen=True)
class MigrationRun:
    task_arn: str
    exit_code: int | None
    log_lines: tuple[str, ...]


def task_logs_tail(*, logs: Client, container: dict[str, Any], task_arn: str, lines: int) -> tuple[str, ...]:
    """The container's last log lines, from the awslogs stream ECS names <prefix>/<container>/<task id>."""
    options = (container.get("logConfiguration") or {}).get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    if not group or not prefix:
        return ("(no awslogs configuration on the container: no log lines to show)",)
    stream = f"{prefix}/{container['name']}/{task_arn.rsplit('/', 1)[-1]}"
    try:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=lines, startFromHead=False)[
            "events"
        ]
    except ClientError as error:
        return (f"(could not read {group}/{stream}: {error})",)
    return tuple(str(event["message"]).rstrip() for event in events)


def migrations_run(
    *,
    ecs: Client,
    logs: Client,
    cluster: str,
    task_definition: str,
    image: str,
    subnets: list[str],
    security_groups: list[str],
    deadline: Deadline,
    log_lines: int,
    actions: Actions,
) -> MigrationRun:
    draft = task_definition_draft(ecs=ecs, task_definition=task_definition, image=image)
    arn = task_definition_register(ecs=ecs, draft=draft, actions=actions)
    started = actions.call(
        ecs,
        "run_task",
        cluster=cluster,
        taskDefinition=arn,
        launchType="FARGATE",
        count=1,
        startedBy=STARTED_BY,
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": subnets, "securityGroups": security_groups, "assignPublicIp": "DISABLED"}
        },
    )
    if started is None:
        actions.say(f"dry run: would wait up to {deadline.seconds:.0f} s for the task to stop and read its exit code")
        return MigrationRun(task_arn="<task>", exit_code=0, log_lines=())
    if started.get("failures") or not started.get("tasks"):
        reasons = "; ".join(f"{f.get('arn', '')} {f.get('reason', '')}".strip() for f in started.get("failures", []))
        raise StepFailed(f"ECS did not start the migration task: {reasons or 'no task returned'}")
    task_arn = str(started["tasks"][0]["taskArn"])
    actions.say(f"started {task_arn}")
    container_name = draft.containers[0]
    container_def = next(c for c in draft.params["containerDefinitions"] if c["name"] == container_name)
    task: dict[str, Any] = {}
    for elapsed in deadline.polls():
        task = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"][0]
        actions.say(f"[{elapsed:5.0f} s of {deadline.seconds:.0f} s] migration task {task.get('lastStatus')}")
        if task.get("lastStatus") == "STOPPED":
            break
    else:
        actions.call(
            ecs, "stop_task", cluster=cluster, task=task_arn, reason=f"migrations exceeded {deadline.seconds:.0f} s"
        )
        tail = task_logs_tail(logs=logs, container=container_def, task_arn=task_arn, lines=log_lines)
        for line in tail:
            actions.say(f"  | {line}")
        raise StepFailed(f"migrations did not finish within {deadline.seconds:.0f} s; the task {task_arn} was stopped")
    container: dict[str, Any] = next((c for c in task.get("containers", []) if c.get("name") == container_name), {})
    exit_code = container.get("exitCode")
    tail = task_logs_tail(logs=logs, container=container_def, task_arn=task_arn, lines=log_lines)
    for line in tail:
        actions.say(f"  | {line}")
    if exit_code is None:
        reason = container.get("reason") or task.get("stoppedReason") or "no exit code"
        raise StepFailed(f"the migration container never ran to an end: {reason}")
    if exit_code != 0:
        raise StepFailed(f"migrations exited {exit_code} (task {task_arn}); no service was rolled")
    return MigrationRun(task_arn=task_arn, exit_code=int(exit_code), log_lines=tail)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.run_migrations", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", required=True, help="ECS cluster name")
    parser.add_argument(
        "--task-definition", required=True, help="the migrate task definition family (its latest revision is copied)"
    )
    parser.add_argument("--image", required=True, help="the new image, repository@sha256:digest")
    parser.add_argument("--subnets", type=comma_list, required=True, help="private subnet ids, comma-separated")
    parser.add_argument("--security-groups", type=comma_list, required=True, help="security group ids, comma-separated")
    parser.add_argument(
        "--timeout", type=positive_seconds, default=900.0, help="seconds to wait for the task (default: 900)"
    )
    parser.add_argument(
        "--poll-interval", type=positive_seconds, default=10.0, help="seconds between polls (default: 10)"
    )
    parser.add_argument("--log-lines", type=int, default=40, help="log lines to print from the task (default: 40)")
    add_aws_options(parser)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: ClientFactory | None = None,
    clock: Clock | None = None,
    out: TextIO | None = None,
) -> int:
    def run(args: argparse.Namespace, actions: Actions) -> str:
        factory = clients or AwsClients(region=args.region, role_arn=args.role_arn)
        result = migrations_run(
            ecs=factory("ecs"),
            logs=factory("logs"),
            cluster=args.cluster,
            task_definition=args.task_definition,
            image=args.image,
            subnets=args.subnets,
            security_groups=args.security_groups,
            deadline=Deadline(args.timeout, args.poll_interval, clock or RealClock()),
            log_lines=args.log_lines,
            actions=actions,
        )
        return f"migrations exited 0 ({result.task_arn})"

    return step_main("run_migrations", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
