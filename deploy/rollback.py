"""Undo an unverified release: services back to the task definitions they ran before, and the
previous `index.html` back in the static bucket.

The plan runs it as a final task, after every deployment, passed or failed: with `--if-unverified`
it does nothing when the smoke test verified the release, and nothing when no service was rolled
yet (a failed migration stops a deployment before that; migrations themselves are never reversed,
which is why they must keep the previous release working). By hand, `--service NAME=TASK_DEFINITION`
puts services on given revisions without a record.

Exit code 0 when everything it had to undo is undone (or there was nothing), 1 when it could not.
"""

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from deploy.ecs import services_wait_stable
from deploy.publish_frontend import INDEX, MANIFEST_KEY, NO_CACHE, paths_invalidate
from deploy.release_record import record_read, record_update
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
    positive_seconds,
    step_main,
)


def services_restore(
    *, ecs: Client, cluster: str, previous: dict[str, str], deadline: Deadline, actions: Actions
) -> None:
    for name, task_definition in previous.items():
        actions.call(ecs, "update_service", cluster=cluster, service=name, taskDefinition=task_definition)
        actions.say(f"{name} → {task_definition}")
    if not actions.dry_run:
        services_wait_stable(ecs=ecs, cluster=cluster, expected=previous, deadline=deadline, actions=actions)


def frontend_restore(*, s3: Client, cloudfront: Client, frontend: dict[str, Any], actions: Actions) -> str:
    bucket = frontend["bucket"]
    if frontend.get("previous_index") is None:
        return "the bucket had no index.html before this release: the new one stays"
    actions.call(
        s3, "put_object", Bucket=bucket, Key=INDEX, Body=frontend["previous_index"].encode(),
        ContentType="text/html; charset=utf-8", CacheControl=NO_CACHE,
    )  # fmt: skip
    if frontend.get("previous_manifest") is not None:
        # The rolled-back release becomes "previous", so the next publish keeps its files one more time.
        manifest = {
            "current": frontend["previous_manifest"]["current"],
            "previous": {"release": frontend["release"], "files": []},
        }
        actions.call(
            s3, "put_object", Bucket=bucket, Key=MANIFEST_KEY, Body=json.dumps(manifest, indent=1, sort_keys=True).encode(),
            ContentType="application/json", CacheControl=NO_CACHE,
        )  # fmt: skip
    paths_invalidate(
        cloudfront=cloudfront, distribution_id=frontend["distribution_id"], paths=["/", f"/{INDEX}"], deadline=None,
        actions=actions, reference=f"rollback-{frontend['release']}-{int(time.time())}",
    )  # fmt: skip
    return f"previous index.html restored in {bucket}"


def release_rollback(
    *, clients: ClientFactory, record_path: Path | None, manual: dict[str, str], cluster: str | None,
    if_unverified: bool, deadline: Deadline, actions: Actions,
) -> str:  # fmt: skip
    if manual:
        if not cluster:
            raise StepFailed("--service NAME=TASK_DEFINITION needs --cluster")
        services_restore(ecs=clients("ecs"), cluster=cluster, previous=manual, deadline=deadline, actions=actions)
        return f"{', '.join(manual)} back on the given task definitions"
    if record_path is None:
        raise StepFailed("nothing to roll back from: give --record, or --cluster with --service NAME=TASK_DEFINITION")
    record = record_read(record_path)
    if if_unverified and record.get("verified"):
        return "the release was verified: nothing to roll back"
    done = []
    services = record.get("services") or {}
    if services:
        previous = {name: entry["previous"] for name, entry in services.items()}
        services_restore(
            ecs=clients("ecs"), cluster=record["cluster"], previous=previous, deadline=deadline, actions=actions
        )
        done.append(f"{', '.join(previous)} back on their previous task definitions")
    if record.get("frontend"):
        done.append(
            frontend_restore(
                s3=clients("s3"), cloudfront=clients("cloudfront"), frontend=record["frontend"], actions=actions
            )
        )
    if not done:
        return "no service was rolled and nothing was published: nothing to roll back"
    if not actions.dry_run:
        record_update(record_path, rolled_back=True)
    return "; ".join(done)


def service_pair(value: str) -> tuple[str, str]:
    name, _, task_definition = value.partition("=")
    if not name or not task_definition:
        raise argparse.ArgumentTypeError(f"expected NAME=TASK_DEFINITION, got {value!r}")
    return name, task_definition


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.rollback", description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", type=Path, help="the release record the deployment's steps wrote")
    parser.add_argument(
        "--if-unverified", action="store_true", help="do nothing when the smoke test verified the release"
    )
    parser.add_argument("--cluster", help="ECS cluster (with --service)")
    parser.add_argument(
        "--service", type=service_pair, action="append", default=[], metavar="NAME=TASK_DEFINITION",
        help="by hand: put this service on this task definition (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=positive_seconds, default=900.0, help="seconds to wait for steady state (default: 900)"
    )
    parser.add_argument(
        "--poll-interval", type=positive_seconds, default=15.0, help="seconds between polls (default: 15)"
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
        return release_rollback(
            clients=clients or AwsClients(region=args.region, role_arn=args.role_arn),
            record_path=args.record,
            manual=dict(args.service),
            cluster=args.cluster,
            if_unverified=args.if_unverified,
            deadline=Deadline(args.timeout, args.poll_interval, clock or RealClock()),
            actions=actions,
        )

    return step_main("rollback", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
