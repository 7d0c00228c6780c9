"""What the delivery pipeline meets in a stack, as this program declares it, in JSON.

The pipeline's tests (`tests/deploy/`, in the application's environment, without Pulumi) build
their emulated AWS from this view instead of from names of their own: the stack's outputs under
the names the program exports, its task definitions' container definitions (images, commands,
awslogs group and stream prefix), its services, log groups, target group, and the CloudFront
behaviours that decide which origin answers a path. A change on either side that breaks the
other then fails a test.

    python -m tests.pipeline_view STACK      (from infra/, in infra/.venv)
"""

import json
import sys
from typing import Any

from tests.harness import Captured, program_run, stack_config

TASK_DEFINITION_FIELDS = (
    "family",
    "cpu",
    "memory",
    "networkMode",
    "requiresCompatibilities",
    "executionRoleArn",
    "taskRoleArn",
    "volumes",
    "runtimePlatform",
)


def _unwrap(value: Any) -> Any:
    # Secret values reach the mocks wrapped; the view never needs them, only their shape.
    return value.get("value") if isinstance(value, dict) and "4dabf18193072939515e22adb298388d" in value else value


def _integers(value: Any) -> Any:
    """The mocks hand numbers over as protobuf floats; AWS's APIs take counts and ports as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integers(item) for item in value]
    return value


def _task_definitions(stack: Captured) -> dict[str, dict[str, Any]]:
    views = {}
    for definition in stack.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        view = {key: definition.inputs[key] for key in TASK_DEFINITION_FIELDS if key in definition.inputs}
        view["containerDefinitions"] = json.loads(definition.inputs["containerDefinitions"])
        view["arn"] = definition.outputs["arn"]
        views[definition.inputs["family"]] = view
    return views


def _services(stack: Captured) -> dict[str, dict[str, Any]]:
    by_arn = {d.outputs["arn"]: d.inputs["family"] for d in stack.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    views = {}
    for service in stack.of_type("aws:ecs/service:Service"):
        inputs = service.inputs
        views[inputs["name"]] = {
            "family": by_arn[inputs["taskDefinition"]],
            "desiredCount": inputs["desiredCount"],
            "loadBalancers": [
                {"containerName": lb["containerName"], "containerPort": lb["containerPort"]}
                for lb in inputs.get("loadBalancers") or []
            ],
            "ignoreChanges": list(stack.options[(service.typ, service.name)].ignore_changes or []),
        }
    return views


def _distribution(stack: Captured) -> dict[str, Any]:
    inputs = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").inputs
    origins = {
        origin["originId"]: ("bucket" if origin.get("originAccessControlId") else "alb")
        for origin in _unwrap(inputs["origins"])
    }
    for group in inputs.get("originGroups") or []:
        members = {origins[member["originId"]] for member in group["members"]}
        assert len(members) == 1, f"origin group {group['originId']} mixes origin kinds"
        origins[group["originId"]] = members.pop()

    def behaviour(raw: dict[str, Any]) -> dict[str, Any]:
        return {
            "pathPattern": raw.get("pathPattern", "*"),
            "origin": origins[raw["targetOriginId"]],
            "cachePolicyId": raw["cachePolicyId"],
            "allowedMethods": raw["allowedMethods"],
            "viewerRequestFunction": any(
                f["eventType"] == "viewer-request" for f in raw.get("functionAssociations") or []
            ),
        }

    return {
        "defaultRootObject": inputs.get("defaultRootObject"),
        "behaviours": [behaviour(b) for b in inputs.get("orderedCacheBehaviors") or []],
        "default": behaviour(inputs["defaultCacheBehavior"]),
        "geoRestriction": inputs["restrictions"]["geoRestriction"],
    }


def pipeline_view(stack_name: str) -> dict[str, Any]:
    stack = program_run(stack_name)
    config = stack_config(stack_name)
    target_group = stack.one("aws:lb/targetGroup:TargetGroup", "web-web").inputs
    return {
        "stack": stack_name,
        "config": {
            key.removeprefix("earfit:"): config[key]
            for key in ("earfit:accountId", "earfit:region", "earfit:deployRoleArn", "earfit:releaseRepositoryUrl")
        },
        "image_tag": config["earfit:imageTag"],
        "outputs": {key: _unwrap(value) for key, value in stack.exports.items()},
        "task_definitions": _task_definitions(stack),
        "services": _services(stack),
        "log_groups": sorted(g.inputs["name"] for g in stack.of_type("aws:cloudwatch/logGroup:LogGroup")),
        "target_group": {
            "port": target_group["port"],
            "protocol": target_group["protocol"],
            "healthCheckPath": target_group["healthCheck"]["path"],
        },
        "distribution": _distribution(stack),
    }


def main() -> None:
    (stack_name,) = sys.argv[1:]
    print(json.dumps(_integers(pipeline_view(stack_name)), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
