"""Roll the web, worker and beat services to the new image and wait until ECS calls them stable.

For each service a new task definition revision is registered from the latest revision of the
service's family (what `pulumi up` last registered), with only the image changed; the task
definitions the services run now are written to the release record first, so the rollback step
can put them back whatever happens next. Then every service is updated and the step waits, with
a bound, for ECS's steady state on the new revision, failing at once when ECS's deployment
circuit breaker gives up (a FAILED rollout, or the service put back on its old revision). Target
groups the services serve through must then hold only healthy targets.
"""

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from deploy.ecs import services_wait_stable, target_groups_check, task_definition_draft, task_definition_register
from deploy.release_record import record_update
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


def services_roll(
    *,
    ecs: Client,
    elbv2: Client,
    cluster: str,
    services: list[str],
    image: str,
    record: Path,
    deadline: Deadline,
    check_targets: bool,
    actions: Actions,
) -> dict[str, str]:
    described = ecs.describe_services(cluster=cluster, services=services)
    if described.get("failures"):
        raise StepFailed(
            f"services not found in {cluster}: {', '.join(f.get('arn', '?') for f in described['failures'])}"
        )
    current = {str(s["serviceName"]): str(s["taskDefinition"]) for s in described["services"]}
    inactive = [s["serviceName"] for s in described["services"] if s.get("status") != "ACTIVE"]
    if inactive:
        raise StepFailed(f"services not ACTIVE: {', '.join(inactive)}")
    new = {}
    for name in services:
        family = current[name].rsplit("/", 1)[-1].split(":", 1)[0]
        draft = task_definition_draft(ecs=ecs, task_definition=family, image=image)
        new[name] = task_definition_register(ecs=ecs, draft=draft, actions=actions)
    if not actions.dry_run:
        record_update(
            record,
            cluster=cluster,
            image=image,
            services={name: {"previous": current[name], "new": new[name]} for name in services},
            rolled=False,
        )
    for name in services:
        actions.call(ecs, "update_service", cluster=cluster, service=name, taskDefinition=new[name])
    if actions.dry_run:
        actions.say(f"dry run: would wait up to {deadline.seconds:.0f} s for {', '.join(services)} to be stable")
        return new
    services_wait_stable(ecs=ecs, cluster=cluster, expected=new, deadline=deadline, actions=actions)
    if check_targets:
        settled = ecs.describe_services(cluster=cluster, services=services)["services"]
        for line in target_groups_check(elbv2=elbv2, services=settled):
            actions.say(line)
    record_update(record, rolled=True)
    return new


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.roll_service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cluster", required=True, help="ECS cluster name")
    parser.add_argument(
        "--services", type=comma_list, required=True, help="service names, comma-separated (web,worker,beat)"
    )
    parser.add_argument("--image", required=True, help="the new image, repository@sha256:digest")
    parser.add_argument("--record", type=Path, required=True, help="the release record (JSON) the rollback step reads")
    parser.add_argument(
        "--timeout", type=positive_seconds, default=900.0, help="seconds to wait for steady state (default: 900)"
    )
    parser.add_argument(
        "--poll-interval", type=positive_seconds, default=15.0, help="seconds between polls (default: 15)"
    )
    parser.add_argument(
        "--skip-target-health",
        action="store_true",
        help="do not check the load balancer's target groups after the roll",
    )
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
        new = services_roll(
            ecs=factory("ecs"),
            elbv2=factory("elbv2"),
            cluster=args.cluster,
            services=args.services,
            image=args.image,
            record=args.record,
            deadline=Deadline(args.timeout, args.poll_interval, clock or RealClock()),
            check_targets=not args.skip_target_health,
            actions=actions,
        )
        return "stable on " + ", ".join(f"{name} → {arn.rsplit('/', 1)[-1]}" for name, arn in new.items())

    return step_main("roll_service", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
