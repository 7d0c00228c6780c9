"""Check the release through CloudFront, the way a shopper reaches it, and mark it verified.

Checks, each retried until it passes or the total bound runs out: `/healthz` and `/readyz`
answer 200 with the application's JSON status (`ok`, `ready`), so the client's `index.html`,
which CloudFront serves for any extensionless path it does not send to the ALB, cannot pass for
them; the questionnaire API answers 200 with a questionnaire; `/` serves the `index.html`
this release published (byte for byte, so a stale cached page does not pass) as `no-cache`
HTML; and one content-hashed asset it names is served with its year-long immutable cache header.
On success the release record is marked verified, which tells the rollback step to leave the
release alone; on failure the step exits 1 and the plan's rollback runs.
"""

import argparse
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from deploy.publish_frontend import IMMUTABLE, NO_CACHE
from deploy.release_record import record_update
from deploy.runtime import (
    Actions,
    Clock,
    Deadline,
    RealClock,
    StepFailed,
    add_dry_run_option,
    positive_seconds,
    step_main,
)

ASSET_REFERENCE = re.compile(r"""(?:src|href)=["']/?(assets/[^"'?#]+)["']""")
USER_AGENT = "earfit-deploy-smoke-test/1"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def http_get(url: str, timeout: float) -> Response:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})  # noqa: S310 -- https URLs given by the plan
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 -- see above  # nosec B310
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())


@dataclass(frozen=True)
class Check:
    name: str
    path: str
    verify: Callable[[Response], str | None]  # None when it passes, else why not


def status_json_is(expected: str) -> Callable[[Response], str | None]:
    """200 with `{"status": expected, …}`: the application itself answered."""

    def verify(response: Response) -> str | None:
        if response.status != 200:
            return f"answered {response.status}, expected 200"
        try:
            body = json.loads(response.body)
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            return f"did not answer JSON ({kind}): not routed to the application?"
        status = body.get("status") if isinstance(body, dict) else None
        return None if status == expected else f"answered status {status!r}, expected {expected!r}"

    return verify


def questionnaire_verify(response: Response) -> str | None:
    if response.status != 200:
        return f"answered {response.status}"
    try:
        body = json.loads(response.body)
    except ValueError:
        return "did not answer JSON"
    return None if isinstance(body, dict) and body.get("questions") else "answered without questions"


def index_verify(expected: bytes) -> Callable[[Response], str | None]:
    def verify(response: Response) -> str | None:
        if response.status != 200:
            return f"answered {response.status}"
        if not response.headers.get("content-type", "").startswith("text/html"):
            return f"is {response.headers.get('content-type')}, not HTML"
        if NO_CACHE not in response.headers.get("cache-control", ""):
            return f"has Cache-Control {response.headers.get('cache-control')!r}, not no-cache"
        return None if response.body == expected else "is not this release's index.html (a stale copy?)"

    return verify


def asset_verify(response: Response) -> str | None:
    if response.status != 200:
        return f"answered {response.status}"
    if response.headers.get("cache-control") != IMMUTABLE:
        return f"has Cache-Control {response.headers.get('cache-control')!r}"
    return None


def smoke_checks(*, index: bytes, health_path: str, ready_path: str, questionnaire_path: str) -> list[Check]:
    assets = ASSET_REFERENCE.findall(index.decode(errors="replace"))
    if not assets:
        raise StepFailed("the published index.html names no assets/ file to check")
    return [
        Check("liveness", health_path, status_json_is("ok")),
        Check("readiness", ready_path, status_json_is("ready")),
        Check("questionnaire API", questionnaire_path, questionnaire_verify),
        Check("index.html", "/", index_verify(index)),
        Check("hashed asset", f"/{assets[0]}", asset_verify),
    ]


def checks_run(
    *,
    base_url: str,
    checks: list[Check],
    deadline: Deadline,
    request_timeout: float,
    actions: Actions,
    get: Callable[[str, float], Response] = http_get,
) -> None:
    """Each check is retried until it passes; all of them share one bound."""
    pending = list(checks)
    failures: dict[str, str] = {}
    for elapsed in deadline.polls():
        for check in list(pending):
            try:
                problem = check.verify(get(base_url.rstrip("/") + check.path, request_timeout))
            except OSError as error:  # refused, reset, timed out, DNS: try again
                problem = f"no answer ({error})"
            if problem is None:
                actions.say(f"[{elapsed:5.0f} s] {check.name} {check.path}: ok")
                pending.remove(check)
                failures.pop(check.name, None)
            else:
                failures[check.name] = f"{check.path} {problem}"
                actions.say(f"[{elapsed:5.0f} s] {check.name} {check.path}: {problem}")
        if not pending:
            return
    raise StepFailed(
        f"{len(failures)} check(s) still failing after {deadline.seconds:.0f} s: " + "; ".join(failures.values())
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.smoke_test", description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="https://<the site's public name>, which CloudFront serves")
    parser.add_argument(
        "--index", type=Path, default=Path("frontend/dist/index.html"), help="the index.html this release published"
    )
    parser.add_argument("--record", type=Path, help="the release record to mark verified")
    parser.add_argument("--health-path", default="/healthz")
    parser.add_argument("--ready-path", default="/readyz")
    parser.add_argument("--questionnaire-path", default="/api/v1/questionnaire")
    parser.add_argument(
        "--timeout", type=positive_seconds, default=300.0, help="total seconds for all checks (default: 300)"
    )
    parser.add_argument(
        "--poll-interval", type=positive_seconds, default=10.0, help="seconds between rounds (default: 10)"
    )
    parser.add_argument(
        "--request-timeout", type=positive_seconds, default=10.0, help="seconds for one request (default: 10)"
    )
    add_dry_run_option(parser)
    return parser


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None, out: TextIO | None = None) -> int:
    def run(args: argparse.Namespace, actions: Actions) -> str:
        if not args.index.is_file():
            raise StepFailed(f"{args.index} is missing: the smoke test compares the served page with it")
        checks = smoke_checks(
            index=args.index.read_bytes(),
            health_path=args.health_path,
            ready_path=args.ready_path,
            questionnaire_path=args.questionnaire_path,
        )
        if actions.dry_run:
            for check in checks:
                actions.say(f"dry run: would GET {args.base_url.rstrip('/')}{check.path} ({check.name})")
            return f"{len(checks)} checks planned"
        checks_run(
            base_url=args.base_url,
            checks=checks,
            deadline=Deadline(args.timeout, args.poll_interval, clock or RealClock()),
            request_timeout=args.request_timeout,
            actions=actions,
        )
        if args.record:
            record_update(args.record, verified=True)
        return f"{len(checks)} checks passed through {args.base_url}"

    return step_main("smoke_test", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
