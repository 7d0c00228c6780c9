"""The policy pack: no violation on any committed stack, and each rule catches its bad fixture
with exactly the expected message."""

import copy
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy.deserialize import deserialize_properties

from policy.rules import POLICIES, RESOURCE_POLICIES, STACK_POLICIES
from tests.conftest import captured_stack
from tests.harness import Captured
from tests.policy_harness import all_violations, resource_args, resource_violations, stack_resources, stack_violations

Props = dict[str, Any]


def test_policy_pack_reports_no_violation(stack: Captured) -> None:
    assert all_violations(stack) == {}


def _set(path: str, value: Any) -> Callable[[Props], None]:
    def mutate(props: Props) -> None:
        *parents, last = path.split(".")
        target: Any = props
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(key: str) -> Callable[[Props], None]:
    return lambda props: props.pop(key, None)


def _edit_json(key: str, edit: Callable[[Any], None]) -> Callable[[Props], None]:
    def mutate(props: Props) -> None:
        document = json.loads(props[key])
        edit(document)
        props[key] = json.dumps(document)

    return mutate


def _container_env(name: str, value: str) -> Callable[[Props], None]:
    return _edit_json(
        "containerDefinitions", lambda containers: containers[0]["environment"].append({"name": name, "value": value})
    )


def _container(key: str, value: Any) -> Callable[[Props], None]:
    return _edit_json("containerDefinitions", lambda containers: containers[0].__setitem__(key, value))


def _statement(key: str, index: int, field: str, value: Any) -> Callable[[Props], None]:
    return _edit_json(key, lambda document: document["Statement"][index].__setitem__(field, value))


def _open_to_the_world(props: Props) -> None:
    props.pop("prefixListId")
    props["cidrIpv4"] = "0.0.0.0/0"


