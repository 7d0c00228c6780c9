"""Runs the policy pack's rules offline on captured resources, as `pulumi preview --policy-pack` would:
resource rules see each resource's inputs, stack rules see every resource's outputs."""

import asyncio
import copy
import inspect
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties

from policy.rules import RESOURCE_POLICIES, STACK_POLICIES
from tests.harness import Captured, Resource


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def resource_args(resource: Resource, *, props: dict[str, Any] | None = None) -> ResourceValidationArgs:
    """What the engine hands a resource rule: the inputs, secrets unwrapped (`pulumi_policy.deserialize`)."""
    raw = deserialize_properties(copy.deepcopy(resource.inputs)) if props is None else props
    return ResourceValidationArgs(resource.typ, raw, resource.urn, resource.name, _options(), None)


def _run(result: Any) -> None:
    if inspect.isawaitable(result):
        asyncio.new_event_loop().run_until_complete(result)


def resource_violations(policy: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[str]:
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    _run(policy.validate(args, report))
    return found


def stack_resources(captured: Captured) -> list[PolicyResource]:
    """What the engine hands a stack rule: every resource's outputs. The engine also records which
    resource each input came from (`property_dependencies`); the mocks cannot see that, so the rules
    link these by value, through the `id` added here."""
    resources = []
    for r in captured:
        outputs = {k: v for k, v in r.outputs.items() if not k.startswith("_")}
        props = {**deserialize_properties(copy.deepcopy(outputs)), "id": r.resource_id}
        resources.append(PolicyResource(r.typ, props, r.urn, r.name, _options(), None, None, [], {}))
    return resources


def stack_violations(policy: StackValidationPolicy, resources: list[PolicyResource]) -> list[str]:
    found: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append(message)

    _run(policy.validate(StackValidationArgs(resources), report))
    return found


def all_violations(captured: Captured) -> dict[str, list[str]]:
    """Every rule's violations on the captured program, keyed by rule name (empty lists dropped)."""
    found: dict[str, list[str]] = {}
    for policy in RESOURCE_POLICIES:
        for resource in captured:
            found.setdefault(policy.name, []).extend(resource_violations(policy, resource_args(resource)))
    resources = stack_resources(captured)
    for stack_policy in STACK_POLICIES:
        found.setdefault(stack_policy.name, []).extend(stack_violations(stack_policy, resources))
    return {name: messages for name, messages in found.items() if messages}
