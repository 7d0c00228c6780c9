"""Push the image `make image` built to ECR, tagged with the commit, and refuse it if the scan finds too much.

Order: the tag must not exist yet (the repository's tags are immutable, and a commit is pushed
once), push, wait for the ECR scan with a bound, report the findings by severity, and fail on any
finding at or above `--fail-on` (CRITICAL by default). Only an image that passed writes the
properties file that the plan injects as `bamboo.image.*`, so a refused image can never reach a
deployment. A refused image stays in the repository under its tag, unused.
"""

import argparse
import base64
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from botocore.exceptions import ClientError, WaiterError

from deploy.runtime import (
    Actions,
    AwsClients,
    Client,
    ClientFactory,
    StepFailed,
    add_aws_options,
    error_code,
    file_write_whole,
    positive_seconds,
    step_main,
)

SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
# What the properties file holds; the plan check reads this to know which variables the
# injected file defines.
PROPERTIES_KEYS = ("uri", "digest", "tag", "repository_url")
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class PushedImage:
    repository_url: str
    tag: str
    digest: str
    severity_counts: dict[str, int]

    @property
    def uri(self) -> str:
        """Pinned by digest: what was scanned is exactly what the services run."""
        return f"{self.repository_url}@{self.digest}"


# (source image, target reference, registry host, registry password) -> None
Pusher = Callable[[str, str, str, str], None]


def engine_pusher(*, engine: str, actions: Actions) -> Pusher:
    """Push with podman or docker: log in with the ECR token on stdin, tag, push."""

    def push(source: str, target: str, registry: str, password: str) -> None:
        commands = [
            [engine, "login", "--username", "AWS", "--password-stdin", registry],
            [engine, "tag", source, target],
            [engine, "push", target],
        ]
        for command in commands:
            if actions.dry_run:
                actions.say(f"dry run: would run {' '.join(command)}")
                continue
            secret = password if "--password-stdin" in command else None
            completed = subprocess.run(  # noqa: S603 -- the container engine with arguments built above
                command, input=secret, text=True, capture_output=True, check=False
            )
            if completed.returncode != 0:
                raise StepFailed(
                    f"`{' '.join(command)}` exited {completed.returncode}: {completed.stderr.strip()[-500:]}"
                )
            actions.say(f"ran {' '.join(command)}")

    return push


def repository_name(repository_url: str) -> str:
    """`123.dkr.ecr.eu-central-1.amazonaws.com/earfit/web` → `earfit/web`."""
    if "/" not in repository_url:
        raise StepFailed(f"--repository-url {repository_url!r} is not <registry>/<repository>")
    return repository_url.split("/", 1)[1]


def image_tag_exists(*, ecr: Client, repository: str, tag: str) -> bool:
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ClientError as error:
        if error_code(error) == "ImageNotFoundException":
            return False
        raise
    return True


def registry_password(*, ecr: Client) -> str:
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    return base64.b64decode(token).decode().split(":", 1)[1]