# (rule, resource type, resource name, mutation, exact violations)
RESOURCE_FIXTURES: list[tuple[str, str, str, Callable[[Props], None], list[str]]] = [
    (
        "s3-public-access-blocked",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "storage-photos-public-access",
        _set("restrictPublicBuckets", False),
        ["S3 public access block 'storage-photos-public-access' leaves restrictPublicBuckets off."],
    ),
    (
        "s3-encrypted",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "storage-photos-encryption",
        _set("rules.0.applyServerSideEncryptionByDefault", {"sseAlgorithm": "aws:kms"}),
        ["Bucket encryption 'storage-photos-encryption' uses aws:kms without naming a customer-managed key."],
    ),
    (
        "s3-tls-only",
        "aws:s3/bucketPolicy:BucketPolicy",
        "storage-photos-policy",
        _statement("policy", 0, "Condition", {}),
        ["Bucket policy 'storage-photos-policy' does not deny requests without TLS (aws:SecureTransport)."],
    ),
    (
        "photo-retention-matches-app",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "storage-photos-lifecycle",
        _set("rules.0.expiration.days", 365),
        [
            "Photo expiry rule 'expire-photos' expires photos after 365 days; the application keeps them 90 days "
            "(earfit/retention.py)."
        ],
    ),
    (
        "s3-lifecycle-aborts-uploads",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "cdn-static-lifecycle",
        _set("rules.0.abortIncompleteMultipartUpload", None),
        ["Lifecycle 'cdn-static-lifecycle' never aborts incomplete multipart uploads."],
    ),
    (
        "database-private-encrypted",
        "aws:rds/instance:Instance",
        "database-postgres",
        _set("publiclyAccessible", True),
        ["Database 'database-postgres' is publicly accessible."],
    ),
    (
        "redis-encrypted-authenticated",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "broker-redis",
        _set("transitEncryptionEnabled", False),
        ["Redis 'broker-redis' does not require TLS and an AUTH token."],
    ),
    (
        "kms-rotated-not-public",
        "aws:kms/key:Key",
        "keys-data",
        _set("enableKeyRotation", False),
        ["KMS key 'keys-data' does not rotate."],
    ),
    (
        "log-groups-encrypted-retained",
        "aws:cloudwatch/logGroup:LogGroup",
        "app-web",
        _set("retentionInDays", 30),
        ["Log group 'app-web' keeps logs 30 days; the minimum is 365."],
    ),
    (
        "secrets-and-topics-cmk",
        "aws:secretsmanager/secret:Secret",
        "secrets-database-url",
        _delete("kmsKeyId"),
        ["'secrets-database-url' is not encrypted with a customer-managed key."],
    ),
    (
        "ecr-immutable-scanned",
        "aws:ecr/repository:Repository",
        "registry-repository",
        _set("imageTagMutability", "MUTABLE"),
        ["Repository 'registry-repository' lets a tag be overwritten."],
    ),
    (
        "alb-hardened",
        "aws:lb/loadBalancer:LoadBalancer",
        "web-alb",
        _set("dropInvalidHeaderFields", False),
        ["Load balancer 'web-alb' forwards invalid HTTP headers."],
    ),
    (
        "alb-https-only",
        "aws:lb/listener:Listener",
        "web-https",
        _set("sslPolicy", "ELBSecurityPolicy-2016-08"),
        ["Listener 'web-https' allows TLS older than 1.2 (policy ELBSecurityPolicy-2016-08)."],
    ),
    (
        "alb-origin-header",
        "aws:lb/listenerRule:ListenerRule",
        "web-from-cloudfront",
        _set("conditions", [{"pathPattern": {"values": ["/*"]}}]),
        ["Listener rule 'web-from-cloudfront' forwards without checking CloudFront's origin header."],
    ),
    (
        "cloudfront-waf-tls",
        "aws:cloudfront/distribution:Distribution",
        "cdn-distribution",
        _delete("webAclId"),
        ["Distribution 'cdn-distribution' has no WAF web ACL."],
    ),
    (
        "waf-managed-rules",
        "aws:wafv2/webAcl:WebAcl",
        "waf-acl",
        lambda props: props.__setitem__(
            "rules", [r for r in props["rules"] if r["name"] != "AWSManagedRulesSQLiRuleSet"]
        ),
        ["Web ACL 'waf-acl' lacks the managed rule groups AWSManagedRulesSQLiRuleSet."],
    ),
    (
        "waf-logs-redacted",
        "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        "waf-logging",
        lambda props: props.__setitem__("redactedFields", props["redactedFields"][1:]),
        ["WAF logging 'waf-logging' writes the authorization header(s) in clear."],
    ),
    (
        "no-world-ingress",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "firewall-alb-from-cloudfront",
        _open_to_the_world,
        ["Ingress rule 'firewall-alb-from-cloudfront' admits the whole internet."],
    ),
    (
        "no-public-ip-subnets",
        "aws:ec2/subnet:Subnet",
        "network-public-0",
        _set("mapPublicIpOnLaunch", True),
        ["Subnet 'network-public-0' gives every interface a public address."],
    ),
    (
        "iam-no-wildcards",
        "aws:iam/rolePolicy:RolePolicy",
        "app-task-photos",
        _statement("policy", 1, "Action", ["s3:*"]),
        ["IAM policy 'app-task-photos' grants the wildcard action 's3:*' (statement 'ReadWriteErasePhotos')."],
    ),
    (
        "iam-trust-scoped",
        "aws:iam/role:Role",
        "app-execution",
        _statement("assumeRolePolicy", 0, "Principal", {"AWS": "*"}),
        ["Role 'app-execution' can be assumed by anyone."],
    ),
    (
        "iam-no-broad-managed-policies",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "database-monitoring",
        _set("policyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
        [
            "Role attachment 'database-monitoring' grants the broad managed policy arn:aws:iam::aws:policy/AdministratorAccess."
        ],
    ),
    (
        "containers-hardened-no-plaintext-secrets",
        "aws:ecs/taskDefinition:TaskDefinition",
        "app-web",
        _container_env("DATABASE_URL", "postgres://earfit:hunter2@db:5432/earfit"),
        ["Container 'web' in 'app-web' has the secret DATABASE_URL as a plain environment value."],
    ),
    (
        "ecs-private-rollback",
        "aws:ecs/service:Service",
        "app-worker",
        _set("networkConfiguration.assignPublicIp", True),
        ["Service 'app-worker' gives its tasks public addresses."],
    ),
    (
        "cloudtrail-complete",
        "aws:cloudtrail/trail:Trail",
        "audit-trail",
        _set("enableLogFileValidation", False),
        ["Trail 'audit-trail' does not validate its log files."],
    ),
]

# Further fixtures for rules that guard more than one thing.
EXTRA_FIXTURES = [
    (
        "cloudfront-waf-tls",
        "aws:cloudfront/distribution:Distribution",
        "cdn-distribution",
        _set("restrictions", {"geoRestriction": {"restrictionType": "none"}}),
        ["Distribution 'cdn-distribution' serves every country instead of the markets configured."],
    ),
    (
        "containers-hardened-no-plaintext-secrets",
        "aws:ecs/taskDefinition:TaskDefinition",
        "app-beat",
        _container("user", "0"),
        ["Container 'beat' in 'app-beat' does not run as 10001:10001."],
    ),
    (
        "containers-hardened-no-plaintext-secrets",
        "aws:ecs/taskDefinition:TaskDefinition",
        "app-worker",
        _container("readonlyRootFilesystem", False),
        ["Container 'worker' in 'app-worker' can write its root filesystem."],
    ),
    (
        "iam-no-wildcards",
        "aws:iam/rolePolicy:RolePolicy",
        "app-execution",
        _statement("policy", 3, "Resource", ["*"]),
        [
            "IAM policy 'app-execution' grants secretsmanager:GetSecretValue on every resource (statement 'ReadOurSecrets')."
        ],
    ),
    (
        "alb-https-only",
        "aws:lb/listener:Listener",
        "web-http",
        _set("defaultActions", [{"type": "forward", "targetGroupArn": "arn"}]),
        ["Listener 'web-http' serves plain HTTP instead of redirecting to HTTPS."],
    ),
    (
        "photo-retention-matches-app",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "storage-photos-lifecycle",
        _set("rules.0.noncurrentVersionExpiration.noncurrentDays", 180),
        ["Photo expiry rule 'expire-photos' keeps noncurrent photo versions beyond 90 days."],
    ),
]


@pytest.mark.parametrize(
    ("rule", "typ", "name", "mutate", "expected"),
    RESOURCE_FIXTURES + EXTRA_FIXTURES,
    ids=[f"{f[0]}:{f[2]}" for f in RESOURCE_FIXTURES + EXTRA_FIXTURES],
)
def test_rule_catches_its_bad_fixture(
    rule: str, typ: str, name: str, mutate: Callable[[Props], None], expected: list[str]
) -> None:
    prod = captured_stack("prod")
    resource = prod.one(typ, name)
    policy = next(p for p in RESOURCE_POLICIES if p.name == rule)
    assert resource_violations(policy, resource_args(resource)) == [], "the fixture starts from a compliant resource"
    props = deserialize_properties(copy.deepcopy(resource.inputs))
    mutate(props)
    assert resource_violations(policy, resource_args(resource, props=props)) == expected


def _without(resources: list, typ: str, name: str) -> list:
    return [r for r in resources if not (r.resource_type == typ and r.name == name)]


def _edit_props(resources: list, typ: str, name: str, mutate: Callable[[Props], None]) -> list:
    for resource in resources:
        if resource.resource_type == typ and resource.name == name:
            mutate(resource.props)
    return resources


STACK_FIXTURES = [
    (
        "s3-buckets-complete",
        lambda rs: _without(rs, "aws:s3/bucketLogging:BucketLogging", "audit-archive-logging"),
        ["Bucket 'audit-archive' has no access logging."],
    ),
    (
        "alb-only-from-cloudfront",
        lambda rs: _edit_props(
            rs,
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "firewall-alb-from-cloudfront",
            _set("fromPort", 80),
        ),
        [
            "Load balancer 'web-alb' admits more than CloudFront's origin-facing prefix list on 443 "
            "(rule 'firewall-alb-from-cloudfront')."
        ],
    ),
    (
        "logging-everywhere",
        lambda rs: _without(rs, "aws:ec2/flowLog:FlowLog", "network-flow-logs"),
        ["VPC 'network-vpc' has no flow logs."],
    ),
]


@pytest.mark.parametrize(("rule", "break_stack", "expected"), STACK_FIXTURES, ids=[f[0] for f in STACK_FIXTURES])
def test_stack_rule_catches_its_bad_fixture(
    rule: str, break_stack: Callable[[list], list], expected: list[str]
) -> None:
    policy = next(p for p in STACK_POLICIES if p.name == rule)
    assert stack_violations(policy, stack_resources(captured_stack("prod"))) == []
    assert stack_violations(policy, break_stack(stack_resources(captured_stack("prod")))) == expected


def test_a_photo_bucket_without_its_expiry_rule_is_caught() -> None:
    policy = next(p for p in STACK_POLICIES if p.name == "s3-buckets-complete")
    resources = _edit_props(
        stack_resources(captured_stack("prod")),
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "storage-photos-lifecycle",
        _set("rules.0.id", "something-else"),
    )
    assert stack_violations(policy, resources) == [
        "Exactly one bucket must carry the 'expire-photos' lifecycle rule; found 0."
    ]


def test_every_rule_has_a_bad_fixture() -> None:
    covered = {f[0] for f in RESOURCE_FIXTURES} | {f[0] for f in STACK_FIXTURES}
    assert covered == {policy.name for policy in POLICIES}


def test_rules_are_importable_and_only_the_pack_entry_point_serves_them() -> None:
    # Constructing PolicyPack starts a policy server and blocks, so only policy/__main__.py does it.
    policy_dir = Path(__file__).resolve().parent.parent / "policy"
    constructs = re.compile(r"^\s*PolicyPack\(", re.MULTILINE)
    assert constructs.search((policy_dir / "__main__.py").read_text())
    assert not [path.name for path in (policy_dir / "rules").glob("*.py") if constructs.search(path.read_text())]
    assert len({policy.name for policy in POLICIES}) == len(POLICIES)
    # The pack imports `rules` as a top-level package, from policy/, with infra/ on the path.
    imported = subprocess.run(
        [sys.executable, "-c", "import sys; sys.path[:0] = ['.', '..']; import rules; print(len(rules.POLICIES))"],
        cwd=policy_dir,
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == str(len(POLICIES))
