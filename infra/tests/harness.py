"""Runs the Pulumi program of one stack in-process under `pulumi.runtime.set_mocks` and captures
every resource it declares, with its inputs, its provider and the outputs the mocks computed.

The mocks stand in for the AWS control plane, which these tests cannot reach: for each resource
type they compute the outputs AWS would (ARNs, DNS names, ARN suffixes, generated names) from the
inputs, so values that flow from one resource into another are real strings the tests can trace.
"""

import json
import runpy
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml  # type: ignore[import-untyped]  # PyYAML comes with pulumi, without its stubs
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

INFRA = Path(__file__).resolve().parent.parent
PROJECT = "earfit"
EDGE_REGION = "us-east-1"
STACKS = tuple(sorted(path.stem.removeprefix("Pulumi.") for path in INFRA.glob("Pulumi.*.yaml")))
# What the pipeline passes as `--config earfit:imageTag=…`: the commit push_image pushed.
IMAGE_TAG = "3f9c2ab8e41d07c5a96b2f0e1d3c4b5a69788796"


def stack_config(stack: str) -> dict[str, str]:
    """The committed `Pulumi.<stack>.yaml` as the CLI hands it to a program: every value a string."""
    document = yaml.safe_load((INFRA / f"Pulumi.{stack}.yaml").read_text())
    values: dict[str, str] = {}
    for key, value in document["config"].items():
        values[key] = value if isinstance(value, str) else json.dumps(value)
    values["earfit:imageTag"] = IMAGE_TAG
    return values


@dataclass
class Resource:
    typ: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    provider: str | None
    urn: str
    resource_id: str

    @property
    def region(self) -> str | None:
        return self.outputs.get("_region")


@dataclass
class Captured:
    stack: str
    resources: list[Resource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    options: dict[tuple[str, str], pulumi.ResourceOptions] = field(default_factory=dict)  # (type, name) -> options

    def of_type(self, typ: str) -> list[Resource]:
        return [resource for resource in self.resources if resource.typ == typ]

    def one(self, typ: str, name: str) -> Resource:
        matches = [resource for resource in self.resources if resource.typ == typ and resource.name == name]
        assert len(matches) == 1, f"expected one {typ} named {name}, found {len(matches)}"
        return matches[0]

    def by_output(self, key: str, value: Any) -> Resource:
        matches = [resource for resource in self.resources if resource.outputs.get(key) == value]
        assert len(matches) == 1, f"expected one resource whose {key} is {value!r}, found {len(matches)}"
        return matches[0]

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources)


def _suffix(name: str) -> str:
    """The random suffix AWS or Pulumi's auto-naming would add, stable across runs."""
    return f"{zlib.crc32(name.encode()):08x}"


