"""Check `bamboo-specs/bamboo.yml` the way Bamboo would, and more, since Bamboo has no offline validator.

Every YAML document against the project's JSON Schema; every script task's `python -m deploy.<step>`
against that step's own argparse parser; every `${bamboo.…}` and `$bamboo_…` against the variables
defined where it is used (plan, environment, injected earlier, or Bamboo's own); every artifact a
job subscribes to or an environment downloads against the shared artifacts of earlier stages; no
literal secret anywhere; and the production environments gated by hand.
`python -m deploy.plan_check` prints the problems and exits 1 when there are any.
"""

import argparse
import contextlib
import importlib
import io
import json
import re
import shlex
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from deploy import STEPS

ROOT = Path(__file__).resolve().parents[1]
PLAN_FILE = ROOT / "bamboo-specs" / "bamboo.yml"
SCHEMA_FILE = ROOT / "bamboo-specs" / "bamboo-specs.schema.json"

# Variables Bamboo defines itself (build-specific and deployment variables) that the plan uses.
BUILT_IN = {
    "buildNumber", "buildResultKey", "buildResultsUrl", "planKey", "shortPlanName", "working.directory",
    "build.working.directory", "tmp.directory", "planRepository.revision", "planRepository.branch",
    "planRepository.branchName", "deploy.environment", "deploy.release", "deploy.project", "agentWorkingDirectory",
}  # fmt: skip
SECURE_NAME = re.compile(r"password|secret|passphrase|sshkey", re.IGNORECASE)
ENCRYPTED = re.compile(r"^BAMSCRT@\d+@\d+@\S+$")
FIELD_REFERENCE = re.compile(r"\$\{bamboo\.([A-Za-z0-9_.-]+)\}")
SHELL_REFERENCE = re.compile(r"\$\{?bamboo_([A-Za-z0-9_]+)\}?")
LITERAL_SECRETS = (
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key"),
    (
        re.compile(r"(?i)\b[a-z_]*(?:password|secret|token|passphrase)[a-z_]*\s*[=:]\s*['\"]?(?!\$)[^\s'\"]{4,}"),
        "a secret assigned in the clear",
    ),
    (re.compile(r"(?i)--(?:password|secret|token)[= ]['\"]?(?!\$)[^\s'\"-]\S*"), "a secret passed on a command line"),
)
# Any option type the steps declare (text, seconds, comma lists) accepts it, so a reference
# whose value is only known at run time still lets the step's parser check the option names.
RUNTIME_VALUE = "1"


@dataclass(frozen=True)
class Scope:
    """Where tasks run (a plan job or a deployment environment) and what is defined there."""

    where: str
    tasks: list[Any]
    variables: dict[str, str]


def plan_load(path: Path = PLAN_FILE) -> list[dict[str, Any]]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document is not None]


