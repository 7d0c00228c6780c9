"""Who may do what, and what runs: IAM, task definitions, services, CloudTrail."""

import json

from pulumi_policy import ReportViolation, ResourceValidationArgs

from contract import CONTAINER_USER, IMAGE_COMMANDS, SECRET_ENV_NAMES, WRITABLE_PATH

from .common import (
    CREDENTIALS_IN_URL,
    RESOURCELESS_ACTIONS,
    SECRET_LOOKING,
    as_list,
    policy_statements,
)


def check_iam_policy_document(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for statement in policy_statements(args.props.get("policy")):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid", "")
        actions = as_list(statement.get("Action"))
        for action in actions:
            if "*" in action:
                report(f"IAM policy '{args.name}' grants the wildcard action '{action}' (statement '{sid}').", None)
        if "*" in as_list(statement.get("Resource")) and not set(actions) <= RESOURCELESS_ACTIONS:
            report(
                f"IAM policy '{args.name}' grants {', '.join(sorted(set(actions) - RESOURCELESS_ACTIONS))} on every resource (statement '{sid}').",
                None,
            )
        if statement.get("NotAction") or statement.get("NotResource"):
            report(f"IAM policy '{args.name}' uses NotAction or NotResource (statement '{sid}').", None)


def check_role(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for statement in policy_statements(args.props.get("assumeRolePolicy")):
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS"))):
            report(f"Role '{args.name}' can be assumed by anyone.", None)


def check_attachment(args: ResourceValidationArgs, report: ReportViolation) -> None:
    arn = str(args.props.get("policyArn", ""))
    if arn.endswith(("/AdministratorAccess", "FullAccess", "/PowerUserAccess")):
        report(f"Role attachment '{args.name}' grants the broad managed policy {arn}.", None)


def check_task_definition(args: ResourceValidationArgs, report: ReportViolation) -> None:
    containers = json.loads(args.props.get("containerDefinitions") or "[]")
    for container in containers:
        name = container.get("name")
        if container.get("user") != CONTAINER_USER:
            report(f"Container '{name}' in '{args.name}' does not run as {CONTAINER_USER}.", None)
        if container.get("readonlyRootFilesystem") is not True:
            report(f"Container '{name}' in '{args.name}' can write its root filesystem.", None)
        if container.get("privileged"):
            report(f"Container '{name}' in '{args.name}' is privileged.", None)
        if not any(mount.get("containerPath") == WRITABLE_PATH for mount in container.get("mountPoints", [])):
            report(f"Container '{name}' in '{args.name}' has no writable {WRITABLE_PATH} volume.", None)
        if dict(container.get("logConfiguration") or {}).get("logDriver") != "awslogs":
            report(f"Container '{name}' in '{args.name}' does not log to CloudWatch.", None)
        for variable in container.get("environment", []):
            key, value = variable.get("name", ""), str(variable.get("value", ""))
            if key in SECRET_ENV_NAMES or SECRET_LOOKING.search(key) or CREDENTIALS_IN_URL.search(value):
                report(f"Container '{name}' in '{args.name}' has the secret {key} as a plain environment value.", None)
        for secret in container.get("secrets", []):
            if not str(secret.get("valueFrom", "")).startswith("arn:aws:secretsmanager:"):
                report(
                    f"Container '{name}' in '{args.name}' reads {secret.get('name')} from outside Secrets Manager.",
                    None,
                )
    app = [
        container for container in containers if container.get("command") and container["command"][0] in IMAGE_COMMANDS
    ]
    if not app:
        report(f"Task definition '{args.name}' runs none of the image's commands ({', '.join(IMAGE_COMMANDS)}).", None)


def check_service(args: ResourceValidationArgs, report: ReportViolation) -> None:
    network = dict(args.props.get("networkConfiguration") or {})
    if network.get("assignPublicIp"):
        report(f"Service '{args.name}' gives its tasks public addresses.", None)
    breaker = dict(args.props.get("deploymentCircuitBreaker") or {})
    if not (breaker.get("enable") and breaker.get("rollback")):
        report(f"Service '{args.name}' does not roll back a failed deployment.", None)


def check_trail(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    for key, what in (
        ("isMultiRegionTrail", "cover every region"),
        ("enableLogFileValidation", "validate its log files"),
        ("kmsKeyId", "encrypt with a customer-managed key"),
        ("cloudWatchLogsGroupArn", "deliver to CloudWatch Logs"),
    ):
        if not props.get(key):
            report(f"Trail '{args.name}' does not {what}.", None)