class AwsMocks(pulumi.runtime.Mocks):
    """Computes the outputs AWS would return; records every resource and every call."""

    def __init__(self, *, stack: str, account_id: str, region: str, caller_account_id: str) -> None:
        self.stack = stack
        self.account_id = account_id
        self.region = region
        self.caller_account_id = caller_account_id
        self.resources: list[Resource] = []
        self.providers: dict[str, str] = {}  # provider resource id -> region
        self.calls: list[pulumi.runtime.MockCallArgs] = []

    def _region_of(self, provider: str | None) -> str:
        if not provider:
            return self.region
        return self.providers.get(provider.rsplit("::", 1)[-1], self.region)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = dict(args.inputs)
        name = args.name
        account = self.account_id
        if args.typ == "pulumi:providers:aws":
            resource_id = f"{name}-provider-id"
            self.providers[resource_id] = inputs.get("region", self.region)
            self._record(args, inputs, {**inputs}, resource_id)
            return resource_id, inputs
        region = self._region_of(args.provider)
        service = args.typ.split(":")[1].split("/")[0]
        physical = inputs.get("name") or f"{name}-{_suffix(name)}"
        outputs: dict[str, Any] = {"arn": f"arn:aws:{service}:{region}:{account}:{name}", "_region": region}
        resource_id = f"{name}-id"
        match args.typ:
            case "aws:s3/bucket:Bucket":
                bucket = f"{name}-{_suffix(name)}"
                resource_id = bucket
                outputs |= {
                    "bucket": bucket,
                    "arn": f"arn:aws:s3:::{bucket}",
                    "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
                }
            case "aws:ecr/repository:Repository":
                outputs |= {
                    "repositoryUrl": f"{account}.dkr.ecr.{region}.amazonaws.com/{physical}",
                    "arn": f"arn:aws:ecr:{region}:{account}:repository/{physical}",
                }
            case "aws:lb/loadBalancer:LoadBalancer":
                outputs |= {
                    "dnsName": f"{physical}-1234567890.{region}.elb.amazonaws.com",
                    "arnSuffix": f"app/{physical}/50dc6c495c0c9188",
                    "arn": f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/app/{physical}/50dc6c495c0c9188",
                }
            case "aws:lb/targetGroup:TargetGroup":
                outputs |= {
                    "arnSuffix": f"targetgroup/{physical}/943f017f100becff",
                    "arn": f"arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/{physical}/943f017f100becff",
                }
            case "aws:lb/listener:Listener":
                outputs |= {"arn": f"arn:aws:elasticloadbalancing:{region}:{account}:listener/app/{name}/1/2"}
            case "aws:rds/instance:Instance":
                outputs |= {
                    "address": f"{inputs['identifier']}.c9akciq32.{region}.rds.amazonaws.com",
                    "arn": f"arn:aws:rds:{region}:{account}:db:{inputs['identifier']}",
                }
            case "aws:elasticache/replicationGroup:ReplicationGroup":
                group = inputs["replicationGroupId"]
                outputs |= {
                    "primaryEndpointAddress": f"master.{group}.abc123.euc1.cache.amazonaws.com",
                    "arn": f"arn:aws:elasticache:{region}:{account}:replicationgroup:{group}",
                }
            case "random:index/randomPassword:RandomPassword":
                outputs = {"result": f"generated-{name}-{'x' * 8}"}
            case "aws:cloudfront/distribution:Distribution":
                resource_id = "E2QWRUHAPOMQZL"
                outputs |= {
                    "domainName": "d111111abcdef8.cloudfront.net",
                    "hostedZoneId": "Z2FDTNDATAQYW2",
                    "arn": f"arn:aws:cloudfront::{account}:distribution/{resource_id}",
                }
            case "aws:wafv2/webAcl:WebAcl":
                outputs |= {"arn": f"arn:aws:wafv2:{region}:{account}:global/webacl/{physical}/a1b2c3d4"}
            case "aws:cloudwatch/logGroup:LogGroup":
                outputs |= {"arn": f"arn:aws:logs:{region}:{account}:log-group:{physical}"}
            case "aws:secretsmanager/secret:Secret":
                outputs |= {"arn": f"arn:aws:secretsmanager:{region}:{account}:secret:{physical}-AbCdEf"}
            case "aws:kms/key:Key":
                outputs |= {"arn": f"arn:aws:kms:{region}:{account}:key/{name}", "keyId": name}
            case "aws:iam/role:Role":
                outputs |= {"arn": f"arn:aws:iam::{account}:role/{physical}", "name": physical}
            case "aws:sns/topic:Topic":
                outputs |= {"arn": f"arn:aws:sns:{region}:{account}:{physical}"}
            case "aws:ecs/cluster:Cluster":
                outputs |= {"arn": f"arn:aws:ecs:{region}:{account}:cluster/{physical}"}
            case "aws:ecs/taskDefinition:TaskDefinition":
                outputs |= {
                    "arn": f"arn:aws:ecs:{region}:{account}:task-definition/{inputs['family']}:1",
                    "revision": 1,
                }
            case "aws:ec2/securityGroup:SecurityGroup":
                resource_id = f"sg-{name}"
            case "aws:ec2/subnet:Subnet":
                resource_id = f"subnet-{name}"
            case "aws:ec2/vpc:Vpc":
                resource_id = f"vpc-{name}"
        outputs = {**inputs, "name": physical, **outputs} if "name" not in outputs else {**inputs, **outputs}
        self._record(args, inputs, outputs, resource_id)
        return resource_id, outputs

    def _record(self, args: pulumi.runtime.MockResourceArgs, inputs: dict, outputs: dict, resource_id: str) -> None:
        urn = f"urn:pulumi:{self.stack}::{PROJECT}::{args.typ}::{args.name}"
        self.resources.append(
            Resource(
                typ=args.typ,
                name=args.name,
                inputs=inputs,
                outputs=outputs,
                provider=args.provider,
                urn=urn,
                resource_id=resource_id,
            )
        )

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        self.calls.append(args)
        region = self._region_of(args.provider)
        match args.token:
            case "aws:index/getCallerIdentity:getCallerIdentity":
                account = self.caller_account_id
                identity = {
                    "accountId": account,
                    "arn": f"arn:aws:sts::{account}:assumed-role/earfit-deploy/s",
                    "userId": "AROAEXAMPLE:s",
                    "id": account,
                }
                return identity, []
            case "aws:index/getAvailabilityZones:getAvailabilityZones":
                zones = {
                    "names": [f"{region}a", f"{region}b", f"{region}c"],
                    "zoneIds": ["z1", "z2", "z3"],
                    "id": region,
                }
                return zones, []
            case "aws:ec2/getManagedPrefixList:getManagedPrefixList":
                return ({"id": "pl-a3a144ca", "name": args.args.get("name"), "entries": []}, [])
        raise NotImplementedError(f"the mocks do not answer {args.token}")


def program_attempt(
    stack: str, *, overrides: dict[str, str | None] | None = None, caller_account_id: str | None = None
) -> tuple[Captured, BaseException | None]:
    """Runs `infra/__main__.py` for `stack` with its committed config (plus overrides; None deletes a
    key); returns what it declared and the error that stopped it, if any."""
    config = stack_config(stack)
    for key, value in (overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    mocks = AwsMocks(
        stack=stack,
        account_id=config.get("earfit:accountId", "000000000000"),
        region=config.get("earfit:region", "eu-central-1"),
        caller_account_id=caller_account_id or config.get("earfit:accountId", "000000000000"),
    )
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False)
    pulumi.runtime.set_all_config(config, [])
    captured = Captured(stack=stack, resources=mocks.resources)

    def record_options(args: pulumi.ResourceTransformationArgs) -> None:
        # Resource options (ignore_changes, depends_on) never reach the mocks; a transformation sees them.
        captured.options[(args.type_, args.name)] = args.opts

    pulumi.runtime.register_stack_transformation(record_options)
    program = str(INFRA / "__main__.py")

    def run() -> None:
        runpy.run_path(program, run_name="__main__")

    try:
        _sync_await(run_pulumi_func(run))
    except Exception as error:  # noqa: BLE001 - handed to the caller, which asserts on it
        return captured, error
    root = runtime_settings.get_root_resource()
    for key, value in getattr(root, "outputs", {}).items():
        captured.exports[key] = _sync_await(pulumi.Output.from_input(value).future())
    return captured, None


def program_run(stack: str, **kwargs: Any) -> Captured:
    """Runs the program like `program_attempt` and fails on any error."""
    captured, error = program_attempt(stack, **kwargs)
    if error is not None:
        raise error
    return captured
