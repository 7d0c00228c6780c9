"""Preview or update a stack of the infra program, or hand its outputs to Bamboo.

`preview` and `up` run the Pulumi CLI on `infra/` with the company policy pack, so a change that
breaks a policy fails the build (preview) or is refused before anything changes (up), and with
the release's image tag (`--image-tag`, passed as `--config earfit:imageTag=…`): `up` registers
new task definition revisions for that image, but the services keep running what they ran
(they ignore task definition changes) until `roll_service` moves them, after the migrations.
`outputs` reads `pulumi stack output --json`, checks that every output the delivery steps read
is there, and writes them as `key=value` lines for Bamboo's inject-variables task (lists
comma-separated).

The CLI runs with the agent's own credentials, which reach the state backend; the program's AWS
providers assume the deploy role the stack's configuration names (`earfit:deployRoleArn`). So
this step takes no `--role-arn`: handing the CLI that role's credentials would make the providers
assume the role from itself, which IAM refuses unless the role trusts itself.
"""

import argparse
import json
import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from deploy.runtime import (
    Actions,
    StepFailed,
    add_dry_run_option,
    file_write_whole,
    positive_seconds,
    step_main,
)
from deploy.stack_outputs import STACK_OUTPUTS

# What the properties file holds (the plan check reads this name): every output the steps read.
PROPERTIES_KEYS = STACK_OUTPUTS
IMAGE_TAG_KEY = "earfit:imageTag"

Runner = Callable[[list[str], dict[str, str], float], subprocess.CompletedProcess[str]]


def subprocess_runner(command: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, env=env, timeout=timeout, capture_output=True, text=True, check=False)  # noqa: S603 -- the Pulumi CLI with arguments built here
    except FileNotFoundError as error:
        raise StepFailed("the `pulumi` CLI is not on the agent's PATH") from error
    except subprocess.TimeoutExpired as error:
        raise StepFailed(f"`{' '.join(command)}` ran longer than {timeout:.0f} s") from error


def pulumi_command(args: argparse.Namespace) -> list[str]:
    base = ["pulumi", "--non-interactive", "--cwd", str(args.cwd)]
    if args.action == "outputs":
        return [*base, "stack", "output", "--json", "--stack", args.stack]
    command = [*base, args.action, "--stack", args.stack, "--diff", "--config", f"{IMAGE_TAG_KEY}={args.image_tag}"]
    if args.action == "up":
        command += ["--yes", "--skip-preview"]
    if args.policy_pack:
        command += ["--policy-pack", str(Path(args.policy_pack).resolve())]
    return command


def pulumi_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    if args.region:
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = args.region
    if args.backend_url:
        env["PULUMI_BACKEND_URL"] = args.backend_url
    return env


def outputs_properties(outputs: dict[str, Any]) -> str:
    missing = [key for key in PROPERTIES_KEYS if outputs.get(key) in (None, "", [])]
    if missing:
        raise StepFailed(
            f"the stack has no output {', '.join(missing)}: the delivery steps need every one of {', '.join(PROPERTIES_KEYS)}"
        )
    lines = []
    for key in PROPERTIES_KEYS:
        value = outputs[key]
        text = ",".join(str(item) for item in value) if isinstance(value, list) else str(value)
        if "\n" in text:
            raise StepFailed(f"output {key} spans lines, which a properties file cannot carry")
        lines.append(f"{key}={text}\n")
    return "".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.pulumi_stack", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("preview", "up", "outputs"))
    parser.add_argument("--stack", required=True, help="dev, staging, prod or the disaster-recovery stack")
    parser.add_argument("--cwd", type=Path, default=Path("infra"), help="the Pulumi project (default: infra)")
    parser.add_argument("--policy-pack", help="the policy pack directory for preview and up (e.g. infra/policy)")
    parser.add_argument(
        "--image-tag",
        help="preview and up: the release's image tag (the commit SHA push_image pushed), earfit:imageTag",
    )
    parser.add_argument(
        "--backend-url", help="Pulumi state backend, e.g. s3://<state bucket> (default: the CLI's login)"
    )
    parser.add_argument(
        "--properties", type=Path, help="outputs: write key=value lines here for Bamboo's inject-variables"
    )
    parser.add_argument(
        "--timeout", type=positive_seconds, default=3600.0, help="seconds the CLI may run (default: 3600)"
    )
    parser.add_argument(
        "--region",
        default=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        help="AWS region for the CLI (default: $AWS_REGION); the program's providers use the stack's own",
    )
    add_dry_run_option(parser)
    return parser


def main(argv: Sequence[str] | None = None, *, runner: Runner | None = None, out: TextIO | None = None) -> int:
    def run(args: argparse.Namespace, actions: Actions) -> str:
        command = pulumi_command(args)
        if args.action != "outputs" and args.policy_pack is None:
            raise StepFailed(f"{args.action} runs only with the company policy pack: give --policy-pack")
        if args.action != "outputs" and not args.image_tag:
            raise StepFailed(f"{args.action} needs the release's image tag: give --image-tag")
        if args.action == "outputs" and args.properties is None:
            raise StepFailed("outputs needs --properties, the file Bamboo injects")
        if actions.dry_run and args.action != "outputs":
            actions.say(f"dry run: would run {' '.join(command)}")
            return f"{args.action} of {args.stack} planned"
        completed = (runner or subprocess_runner)(command, pulumi_env(args), args.timeout)
        if args.action != "outputs":
            actions.say(completed.stdout.rstrip())
        if completed.returncode != 0:
            raise StepFailed(
                f"`pulumi {args.action}` of {args.stack} exited {completed.returncode}: {completed.stderr.strip()[-800:]}"
            )
        if args.action == "outputs":
            try:
                outputs = json.loads(completed.stdout)
            except ValueError as error:
                raise StepFailed(f"`pulumi stack output --json` did not print JSON: {error}") from error
            file_write_whole(args.properties, outputs_properties(outputs))
            return f"{len(PROPERTIES_KEYS)} outputs of {args.stack} written to {args.properties}"
        return f"{args.action} of {args.stack} passed the policy pack"

    return step_main("pulumi_stack", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
