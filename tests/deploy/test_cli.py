"""Each step as the plan calls it: `python -m deploy.<step> --help` in a fresh process, usage errors,
the Pulumi step's commands and its outputs file, and the deploy agent's one pinned dependency."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from deploy import STEPS, pulumi_stack
from deploy.plan_check import ROOT

OUTPUTS = {key: f"value-{key}" for key in pulumi_stack.PROPERTIES_KEYS} | {
    "private_subnet_ids": ["subnet-a", "subnet-b"]
}


@pytest.mark.parametrize("step", [*STEPS, "plan_check"])
def test_every_step_explains_itself_with_help(step: str) -> None:
    completed = subprocess.run(  # noqa: S603 -- this interpreter running the project's own module
        [sys.executable, "-m", f"deploy.{step}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"usage: python -m deploy.{step}")
    assert len(completed.stdout.splitlines()) > 3


def test_a_missing_option_is_a_usage_error() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "deploy.roll_service", "--cluster", "c"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 2
    assert "the following arguments are required: --services, --image, --record" in completed.stderr


def fake_pulumi(stdout: str, code: int = 0) -> tuple[list[list[str]], pulumi_stack.Runner]:
    # The Pulumi CLI is not installed here: the runner stands in for it.
    calls: list[list[str]] = []

    def run(command: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return subprocess.CompletedProcess(
            command, code, stdout, "error: policy violation: bucket-is-public" if code else ""
        )

    return calls, run


def test_outputs_become_the_properties_bamboo_injects(tmp_path: Path) -> None:
    calls, runner = fake_pulumi(json.dumps(OUTPUTS))
    target = tmp_path / "stack.properties"
    assert (
        pulumi_stack.main(["outputs", "--stack", "prod", "--properties", str(target)], runner=runner, out=io.StringIO())
        == 0
    )
    assert calls == [["pulumi", "--non-interactive", "--cwd", "infra", "stack", "output", "--json", "--stack", "prod"]]
    lines = target.read_text().splitlines()
    assert len(lines) == len(pulumi_stack.PROPERTIES_KEYS)
    assert "private_subnet_ids=subnet-a,subnet-b" in lines


def test_a_stack_without_an_output_the_steps_need_fails(tmp_path: Path) -> None:
    _, runner = fake_pulumi(json.dumps({k: v for k, v in OUTPUTS.items() if k != "distribution_id"}))
    out = io.StringIO()
    assert (
        pulumi_stack.main(["outputs", "--stack", "dev", "--properties", str(tmp_path / "p")], runner=runner, out=out)
        == 1
    )
    assert out.getvalue().startswith("pulumi_stack: FAILED — the stack has no output distribution_id")
    assert not (tmp_path / "p").exists()


TAG = "5e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d5"


def test_up_runs_with_the_policy_pack_and_fails_when_the_pack_refuses(tmp_path: Path) -> None:
    calls, runner = fake_pulumi("", code=255)
    out = io.StringIO()
    argv = ["up", "--stack", "staging", "--image-tag", TAG, "--policy-pack", "infra/policy"]
    assert pulumi_stack.main(argv, runner=runner, out=out) == 1
    assert calls[0][4:] == [
        "up",
        "--stack",
        "staging",
        "--diff",
        "--config",
        f"earfit:imageTag={TAG}",
        "--yes",
        "--skip-preview",
        "--policy-pack",
        str(Path("infra/policy").resolve()),
    ]
    assert "exited 255: error: policy violation: bucket-is-public" in out.getvalue()


def test_preview_or_up_without_the_policy_pack_is_refused() -> None:
    calls, runner = fake_pulumi("")
    out = io.StringIO()
    assert pulumi_stack.main(["preview", "--stack", "dev", "--image-tag", TAG], runner=runner, out=out) == 1
    assert calls == []
    assert "give --policy-pack" in out.getvalue()


@pytest.mark.parametrize("action", ["preview", "up"])
def test_preview_or_up_without_the_release_image_tag_is_refused(action: str) -> None:
    # The program refuses to run without earfit:imageTag; the step says so before the CLI starts.
    calls, runner = fake_pulumi("")
    out = io.StringIO()
    argv = [action, "--stack", "dev", "--policy-pack", "infra/policy"]
    assert pulumi_stack.main(argv, runner=runner, out=out) == 1
    assert calls == []
    assert out.getvalue().splitlines()[-1] == (
        f"pulumi_stack: FAILED — {action} needs the release's image tag: give --image-tag"
    )


def test_the_pulumi_cli_runs_with_the_agent_credentials_not_an_assumed_role(monkeypatch: pytest.MonkeyPatch) -> None:
    # The program's providers assume the stack's deploy role; the step takes no role of its own.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "agent-key")
    _, runner = fake_pulumi("")
    envs: list[dict[str, str]] = []

    def run(command: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
        envs.append(env)
        return runner(command, env, timeout)

    argv = ["preview", "--stack", "dev", "--image-tag", TAG, "--policy-pack", "infra/policy", "--region", "eu-west-1"]
    assert pulumi_stack.main(argv, runner=run, out=io.StringIO()) == 0
    assert envs[0]["AWS_ACCESS_KEY_ID"] == "agent-key"
    assert envs[0]["AWS_REGION"] == "eu-west-1"
    with pytest.raises(SystemExit):
        pulumi_stack.build_parser().parse_args([*argv, "--role-arn", "arn:aws:iam::111111111111:role/earfit-deploy"])


def test_the_deploy_agent_pins_the_same_boto3_as_the_app() -> None:
    def pin(path: Path) -> str:
        return next(line.split("#")[0].strip() for line in path.read_text().splitlines() if line.startswith("boto3=="))

    assert pin(ROOT / "deploy" / "requirements.txt") == pin(ROOT / "requirements.txt")
