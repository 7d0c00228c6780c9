"""ECS pieces the migration, roll and rollback steps share: a task definition with a new image, and
a bounded wait for services to reach steady state that notices ECS's own circuit-breaker rollback."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deploy.runtime import Actions, Client, Deadline, StepFailed

# Everything RegisterTaskDefinition accepts that DescribeTaskDefinition returns; the rest
# (ARN, revision, status, compatibilities, registeredAt…) is ECS's own bookkeeping.
REGISTERABLE = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)


def image_repository(image: str) -> str:
    """`host:5000/a/b:tag` or `host/a/b@sha256:…` → `host:5000/a/b`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rindex(":")]
    return name


@dataclass(frozen=True)
class TaskDefinitionDraft:
    """A new revision to register: the base revision with only the image of the app containers changed."""

    base_arn: str
    params: dict[str, Any]
    containers: tuple[str, ...]


def task_definition_draft(*, ecs: Client, task_definition: str, image: str) -> TaskDefinitionDraft:
    """Copy `task_definition` (a family: its latest ACTIVE revision; or an ARN) with `image` in
    every container that runs an image of the same repository; sidecars keep theirs."""
    described = ecs.describe_task_definition(taskDefinition=task_definition, include=["TAGS"])
    base = described["taskDefinition"]
    params = {key: base[key] for key in REGISTERABLE if base.get(key) not in (None, [], {})}
    repository = image_repository(image)
    changed = []
    containers = []
    for container in base["containerDefinitions"]:
        container = dict(container)
        if image_repository(str(container.get("image", ""))) == repository:
            container["image"] = image
            changed.append(str(container["name"]))
        containers.append(container)
    if not changed:
        images = ", ".join(f"{c['name']}={c.get('image')}" for c in base["containerDefinitions"])
        raise StepFailed(f"no container of {base['taskDefinitionArn']} runs an image from {repository} ({images})")
    params["containerDefinitions"] = containers
    if described.get("tags"):
        params["tags"] = described["tags"]
    return TaskDefinitionDraft(base_arn=str(base["taskDefinitionArn"]), params=params, containers=tuple(changed))


def task_definition_register(*, ecs: Client, draft: TaskDefinitionDraft, actions: Actions) -> str:
    """The new revision's ARN (a placeholder naming the family in a dry run)."""
    registered = actions.call(ecs, "register_task_definition", **draft.params)
    if registered is None:
        return f"<new revision of {draft.params['family']}>"
    arn = str(registered["taskDefinition"]["taskDefinitionArn"])
    actions.say(f"registered {arn} from {draft.base_arn}: image of {', '.join(draft.containers)} changed")
    return arn


@dataclass(frozen=True)
class ServiceState:
    name: str
    stable: bool
    detail: str


def service_state(service: Mapping[str, Any], *, expected: str) -> ServiceState:
    """Stable as ECS's `services_stable` waiter defines it (one deployment, running = desired),
    on the expected task definition, with the rollout (where ECS reports one) completed.

    Raises when ECS gave up on the deployment: its rollout FAILED, or the circuit breaker
    put the service back on another task definition.
    """
    name = str(service["serviceName"])
    if service.get("status") != "ACTIVE":
        raise StepFailed(f"service {name} is {service.get('status')}")
    deployments = service.get("deployments", [])
    for deployment in deployments:
        if deployment.get("taskDefinition") == expected and deployment.get("rolloutState") == "FAILED":
            raise StepFailed(
                f"ECS gave up rolling {name} to {expected}: {deployment.get('rolloutStateReason', 'rollout FAILED')}"
            )
    current = service.get("taskDefinition")
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    counts = f"{service.get('runningCount')}/{service.get('desiredCount')} running, {len(deployments)} deployment(s)"
    steady = len(deployments) == 1 and service.get("runningCount") == service.get("desiredCount")
    rollout = primary.get("rolloutState") if primary else None
    if current != expected:
        if steady and rollout in (None, "COMPLETED"):
            raise StepFailed(f"ECS's circuit breaker rolled {name} back to {current} instead of {expected}")
        return ServiceState(name, False, f"{name}: on {current}, {counts}")
    stable = steady and rollout in (None, "COMPLETED")
    return ServiceState(name, stable, f"{name}: {counts}, rollout {rollout or 'n/a'}")


def services_wait_stable(
    *,
    ecs: Client,
    cluster: str,
    expected: Mapping[str, str],
    deadline: Deadline,
    actions: Actions,
) -> None:
    """Poll DescribeServices until every service is stable on its expected task definition, or fail
    at the bound (the services are then left as they are; the rollback step decides)."""
    last: list[ServiceState] = []
    for elapsed in deadline.polls():
        described = ecs.describe_services(cluster=cluster, services=list(expected))
        missing = [failure.get("arn", "?") for failure in described.get("failures", [])]
        if missing:
            raise StepFailed(f"services not found in {cluster}: {', '.join(missing)}")
        last = [service_state(service, expected=expected[service["serviceName"]]) for service in described["services"]]
        stable = sum(state.stable for state in last)
        actions.say(
            f"[{elapsed:5.0f} s of {deadline.seconds:.0f} s] {stable}/{len(last)} stable; "
            + "; ".join(s.detail for s in last)
        )
        if stable == len(last):
            return
    waiting = ", ".join(state.detail for state in last if not state.stable)
    raise StepFailed(f"not stable within {deadline.seconds:.0f} s: {waiting}")


def target_groups_check(*, elbv2: Client, services: list[Mapping[str, Any]]) -> list[str]:
    """Every target group a service registers with has targets, all healthy (draining ones aside)."""
    checked = []
    for service in services:
        for balancer in service.get("loadBalancers", []):
            arn = balancer.get("targetGroupArn")
            if not arn:
                continue
            health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            states = [
                target["TargetHealth"]["State"] for target in health if target["TargetHealth"]["State"] != "draining"
            ]
            if not states or any(state != "healthy" for state in states):
                raise StepFailed(
                    f"{service['serviceName']}'s target group {arn} is not healthy: {states or 'no targets'}"
                )
            checked.append(f"{service['serviceName']}: {len(states)} healthy target(s)")
    return checked