def schema_load(path: Path = SCHEMA_FILE) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def documents_split(documents: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    plans = [d for d in documents if "stages" in d]
    deployments = [d for d in documents if "environments" in d]
    if len(plans) != 1 or len(deployments) != 1:
        raise ValueError(f"expected one plan and one deployment project, found {len(plans)} and {len(deployments)}")
    return plans[0], deployments[0]


def schema_errors(documents: list[dict[str, Any]], schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for number, document in enumerate(documents, start=1):
        for error in validator.iter_errors(document):
            # A oneOf error says only "matched no branch"; the deepest error under it says what is wrong.
            best = error
            while best.context:
                best = max(best.context, key=lambda e: len(e.absolute_path))
            path = " › ".join(str(p) for p in best.absolute_path) or "(document)"
            errors.append(f"schema: document {number}, {path}: {best.message[:300]}")
    return errors


def task_kind(task: Any) -> tuple[str, Any]:
    return (task, None) if isinstance(task, str) else next(iter(task.items()))


def script_lines(body: Any) -> list[str]:
    if isinstance(body, str):
        return [body]
    if isinstance(body, list):
        return [str(line) for line in body]
    scripts = body.get("scripts", [])
    return [scripts] if isinstance(scripts, str) else [str(line) for line in scripts]


def stage_jobs(stage: dict[str, Any]) -> list[str]:
    body = next(iter(stage.values()))
    return list(body["jobs"] if isinstance(body, dict) else body)


def scopes(plan: dict[str, Any], deployment: dict[str, Any]) -> Iterator[tuple[Scope, int]]:
    """Every job (with its stage number) and every environment (stage number: after the plan)."""
    plan_variables = {str(k): str(v) for k, v in (plan.get("variables") or {}).items()}
    for number, stage in enumerate(plan["stages"]):
        for job in stage_jobs(stage):
            body = plan.get(job) or {}
            tasks = [*body.get("tasks", []), *body.get("final-tasks", [])]
            yield Scope(f"plan › {job}", tasks, dict(plan_variables)), number
    for name in deployment["environments"]:
        body = deployment.get(name) or {}
        tasks = [*body.get("tasks", []), *body.get("final-tasks", [])]
        variables = {str(k): str(v) for k, v in (body.get("variables") or {}).items()}
        yield Scope(f"deployment › {name}", tasks, variables), len(plan["stages"])


def deploy_commands(line: str) -> Iterator[list[str]]:
    """The argument lists of `… -m deploy.<step> …` commands in one shell line."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    command: list[str] = []
    for token in [*lexer, ";"]:
        if token and set(token) <= set(";&|"):
            if (
                "-m" in command
                and command.index("-m") + 1 < len(command)
                and command[command.index("-m") + 1].startswith("deploy.")
            ):
                yield command[command.index("-m") + 1 :]
            command = []
        else:
            command.append(token)


def properties_keys(step: str) -> tuple[str, ...]:
    keys: tuple[str, ...] = getattr(importlib.import_module(f"deploy.{step}"), "PROPERTIES_KEYS", ())
    return keys


def substitute(line: str, values: dict[str, str]) -> str:
    by_shell = {name.replace(".", "_"): value for name, value in values.items()}
    line = FIELD_REFERENCE.sub(lambda m: values.get(m.group(1), RUNTIME_VALUE), line)
    return SHELL_REFERENCE.sub(lambda m: by_shell.get(m.group(1), RUNTIME_VALUE), line)


def step_argument_errors(step: str, arguments: list[str]) -> str | None:
    if step not in STEPS:
        return f"deploy.{step} is not a step (steps: {', '.join(STEPS)})"
    parser = importlib.import_module(f"deploy.{step}").build_parser()
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            parser.parse_args(arguments)
    except SystemExit:
        return f"deploy.{step} refuses its arguments: {stderr.getvalue().strip().splitlines()[-1]}"
    return None


def scope_errors(scope: Scope, result_variables: set[str]) -> tuple[list[str], set[str]]:
    """Commands and references in one job or environment; returns the errors and the RESULT
    variables it injects for later stages and the deployment."""
    errors = []
    defined = set(scope.variables) | BUILT_IN | result_variables
    injected_result: set[str] = set()
    written: dict[str, str] = {}  # properties file → the step that writes it
    for number, task in enumerate(scope.tasks):
        kind, body = task_kind(task)
        where = f"{scope.where} › task {number + 1} ({kind})"
        if kind == "inject-variables":
            file = body if isinstance(body, str) else body["file"]
            namespace = "inject" if isinstance(body, str) else body.get("namespace", "inject")
            scope_name = "LOCAL" if isinstance(body, str) else str(body.get("scope", "LOCAL")).upper()
            if file not in written:
                errors.append(f"{where}: injects {file}, which no earlier step of this job writes")
                continue
            names = {f"{namespace}.{key}" for key in properties_keys(written[file])}
            defined |= names
            if scope_name == "RESULT":
                injected_result |= names
            continue
        texts = script_lines(body) if kind == "script" else []
        if kind == "script" and isinstance(body, dict) and body.get("environment"):
            texts.append(str(body["environment"]))
        for text in texts:
            shell_defined = {name.replace(".", "_") for name in defined}
            for name in FIELD_REFERENCE.findall(text):
                if name not in defined:
                    errors.append(f"{where}: ${{bamboo.{name}}} is not defined here")
            for name in SHELL_REFERENCE.findall(text):
                if name not in shell_defined:
                    errors.append(f"{where}: $bamboo_{name} is not defined here")
            if re.search(r"(?:^|[\s;&|])deploy/(?!requirements\.txt)\w+", text):
                errors.append(f"{where}: run steps as `python -m deploy.<step>`, not by path")
            if ":latest" in text:
                errors.append(f"{where}: images are tagged with the commit, never `latest`")
            for command in deploy_commands(substitute(text, scope.variables)):
                step = command[0].removeprefix("deploy.")
                problem = step_argument_errors(step, command[1:])
                if problem:
                    errors.append(f"{where}: {problem}")
                elif "--properties" in command:
                    written[command[command.index("--properties") + 1]] = step
    return errors, injected_result


def artifact_errors(plan: dict[str, Any], deployment: dict[str, Any]) -> list[str]:
    errors = []
    shared_by_stage: dict[str, int] = {}
    for number, stage in enumerate(plan["stages"]):
        for job in stage_jobs(stage):
            body = plan.get(job) or {}
            for subscription in body.get("artifact-subscriptions", []):
                produced = shared_by_stage.get(subscription["artifact"])
                if produced is None:
                    errors.append(
                        f"plan › {job}: subscribes to {subscription['artifact']!r}, which no earlier stage shares"
                    )
        for job in stage_jobs(stage):
            for artifact in (plan.get(job) or {}).get("artifacts", []):
                if artifact.get("shared"):
                    shared_by_stage.setdefault(artifact["name"], number)
    for name in deployment["environments"]:
        for task in [
            *(deployment.get(name) or {}).get("tasks", []),
            *(deployment.get(name) or {}).get("final-tasks", []),
        ]:
            kind, body = task_kind(task)
            if kind != "artifact-download" or not body:
                continue
            for item in body.get("artifacts", []):
                if item.get("name") and item["name"] not in shared_by_stage:
                    errors.append(f"deployment › {name}: downloads {item['name']!r}, which the plan does not share")
    expected = f"{plan['plan']['project-key']}-{plan['plan']['key']}"
    if deployment["deployment"].get("source-plan") != expected:
        errors.append(
            f"deployment: source-plan is {deployment['deployment'].get('source-plan')!r}, the plan is {expected}"
        )
    return errors


def structure_errors(plan: dict[str, Any], deployment: dict[str, Any]) -> list[str]:
    errors = []
    for stage in plan["stages"]:
        errors += [f"plan: stage job {job!r} is not defined" for job in stage_jobs(stage) if job not in plan]
    errors += [
        f"deployment: environment {name!r} is not defined"
        for name in deployment["environments"]
        if name not in deployment
    ]
    for name in deployment["environments"]:
        body = deployment.get(name) or {}
        if name.startswith("prod") and (
            body.get("triggers") != [] or body.get("release-approval-prerequisite") != "approved"
        ):
            errors.append(
                f"deployment › {name}: production deploys by hand only (triggers: [] and release-approval-prerequisite: approved)"
            )
    return errors


def secret_errors(documents: list[dict[str, Any]], text: str) -> list[str]:
    errors = []
    for document in documents:
        sections = [("plan", document.get("variables"))] if "stages" in document else []
        if "environments" in document:
            sections += [
                (f"deployment › {name}", (document.get(name) or {}).get("variables"))
                for name in document["environments"]
            ]
        for where, variables in sections:
            for name, value in (variables or {}).items():
                secure, encrypted = bool(SECURE_NAME.search(str(name))), bool(ENCRYPTED.match(str(value)))
                if secure and not encrypted:
                    errors.append(
                        f"{where}: variable {name} holds a secret in the clear; store Bamboo's encrypted BAMSCRT@… value"
                    )
                if encrypted and not secure:
                    errors.append(
                        f"{where}: variable {name} holds an encrypted value but its name does not mark it secure"
                    )
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, what in LITERAL_SECRETS:
            if pattern.search(line):
                errors.append(f"line {number}: {what}")
    return errors


def plan_errors(path: Path = PLAN_FILE, *, text: str | None = None) -> list[str]:
    text = path.read_text() if text is None else text
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    errors = schema_errors(documents, schema_load())
    if errors:
        return errors
    plan, deployment = documents_split(documents)
    errors += structure_errors(plan, deployment)
    result_variables: set[str] = set()
    by_stage: dict[int, set[str]] = {}
    for scope, stage in scopes(plan, deployment):
        # RESULT variables reach later stages and the deployment, not the stage that injects them.
        earlier = set().union(*(names for number, names in by_stage.items() if number < stage)) | result_variables
        found, injected = scope_errors(scope, earlier)
        errors += found
        by_stage.setdefault(stage, set()).update(injected)
    naming = json.dumps(deployment.get("release-naming"))
    available = BUILT_IN | set().union(*by_stage.values())
    errors += [
        f"deployment › release-naming: ${{bamboo.{name}}} is not defined"
        for name in FIELD_REFERENCE.findall(naming)
        if name not in available
    ]
    errors += artifact_errors(plan, deployment)
    errors += secret_errors(documents, text)
    return errors


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.plan_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("plan", type=Path, nargs="?", default=PLAN_FILE)
    args = parser.parse_args(argv)
    errors = plan_errors(args.plan)
    for error in errors:
        print(error)
    print(f"plan_check: {'FAILED — ' + str(len(errors)) + ' problem(s)' if errors else 'ok'} in {args.plan}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
