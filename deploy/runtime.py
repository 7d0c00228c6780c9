"""What every step shares: AWS clients, the dry-run switch, bounded waits, and how a step ends.

A step ends with one summary line, `<step>: ok — …` or `<step>: FAILED — …`, and exit code 0 or 1
(2 for a usage error, as argparse does), so Bamboo's log shows why a release stopped in one line.
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Any boto3 client: the steps use a handful of operations and the tests hand in emulated or
# stubbed clients, so a structural type would only restate botocore's.
Client = Any
ClientFactory = Callable[[str], Client]

# Standard retry mode backs off on throttling, which ECS answers often during a roll.
AWS_CONFIG = Config(retries={"mode": "standard", "max_attempts": 8}, connect_timeout=10, read_timeout=60)


class StepFailed(Exception):
    """The step cannot go on; the message is the one line the summary shows."""


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class RealClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class Deadline:
    """A bound on a wait: `for elapsed in deadline.polls():` sleeps between rounds and stops at the bound."""

    seconds: float
    interval: float
    clock: Clock = field(default_factory=RealClock)

    def polls(self) -> Iterator[float]:
        start = self.clock.now()
        while True:
            elapsed = self.clock.now() - start
            yield elapsed
            if elapsed + self.interval > self.seconds:
                return
            self.clock.sleep(self.interval)


class AwsClients:
    """boto3 clients for one region, as the agent's own IAM role or as a role it assumes.

    No keys are passed around: the agent's instance role (or whatever the default credential
    chain finds) signs the calls, and `role_arn` moves them into a stack's account.
    """

    def __init__(self, *, region: str | None, role_arn: str | None = None, session_name: str = "earfit-deploy") -> None:
        self.region = region
        self.role_arn = role_arn
        self.session_name = session_name
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Client] = {}

    def session(self) -> boto3.session.Session:
        if self._session is None:
            base = boto3.session.Session(region_name=self.region)
            if self.role_arn:
                credentials = base.client("sts", config=AWS_CONFIG).assume_role(
                    RoleArn=self.role_arn, RoleSessionName=self.session_name, DurationSeconds=3600
                )["Credentials"]
                base = boto3.session.Session(
                    region_name=self.region,
                    aws_access_key_id=credentials["AccessKeyId"],
                    aws_secret_access_key=credentials["SecretAccessKey"],
                    aws_session_token=credentials["SessionToken"],
                )
            self._session = base
        return self._session

    def __call__(self, service: str) -> Client:
        if service not in self._clients:
            self._clients[service] = self.session().client(service, config=AWS_CONFIG)
        return self._clients[service]


@dataclass
class Actions:
    """Calls that change something go through here: in a dry run they are printed, not made.

    Reads are always made, because what a step would change depends on what is there.
    """

    dry_run: bool
    out: TextIO = field(default_factory=lambda: sys.stdout)

    def call(self, client: Client, operation: str, **params: Any) -> dict[str, Any] | None:
        if self.dry_run:
            self.say(
                f"dry run: would call {service_name(client)}.{operation}({json.dumps(params, default=str, sort_keys=True)})"
            )
            return None
        result: dict[str, Any] = getattr(client, operation)(**params)
        return result

    def say(self, message: str) -> None:
        print(message, file=self.out, flush=True)


def file_write_whole(path: Path, text: str) -> None:
    """Write, then rename: a step that dies mid-write leaves the old file or none, never half of one."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def service_name(client: Client) -> str:
    return str(client.meta.service_model.service_name)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def add_aws_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        help="AWS region (default: $AWS_REGION)",
    )
    parser.add_argument(
        "--role-arn", help="assume this IAM role first (the stack's deploy role); default: the agent's own role"
    )
    add_dry_run_option(parser)


def add_dry_run_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print the calls that would change something, and make none"
    )


def positive_seconds(value: str) -> float:
    seconds = float(value)
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more seconds, not {value}")
    return seconds


def comma_list(value: str) -> list[str]:
    """`a,b , c` → ['a', 'b', 'c']: how Bamboo variables and stack outputs carry lists."""
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        raise argparse.ArgumentTypeError("expected a comma-separated list with at least one item")
    return items


def step_main(
    name: str,
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace, Actions], str],
    argv: Sequence[str] | None,
    *,
    out: TextIO | None = None,
) -> int:
    """Parse, run, and end with one summary line; any failure is exit code 1."""
    args = parser.parse_args(argv)
    actions = Actions(dry_run=getattr(args, "dry_run", False), out=out or sys.stdout)
    try:
        summary = run(args, actions)
    except StepFailed as failure:
        actions.say(f"{name}: FAILED — {failure}")
        return 1
    except ClientError as failure:
        actions.say(f"{name}: FAILED — AWS refused {failure.operation_name}: {error_code(failure)}: {failure}")
        return 1
    except BotoCoreError as failure:
        actions.say(f"{name}: FAILED — {failure}")
        return 1
    actions.say(f"{name}: ok — {summary}{' (dry run: nothing was changed)' if actions.dry_run else ''}")
    return 0
