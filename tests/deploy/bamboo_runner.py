"""Run a deployment environment of bamboo-specs/bamboo.yml the way a Bamboo agent does, in process.

Tasks run in order and the first that fails skips the rest; final tasks run whatever happened.
`clean` starts from an empty directory, `artifact-download` copies the artifacts the test hands in,
`inject-variables` reads the properties file into `<namespace>.<key>`, and a script's
`python -m deploy.<step> …` commands run that step's `main()` on the script's arguments after
Bamboo's variable substitution (a reference to an undefined variable is an error here). Other
script lines (unpacking the release, making the virtualenv) set the agent up and are not run.
"""

import io
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deploy import (
    publish_frontend,
    pulumi_stack,
    roll_service,
    rollback,
    run_migrations,
    smoke_test,
)
from deploy.plan_check import FIELD_REFERENCE, SHELL_REFERENCE, deploy_commands, plan_load, script_lines, task_kind

MODULES = {
    m.__name__.removeprefix("deploy."): m
    for m in (pulumi_stack, run_migrations, roll_service, publish_frontend, smoke_test, rollback)
}


@dataclass
class TaskRun:
    name: str
    status: str  # passed, failed, skipped
    output: str = ""


def bamboo_substitute(line: str, values: dict[str, str]) -> str:
    by_shell = {name.replace(".", "_"): value for name, value in values.items()}

    def field(match: Any) -> str:
        return values[match.group(1)]

    def shell(match: Any) -> str:
        return by_shell[match.group(1)]

    return SHELL_REFERENCE.sub(shell, FIELD_REFERENCE.sub(field, line))


def environment_run(
    *,
    environment: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    result_variables: dict[str, str],
    artifacts: dict[str, Path],
    step_options: Callable[[str], dict[str, Any]],
    argv_rewrite: Callable[[list[str]], list[str]] = lambda argv: argv,
) -> list[TaskRun]:
    body = plan_load()[1][environment]
    values = {**{str(k): str(v) for k, v in body["variables"].items()}, **result_variables}
    workdir.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(workdir)
    runs: list[TaskRun] = []
    failed = False
    for final, task in [(False, t) for t in body["tasks"]] + [(True, t) for t in body["final-tasks"]]:
        kind, spec = task_kind(task)
        name = (spec or {}).get("description", kind) if isinstance(spec, dict) else kind
        if failed and not final:
            runs.append(TaskRun(name, "skipped"))
            continue
        output = io.StringIO()
        ok = True
        if kind == "clean":
            for child in workdir.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        elif kind == "artifact-download":
            for item in spec["artifacts"]:
                shutil.copytree(artifacts[item["name"]], workdir / item.get("destination", "."), dirs_exist_ok=True)
        elif kind == "inject-variables":
            lines = (workdir / spec["file"]).read_text().splitlines()
            values.update(
                {
                    f"{spec.get('namespace', 'inject')}.{k}": v
                    for k, _, v in (line.partition("=") for line in lines if line)
                }
            )
        elif kind == "script":
            for line in script_lines(spec):
                for command in deploy_commands(bamboo_substitute(line, values)):
                    step = command[0].removeprefix("deploy.")
                    code = MODULES[step].main(argv_rewrite(command[1:]), out=output, **step_options(step))
                    ok = ok and code == 0
                    if not ok:
                        break
        else:
            raise AssertionError(f"the runner does not know the {kind} task")
        runs.append(TaskRun(name, "passed" if ok else "failed", output.getvalue()))
        failed = failed or not ok
    return runs
