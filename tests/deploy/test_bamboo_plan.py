"""bamboo-specs/bamboo.yml: every document against the project's schema, every step call against
the step's own parser, every variable, artifact and secret rule; and each kind of breakage, planted
in a copy of the file, is caught with its own message."""

import json

import jsonschema
import pytest

from deploy import STEPS
from deploy.plan_check import PLAN_FILE, SCHEMA_FILE, deploy_commands, plan_errors, plan_load

TEXT = PLAN_FILE.read_text()


def test_the_plan_passes_every_check() -> None:
    assert plan_errors() == []


def test_the_file_holds_plan_deployment_and_both_permission_documents() -> None:
    documents = plan_load()
    kinds = [
        next(k for k in ("plan-permissions", "deployment-permissions", "stages", "environments") if k in d)
        for d in documents
    ]
    assert kinds == ["stages", "environments", "deployment-permissions", "plan-permissions"]


def test_the_schema_is_itself_valid_and_says_its_scope() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "Scope:" in schema["description"]


def test_every_step_is_called_by_the_plan_and_the_release_runs_in_order() -> None:
    deployment = plan_load()[1]
    called = [command[0] for task in deployment["prod"]["tasks"] + deployment["prod"]["final-tasks"]
              if isinstance(task, dict) and "script" in task for line in task["script"]["scripts"] for command in deploy_commands(line)]  # fmt: skip
    assert called == [
        "deploy.pulumi_stack", "deploy.pulumi_stack", "deploy.run_migrations", "deploy.roll_service",
        "deploy.publish_frontend", "deploy.smoke_test", "deploy.rollback",
    ]  # fmt: skip
    plan, deployment = plan_load()[:2]
    tasks = (
        [task for job in ("Image", "Preview") for task in plan[job]["tasks"]]
        + deployment["dev"]["tasks"]
        + deployment["dev"]["final-tasks"]
    )
    lines = [
        line for task in tasks if isinstance(task, dict) and "script" in task for line in task["script"]["scripts"]
    ]
    plan_calls = {command[0] for line in lines for command in deploy_commands(line)}
    assert plan_calls == {f"deploy.{step}" for step in STEPS}


BREAKAGES = [
    # (kind, text to replace, replacement, expected message)
    (
        "schema: misspelt job key",
        "  final-tasks:\n    - test-parser:",
        "  final-taks:\n    - test-parser:",
        "schema: document 1",
    ),
    (
        "schema: unknown injection scope",
        "scope: RESULT",
        "scope: GLOBAL",
        "schema: document 1, Image › tasks › 3 › inject-variables",
    ),
    (
        "schema: bad approval value",
        "release-approval-prerequisite: approved\n  variables:\n    <<: *dev-variables\n    pulumi_stack: prod\n",
        "release-approval-prerequisite: signed\n  variables:\n    <<: *dev-variables\n    pulumi_stack: prod\n",
        "schema: document 2, prod",
    ),
    ("unknown step", "-m deploy.run_migrations", "-m deploy.run_migration", "deploy.run_migration is not a step"),
    (
        "unknown option",
        '--cluster "$bamboo_stack_cluster_name" --services',
        '--clustr "$bamboo_stack_cluster_name" --services',
        "deploy.roll_service refuses its arguments: python -m deploy.roll_service: error: the following arguments are required: --cluster",
    ),
    (
        "option value the step refuses",
        "roll_timeout_seconds: 900",
        "roll_timeout_seconds: fifteen",
        "argument --timeout: invalid positive_seconds value: 'fifteen'",
    ),
    (
        "step called by path",
        ".venv-deploy/bin/python -m deploy.smoke_test",
        "deploy/smoke_test",
        "run steps as `python -m deploy.<step>`",
    ),
    (
        "undefined shell variable",
        '--cluster "$bamboo_stack_cluster_name" --task-definition',
        '--cluster "$bamboo_stack_cluster" --task-definition',
        "$bamboo_stack_cluster is not defined here",
    ),
    (
        "undefined field variable",
        "next-version-name: release-${bamboo.buildNumber}",
        "next-version-name: release-${bamboo.build_number}",
        "release-naming: ${bamboo.build_number} is not defined",
    ),
    (
        "variable used in the stage that injects it",
        '--image "$bamboo_stack_ecr_repository_url@$bamboo_image_digest" --subnets',
        '--image "$bamboo_stack_ecr_repository_url@$bamboo_image_digest_typo" --subnets',
        "$bamboo_image_digest_typo is not defined here",
    ),
    (
        "injected file nobody writes",
        "file: stack.properties",
        "file: outputs.properties",
        "injects outputs.properties, which no earlier step",
    ),
    (
        "artifact the plan does not share",
        "          - name: Release sources\n",
        "          - name: Release source\n",
        "downloads 'Release source', which the plan does not share",
    ),
    (
        "artifact not shared any more",
        "      pattern: release-sources.tar.gz\n      shared: true",
        "      pattern: release-sources.tar.gz\n      shared: false",
        "downloads 'Release sources', which the plan does not share",
    ),
    (
        "deployment fed by another plan",
        "source-plan: EARFIT-REL",
        "source-plan: EARFIT-OTHER",
        "source-plan is 'EARFIT-OTHER', the plan is EARFIT-REL",
    ),
    (
        "secret variable in the clear",
        "  pulumi_backend_url: s3://earfit-pulumi-state\n  scan",
        "  pulumi_backend_url: s3://earfit-pulumi-state\n  pulumi_config_passphrase: hunter2-hunter2\n  scan",
        "variable pulumi_config_passphrase holds a secret in the clear",
    ),
    (
        "AWS key in a script",
        "make security\n",
        "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE make security\n",
        "an AWS access key id",
    ),
    (
        "password on a command line",
        "make security\n",
        "make security --password=hunter2\n",
        "a secret passed on a command line",
    ),
    (
        "encrypted value on a plain name",
        "scan_timeout_seconds: 900",
        "scan_timeout_seconds: BAMSCRT@0@0@r7STxYwtyNCz123WWXKq8g==",
        "variable scan_timeout_seconds holds an encrypted value but its name does not mark it secure",
    ),
    (
        "prod deployed automatically",
        "prod:\n  # No trigger: a person deploys, and only a release someone approved.\n  triggers: []",
        "prod:\n  triggers:\n    - environment-success: staging",
        "deployment › prod: production deploys by hand only",
    ),
    (
        "image tagged latest",
        '--commit "$bamboo_planRepository_revision"',
        '--commit "$bamboo_planRepository_revision" --source-image earfit:latest',
        "never `latest`",
    ),
]


@pytest.mark.parametrize(("kind", "old", "new", "expected"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_a_planted_breakage_is_caught(kind: str, old: str, new: str, expected: str) -> None:
    assert old in TEXT, f"the plant for {kind!r} no longer matches bamboo.yml"
    errors = plan_errors(text=TEXT.replace(old, new, 1))
    assert errors, f"{kind}: not caught"
    assert any(expected in error for error in errors), errors