def image_scan_wait(
    *, ecr: Client, repository: str, digest: str, timeout: float, interval: float, actions: Actions
) -> None:
    """Wait for the scan ECR starts on push; start one if none is there (scan on push off)."""
    image_id = {"imageDigest": digest}
    try:
        ecr.describe_image_scan_findings(repositoryName=repository, imageId=image_id, maxResults=1)
    except ClientError as error:
        if error_code(error) != "ScanNotFoundException":
            raise
        try:
            ecr.start_image_scan(repositoryName=repository, imageId=image_id)
            actions.say("no scan on push: started one")
        except ClientError as start_error:
            # A scan started by the push meanwhile; once a day is ECR's limit for basic scans.
            if error_code(start_error) != "LimitExceededException":
                raise
    attempts = max(1, int(timeout // max(interval, 1e-3)))
    try:
        ecr.get_waiter("image_scan_complete").wait(
            repositoryName=repository,
            imageId=image_id,
            WaiterConfig={"Delay": interval, "MaxAttempts": attempts},
        )
    except WaiterError as error:
        raise StepFailed(f"the ECR scan of {digest} did not complete within {timeout:.0f} s: {error}") from error


def image_scan_findings(*, ecr: Client, repository: str, digest: str) -> tuple[dict[str, int], list[str]]:
    """Counts by severity, and the names of the worst findings on the first page."""
    page = ecr.describe_image_scan_findings(repositoryName=repository, imageId={"imageDigest": digest})
    findings = page.get("imageScanFindings", {})
    counts = {severity: int(count) for severity, count in findings.get("findingSeverityCounts", {}).items()}
    worst = [
        f"{finding.get('severity', '?')} {finding.get('name', '?')}"
        for finding in findings.get("findings", [])
        if finding.get("severity") in ("CRITICAL", "HIGH")
    ]
    return counts, worst[:10]


def image_push(
    *,
    ecr: Client,
    repository_url: str,
    commit: str,
    source_image: str,
    pusher: Pusher,
    fail_on: str,
    scan_timeout: float,
    scan_interval: float,
    actions: Actions,
) -> PushedImage:
    if not COMMIT_SHA.match(commit):
        raise StepFailed(
            f"--commit must be a full 40-character commit SHA (tags are commits, never `latest`), got {commit!r}"
        )
    repository = repository_name(repository_url)
    if image_tag_exists(ecr=ecr, repository=repository, tag=commit):
        raise StepFailed(
            f"{repository}:{commit} already exists and tags are immutable: this commit was pushed before; "
            "deploy its existing release instead of building it again"
        )
    target = f"{repository_url}:{commit}"
    registry = repository_url.split("/", 1)[0]
    password = "" if actions.dry_run else registry_password(ecr=ecr)
    pusher(source_image, target, registry, password)
    if actions.dry_run:
        actions.say(f"dry run: would wait up to {scan_timeout:.0f} s for the ECR scan and fail on {fail_on} or worse")
        return PushedImage(repository_url=repository_url, tag=commit, digest="sha256:<pushed>", severity_counts={})
    described = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": commit}])["imageDetails"][0]
    digest = str(described["imageDigest"])
    actions.say(f"pushed {target} ({digest})")
    image_scan_wait(
        ecr=ecr, repository=repository, digest=digest, timeout=scan_timeout, interval=scan_interval, actions=actions
    )
    counts, worst = image_scan_findings(ecr=ecr, repository=repository, digest=digest)
    actions.say(
        "scan findings: "
        + (", ".join(f"{s} {counts[s]}" for s in (*SEVERITIES, "UNTRIAGED") if counts.get(s)) or "none")
    )
    for line in worst:
        actions.say(f"  {line}")
    blocking = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    refused = {severity: counts[severity] for severity in blocking if counts.get(severity)}
    if refused:
        listed = ", ".join(f"{count} {severity}" for severity, count in refused.items())
        raise StepFailed(f"the scan of {target} found {listed}: the image is not released")
    return PushedImage(repository_url=repository_url, tag=commit, digest=digest, severity_counts=counts)


def image_properties(*, image: PushedImage) -> str:
    values = {"uri": image.uri, "digest": image.digest, "tag": image.tag, "repository_url": image.repository_url}
    return "".join(f"{key}={values[key]}\n" for key in PROPERTIES_KEYS)


def git_short_sha(commit: str) -> str:
    """The short SHA `make image` tags the local image with (`git rev-parse --short`)."""
    completed = subprocess.run(  # noqa: S603 -- git with a validated commit SHA
        ["git", "rev-parse", "--short", commit],  # noqa: S607 -- git from the agent's PATH
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise StepFailed(f"cannot shorten {commit} with git: {completed.stderr.strip()}; pass --source-image")
    return completed.stdout.strip()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.push_image", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repository-url", required=True, help="ECR repository, <account>.dkr.ecr.<region>.amazonaws.com/<name>"
    )
    parser.add_argument("--commit", required=True, help="the full commit SHA: the image's tag")
    parser.add_argument(
        "--source-image", help="the local image to push (default: earfit:<short sha>, as `make image` tags it)"
    )
    parser.add_argument(
        "--engine", choices=("podman", "docker"), default="podman", help="container engine (default: podman)"
    )
    parser.add_argument(
        "--fail-on", choices=SEVERITIES, default="CRITICAL", help="refuse the image on findings this severe or worse"
    )
    parser.add_argument(
        "--scan-timeout", type=positive_seconds, default=900.0, help="seconds to wait for the scan (default: 900)"
    )
    parser.add_argument(
        "--scan-interval", type=positive_seconds, default=10.0, help="seconds between scan polls (default: 10)"
    )
    parser.add_argument(
        "--properties", type=Path, help="write uri=, digest=, tag=, repository_url= here for Bamboo's inject-variables"
    )
    add_aws_options(parser)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: ClientFactory | None = None,
    pusher: Pusher | None = None,
    out: TextIO | None = None,
) -> int:
    def run(args: argparse.Namespace, actions: Actions) -> str:
        factory = clients or AwsClients(region=args.region, role_arn=args.role_arn)
        image = image_push(
            ecr=factory("ecr"),
            repository_url=args.repository_url,
            commit=args.commit,
            source_image=args.source_image or f"earfit:{git_short_sha(args.commit)}",
            pusher=pusher or engine_pusher(engine=args.engine, actions=actions),
            fail_on=args.fail_on,
            scan_timeout=args.scan_timeout,
            scan_interval=args.scan_interval,
            actions=actions,
        )
        if args.properties and not actions.dry_run:
            file_write_whole(args.properties, image_properties(image=image))
        return f"{image.uri} pushed and scanned"

    return step_main("push_image", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
