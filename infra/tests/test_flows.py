"""Values that flow from one resource into another: what the mocks computed for one resource is
what the next one receives."""

import importlib.util
import json

import pytest

from contract import (
    CONTAINER_USER,
    IMAGE_COMMANDS,
    PURGE_COMPLETED_EVENT,
    QUEUE_DEPTH_EVENT,
    REPO_ROOT,
    SECRET_ENV_NAMES,
    WRITABLE_PATH,
    app_photo_retention_days,
)
from tests.harness import IMAGE_TAG, Captured, program_run, stack_config
from tests.policy_harness import all_violations


def _pipeline_outputs() -> tuple[str, ...]:
    """The outputs the delivery steps read, from the pipeline's own list (deploy/stack_outputs.py),
    loaded by path: the pipeline's package needs boto3, which this environment lacks."""
    path = REPO_ROOT / "deploy" / "stack_outputs.py"
    spec = importlib.util.spec_from_file_location("deploy_stack_outputs", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    outputs: tuple[str, ...] = module.STACK_OUTPUTS
    return outputs


def _containers(stack: Captured, command: str) -> list[dict]:
    definition = stack.one("aws:ecs/taskDefinition:TaskDefinition", f"app-{command}")
    return json.loads(definition.inputs["containerDefinitions"])


def _secret_value(stack: Captured, env_name: str) -> str:
    secret = stack.by_output("name", f"earfit/{stack.stack}/{env_name}")
    version = next(
        v
        for v in stack.of_type("aws:secretsmanager/secretVersion:SecretVersion")
        if v.inputs["secretId"] == secret.resource_id
    )
    value = version.inputs["secretString"]
    return value["value"] if isinstance(value, dict) else value  # secrets arrive wrapped


def test_stack_exports_what_the_pipeline_reads(stack: Captured) -> None:
    assert sorted(stack.exports) == sorted(_pipeline_outputs())
    assert all(value not in (None, "", []) for value in stack.exports.values())
    assert stack.exports["site_domain_name"] == stack_config(stack.stack)["earfit:domainName"]
    assert (
        stack.exports["ecr_repository_url"]
        == stack.one("aws:ecr/repository:Repository", "registry-repository").outputs["repositoryUrl"]
    )
    assert stack.exports["static_bucket_name"] == stack.one("aws:s3/bucket:Bucket", "cdn-static").outputs["bucket"]
    assert stack.exports["distribution_domain_name"] == "d111111abcdef8.cloudfront.net"
    assert stack.exports["migrate_task_definition_family"] == f"earfit-{stack.stack}-migrate"
    assert stack.exports["aws_account_id"] == stack_config(stack.stack)["earfit:accountId"]


@pytest.mark.parametrize("command", IMAGE_COMMANDS)
def test_task_definitions_run_the_image_contract(stack: Captured, command: str) -> None:
    definition = stack.one("aws:ecs/taskDefinition:TaskDefinition", f"app-{command}").inputs
    (app,) = [c for c in _containers(stack, command) if c["name"] == command]
    repository = stack.exports["ecr_repository_url"]
    assert app["image"] == f"{repository}:{IMAGE_TAG}"
    assert app["command"] == [command]
    assert app["user"] == CONTAINER_USER
    assert app["readonlyRootFilesystem"] is True
    assert app["linuxParameters"]["capabilities"]["drop"] == ["ALL"]
    assert app["mountPoints"] == [{"containerPath": WRITABLE_PATH, "readOnly": False, "sourceVolume": "tmp"}]
    assert definition["volumes"] == [{"name": "tmp"}]
    assert definition["requiresCompatibilities"] == ["FARGATE"]
    assert definition["executionRoleArn"] != definition["taskRoleArn"]
    assert app["logConfiguration"]["options"]["awslogs-group"] == f"/earfit/{stack.stack}/{command}"
    assert ("portMappings" in app) == (command == "web")


def test_containers_get_secrets_by_arn_and_plain_values_only_for_the_rest(stack: Captured) -> None:
    config = stack_config(stack.stack)
    photos = stack.one("aws:s3/bucket:Bucket", "storage-photos").outputs["bucket"]
    secret_arns = {
        env: stack.by_output("name", f"earfit/{stack.stack}/{env}").outputs["arn"] for env in SECRET_ENV_NAMES
    }
    for command in IMAGE_COMMANDS:
        (app,) = [c for c in _containers(stack, command) if c["name"] == command]
        assert {s["name"]: s["valueFrom"] for s in app["secrets"]} == secret_arns
        assert {e["name"]: e["value"] for e in app["environment"]} == {
            "DJANGO_ALLOWED_HOSTS": config["earfit:domainName"],
            "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{config['earfit:domainName']}",
            "PHOTO_STORAGE": "s3",
            "PHOTO_S3_BUCKET": photos,
            "PHOTO_S3_REGION": config["earfit:region"],
            "PHOTO_S3_SSE": "aws:kms",
            "PHOTO_S3_KMS_KEY_ID": stack.one("aws:kms/key:Key", "keys-data").outputs["arn"],
            "PHOTO_RETENTION_DAYS": str(app_photo_retention_days()),
            "TRUSTED_PROXY_COUNT": "2",
            "LOG_LEVEL": "INFO",
        }


def test_secret_values_are_built_from_the_database_and_redis_they_name(stack: Captured) -> None:
    database = stack.one("aws:rds/instance:Instance", "database-postgres")
    password = stack.one("random:index/randomPassword:RandomPassword", "database-password").outputs["result"]
    assert _secret_value(stack, "DATABASE_URL") == (
        f"postgres://earfit:{password}@{database.outputs['address']}:5432/earfit?sslmode=require"
    )
    redis = stack.one("aws:elasticache/replicationGroup:ReplicationGroup", "broker-redis")
    token = stack.one("random:index/randomPassword:RandomPassword", "broker-auth-token").outputs["result"]
    endpoint = redis.outputs["primaryEndpointAddress"]
    assert redis.inputs["authToken"] in (
        token,
        {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": token},
    )
    assert _secret_value(stack, "CELERY_BROKER_URL") == f"rediss://:{token}@{endpoint}:6379/0?ssl_cert_reqs=required"
    assert _secret_value(stack, "CACHE_URL") == f"rediss://:{token}@{endpoint}:6379/1?ssl_cert_reqs=required"


def test_only_cloudfront_knows_the_origin_header_the_alb_requires(stack: Captured) -> None:
    secret = stack.one("random:index/randomPassword:RandomPassword", "web-origin-secret").outputs["result"]
    rule = stack.one("aws:lb/listenerRule:ListenerRule", "web-from-cloudfront").inputs
    conditions = rule["conditions"]["value"] if "value" in rule["conditions"] else rule["conditions"]
    assert conditions[0]["httpHeader"]["values"] == [secret]
    target_group = stack.one("aws:lb/targetGroup:TargetGroup", "web-web").outputs["arn"]
    assert rule["actions"] == [{"type": "forward", "targetGroupArn": target_group}]
    listener = stack.one("aws:lb/listener:Listener", "web-https")
    assert rule["listenerArn"] == listener.outputs["arn"]
    assert listener.inputs["defaultActions"][0]["fixedResponse"]["statusCode"] == "403"
    distribution = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").inputs
    origins = distribution["origins"]["value"] if "value" in distribution["origins"] else distribution["origins"]
    (alb_origin,) = [o for o in origins if o["originId"] == "web-alb"]
    assert alb_origin["customHeaders"][0]["value"] == secret
    assert alb_origin["domainName"] == stack.one("aws:lb/loadBalancer:LoadBalancer", "web-alb").outputs["dnsName"]


def test_cloudfront_sends_api_admin_django_static_and_health_checks_to_the_alb_uncached(stack: Captured) -> None:
    distribution = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").inputs
    behaviours = {b["pathPattern"]: b for b in distribution["orderedCacheBehaviors"]}
    assert set(behaviours) == {"/api/*", "/admin/*", "/static/*", "/healthz", "/readyz"}
    for behaviour in behaviours.values():
        assert behaviour["targetOriginId"] == "web-alb"
        assert behaviour["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
        assert behaviour["originRequestPolicyId"] == "216adef6-5c7f-47e4-b989-5492eafa07d3"  # AllViewer
    for probe in ("/healthz", "/readyz"):
        assert behaviours[probe]["allowedMethods"] == ["GET", "HEAD"]
    assert distribution["webAclId"] == stack.one("aws:wafv2/webAcl:WebAcl", "waf-acl").outputs["arn"]
    headers = stack.one("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy", "cdn-security-headers")
    assert distribution["defaultCacheBehavior"]["responseHeadersPolicyId"] == headers.resource_id
    security = headers.inputs["securityHeadersConfig"]
    assert security["strictTransportSecurity"]["accessControlMaxAgeSec"] >= 31536000
    assert {"contentTypeOptions", "frameOptions", "referrerPolicy", "contentSecurityPolicy"} <= set(security)


def test_cloudfront_serves_only_the_markets_the_stack_names(stack: Captured) -> None:
    distribution = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").inputs
    countries = stack_config(stack.stack)["earfit:viewerCountries"].split(",")
    assert distribution["restrictions"]["geoRestriction"] == {
        "restrictionType": "whitelist",
        "locations": sorted(countries),
    }
    assert {"DE", "IE", "GB", "CH", "NO"} <= set(countries)  # both regions' countries and the EEA beyond the EU


def test_only_this_distribution_reads_the_static_bucket_and_its_key(stack: Captured) -> None:
    distribution_arn = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").outputs["arn"]
    static = stack.one("aws:s3/bucket:Bucket", "cdn-static")
    policy = next(
        p for p in stack.of_type("aws:s3/bucketPolicy:BucketPolicy") if p.inputs["bucket"] == static.resource_id
    )
    (grant,) = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Effect"] == "Allow"]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution_arn}}
    key_policy = json.loads(stack.one("aws:kms/keyPolicy:KeyPolicy", "cdn-static-key-policy").inputs["policy"])
    assert key_policy["Statement"][1]["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution_arn}}


def test_the_static_site_falls_back_to_its_copy_in_the_failover_region(stack: Captured) -> None:
    failover_region = stack_config(stack.stack)["earfit:staticFailoverRegion"]
    distribution = stack.one("aws:cloudfront/distribution:Distribution", "cdn-distribution")
    inputs = distribution.inputs
    (group,) = inputs["originGroups"]
    assert inputs["defaultCacheBehavior"]["targetOriginId"] == group["originId"]
    assert [m["originId"] for m in group["members"]] == ["static-site", "static-site-copy"]
    assert group["failoverCriteria"]["statusCodes"] == [500, 502, 503, 504]
    origins = inputs["origins"]["value"] if "value" in inputs["origins"] else inputs["origins"]
    domains = {o["originId"]: o["domainName"] for o in origins}
    static, copy = (stack.one("aws:s3/bucket:Bucket", name) for name in ("cdn-static", "cdn-static-copy"))
    assert domains["static-site-copy"] == copy.outputs["bucketRegionalDomainName"]
    assert copy.region == failover_region
    copy_key = stack.one("aws:kms/key:Key", "cdn-static-copy-key")
    assert copy_key.region == failover_region
    (rule,) = stack.one("aws:s3/bucketReplicationConfig:BucketReplicationConfig", "cdn-static-copy-replication").inputs[
        "rules"
    ]
    assert rule["destination"] == {
        "bucket": copy.outputs["arn"],
        "encryptionConfiguration": {"replicaKmsKeyId": copy_key.outputs["arn"]},
    }
    assert rule["deleteMarkerReplication"] == {"status": "Enabled"}
    grants = {
        s["Sid"]: s["Resource"]
        for s in json.loads(stack.one("aws:iam/rolePolicy:RolePolicy", "cdn-static-copy-replication").inputs["policy"])[
            "Statement"
        ]
    }
    assert grants["ReadItsObjects"] == [f"{static.outputs['arn']}/*"]
    assert grants["WriteTheCopy"] == [f"{copy.outputs['arn']}/*"]
    # Only this distribution reads the copy and decrypts it, as for the bucket itself.
    policy = next(
        p for p in stack.of_type("aws:s3/bucketPolicy:BucketPolicy") if p.inputs["bucket"] == copy.resource_id
    )
    (read,) = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Effect"] == "Allow"]
    assert read["Condition"] == {"StringEquals": {"AWS:SourceArn": distribution.outputs["arn"]}}
    key_policy = json.loads(stack.one("aws:kms/keyPolicy:KeyPolicy", "cdn-static-copy-key-policy").inputs["policy"])
    assert key_policy["Statement"][1]["Condition"] == read["Condition"]
    logging = next(
        x for x in stack.of_type("aws:s3/bucketLogging:BucketLogging") if x.inputs["bucket"] == copy.resource_id
    )
    log_bucket = stack.one("aws:s3/bucket:Bucket", "cdn-static-copy-access-logs")
    assert logging.inputs["targetBucket"] == log_bucket.resource_id
    assert log_bucket.region == failover_region  # S3 delivers access logs only within a region


def test_web_autoscales_on_cpu_and_on_requests_per_target_of_its_own_alb(stack: Captured) -> None:
    config = stack_config(stack.stack)
    target = stack.one("aws:appautoscaling/target:Target", "app-web-scaling").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (
        int(config["earfit:webMinTasks"]),
        int(config["earfit:webMaxTasks"]),
    )
    assert target["resourceId"] == f"service/earfit-{stack.stack}/web"
    alb = stack.one("aws:lb/loadBalancer:LoadBalancer", "web-alb").outputs["arnSuffix"]
    group = stack.one("aws:lb/targetGroup:TargetGroup", "web-web").outputs["arnSuffix"]
    metrics = {
        p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"][
            "predefinedMetricType"
        ]: p.inputs["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"].get("resourceLabel")
        for p in stack.of_type("aws:appautoscaling/policy:Policy")
    }
    assert metrics == {"ECSServiceAverageCPUUtilization": None, "ALBRequestCountPerTarget": f"{alb}/{group}"}


def test_prod_web_scales_between_2_and_20(prod: Captured) -> None:
    target = prod.one("aws:appautoscaling/target:Target", "app-web-scaling").inputs
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 20)


def test_services_roll_back_and_beat_never_runs_twice(stack: Captured) -> None:
    services = {s.inputs["name"]: s for s in stack.of_type("aws:ecs/service:Service")}
    assert set(services) == {"web", "worker", "beat"}
    for service in services.values():
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        assert service.inputs["taskDefinition"].endswith(
            f"task-definition/earfit-{stack.stack}-{service.inputs['name']}:1"
        )
    beat = services["beat"].inputs
    assert (beat["desiredCount"], beat["deploymentMaximumPercent"], beat["deploymentMinimumHealthyPercent"]) == (
        1,
        100,
        0,
    )
    web = services["web"]
    assert web.inputs["healthCheckGracePeriodSeconds"] >= 120
    assert (
        web.inputs["loadBalancers"][0]["targetGroupArn"]
        == stack.one("aws:lb/targetGroup:TargetGroup", "web-web").outputs["arn"]
    )
    assert stack.options[(web.typ, web.name)].ignore_changes == ["taskDefinition", "desiredCount"]


def test_pulumi_registers_each_release_but_only_the_pipeline_moves_the_services(stack: Captured) -> None:
    # A new stack's services start on the revision `pulumi up` registers (taskDefinition above ends
    # in :1); after that, `up` registers a revision per release and the services stay where the
    # pipeline put them, so migrations run before any new code serves.
    for service in stack.of_type("aws:ecs/service:Service"):
        options = stack.options[(service.typ, service.name)]
        assert "taskDefinition" in (options.ignore_changes or [])
        # Its first tasks can pull the release: the cache rule and the execution role's policy exist first.
        assert {resource._name for resource in options.depends_on or []} == {  # type: ignore[union-attr]  # depends_on is typed as Input[Sequence | Resource]
            "registry-releases",
            "app-execution",
        }
    for command in IMAGE_COMMANDS:
        definition = stack.one("aws:ecs/taskDefinition:TaskDefinition", f"app-{command}")
        assert definition.inputs["skipDestroy"] is True  # the revision a rollback returns to stays registered


def test_releases_reach_the_tasks_through_the_stack_own_pull_through_cache(stack: Captured) -> None:
    release_url = stack_config(stack.stack)["earfit:releaseRepositoryUrl"]
    release_registry, release_name = release_url.split("/", 1)
    release_account, _, _, release_region = release_registry.split(".")[:4]
    release_arn = f"arn:aws:ecr:{release_region}:{release_account}:repository/{release_name}"
    repository = stack.one("aws:ecr/repository:Repository", "registry-repository")
    assert repository.inputs["name"] == f"release/{release_name}"
    assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
    rule = stack.one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "registry-releases").inputs
    role = stack.one("aws:iam/role:Role", "registry-pull-through")
    assert rule == {
        "ecrRepositoryPrefix": "release",
        "upstreamRegistryUrl": release_registry,
        "customRoleArn": role.outputs["arn"],
    }
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pullthroughcache.ecr.amazonaws.com"}
    granted = {
        s["Sid"]: s["Resource"]
        for s in json.loads(stack.one("aws:iam/rolePolicy:RolePolicy", "registry-pull-through").inputs["policy"])[
            "Statement"
        ]
    }
    assert granted == {
        "RegistryLogin": ["*"],
        "ReadReleases": [release_arn],
        "CopyIntoTheCache": [repository.outputs["arn"]],
    }
    execution = {
        s["Sid"]: s
        for s in json.loads(stack.one("aws:iam/rolePolicy:RolePolicy", "app-execution").inputs["policy"])["Statement"]
    }
    assert "ecr:BatchImportUpstreamImage" in execution["PullOurImage"]["Action"]
    assert execution["PullOurImage"]["Resource"] == [repository.outputs["arn"]]


def test_roles_reach_only_our_resources(stack: Captured) -> None:
    photos = stack.one("aws:s3/bucket:Bucket", "storage-photos").outputs["arn"]
    policies = {p.name: json.loads(p.inputs["policy"]) for p in stack.of_type("aws:iam/rolePolicy:RolePolicy")}
    task = {s["Sid"]: s["Resource"] for s in policies["app-task-photos"]["Statement"]}
    assert task["ListPhotoVersions"] == [photos]
    assert task["ReadWriteErasePhotos"] == [f"{photos}/*"]
    execution = {s["Sid"]: s["Resource"] for s in policies["app-execution"]["Statement"]}
    secrets = sorted(s.outputs["arn"] for s in stack.of_type("aws:secretsmanager/secret:Secret"))
    assert sorted(execution["ReadOurSecrets"]) == secrets
    assert execution["PullOurImage"] == [
        stack.one("aws:ecr/repository:Repository", "registry-repository").outputs["arn"]
    ]
    assert execution["RegistryLogin"] == ["*"]  # GetAuthorizationToken accepts no narrower resource
    plain = stack.one("aws:iam/role:Role", "app-task-plain").outputs["arn"]
    for command in ("beat", "migrate"):
        assert stack.one("aws:ecs/taskDefinition:TaskDefinition", f"app-{command}").inputs["taskRoleArn"] == plain
    assert not [p for p in stack.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == "app-task-plain-id"]


def test_photo_bucket_expires_every_version_after_the_application_retention(stack: Captured) -> None:
    photos = stack.one("aws:s3/bucket:Bucket", "storage-photos")
    lifecycle = next(
        c
        for c in stack.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        if c.inputs["bucket"] == photos.resource_id
    )
    (rule,) = [r for r in lifecycle.inputs["rules"] if r["id"] == "expire-photos"]
    assert rule["expiration"]["days"] == app_photo_retention_days() == 90
    assert rule["noncurrentVersionExpiration"]["noncurrentDays"] == 1
    assert rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 1
    encryption = next(
        e
        for e in stack.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
        if e.inputs["bucket"] == photos.resource_id
    )
    by_default = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]
    assert by_default == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": stack.one("aws:kms/key:Key", "keys-data").outputs["arn"],
    }


def test_audit_archive_locks_objects_and_moves_them_to_glacier(stack: Captured) -> None:
    archive = stack.one("aws:s3/bucket:Bucket", "audit-archive")
    assert archive.inputs["objectLockEnabled"] is True
    lock = stack.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "audit-archive-lock").inputs
    config = stack_config(stack.stack)
    assert lock["rule"]["defaultRetention"] == {
        "mode": config["earfit:auditObjectLockMode"],
        "days": int(config["earfit:auditArchiveRetentionDays"]),
    }
    lifecycle = stack.one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "audit-archive-lifecycle"
    ).inputs
    assert lifecycle["rules"][0]["transitions"] == [{"days": 180, "storageClass": "GLACIER"}]
    trail = stack.one("aws:cloudtrail/trail:Trail", "audit-trail").inputs
    assert trail["s3BucketName"] == archive.outputs["bucket"]
    assert trail["kmsKeyId"] == stack.one("aws:kms/key:Key", "keys-logs").outputs["arn"]


def test_alarms_watch_our_resources_and_tell_the_team(stack: Captured) -> None:
    alarms = {
        a.name.removeprefix("monitoring-"): a.inputs for a in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert set(alarms) == {
        "alb-target-5xx",
        "alb-elb-5xx",
        "target-latency-p99",
        "unhealthy-hosts",
        "ecs-web-cpu",
        "ecs-web-memory",
        "ecs-worker-cpu",
        "ecs-worker-memory",
        "rds-cpu",
        "rds-free-storage",
        "queue-depth",
        "purge-not-run",
        "waf-blocked-spike",
    }
    alb = stack.one("aws:lb/loadBalancer:LoadBalancer", "web-alb").outputs["arnSuffix"]
    group = stack.one("aws:lb/targetGroup:TargetGroup", "web-web").outputs["arnSuffix"]
    assert alarms["target-latency-p99"]["dimensions"] == {"LoadBalancer": alb, "TargetGroup": group}
    assert alarms["target-latency-p99"]["extendedStatistic"] == "p99"
    assert alarms["rds-cpu"]["dimensions"] == {"DBInstanceIdentifier": f"earfit-{stack.stack}"}
    assert alarms["ecs-web-cpu"]["dimensions"] == {"ClusterName": f"earfit-{stack.stack}", "ServiceName": "web"}
    purge = alarms["purge-not-run"]
    assert purge["period"] * purge["evaluationPeriods"] == 48 * 3600
    assert purge["treatMissingData"] == "breaching"
    topics = {t.name: t.outputs["arn"] for t in stack.of_type("aws:sns/topic:Topic")}
    for name, alarm in alarms.items():
        expected = topics["monitoring-edge-alarms"] if name == "waf-blocked-spike" else topics["monitoring-alarms"]
        assert alarm["alarmActions"] == [expected]
        assert alarm["actionsEnabled"] is True
    email = stack_config(stack.stack)["earfit:alarmEmail"]
    assert {s.inputs["endpoint"] for s in stack.of_type("aws:sns/topicSubscription:TopicSubscription")} == {email}


def test_metric_filters_read_the_application_log_lines(stack: Captured) -> None:
    filters = stack.of_type("aws:cloudwatch/logMetricFilter:LogMetricFilter")
    groups = {f.inputs["logGroupName"] for f in filters}
    assert groups == {f"/earfit/{stack.stack}/worker", f"/earfit/{stack.stack}/beat"}
    patterns = {f.inputs["metricTransformation"]["name"]: f.inputs["pattern"] for f in filters}
    assert PURGE_COMPLETED_EVENT in patterns["PhotoPurgeCompleted"]
    assert QUEUE_DEPTH_EVENT in patterns["CeleryQueueDepth"]
    assert '$.queue = "celery"' in patterns["CeleryQueueDepth"]


def test_waf_counts_the_body_size_rule_and_blocks_oversized_bodies_except_uploads(stack: Captured) -> None:
    rules = {r["name"]: r for r in stack.one("aws:wafv2/webAcl:WebAcl", "waf-acl").inputs["rules"]}
    common = rules["AWSManagedRulesCommonRuleSet"]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [{"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]
    oversized = rules["OversizedBodyExceptUploads"]
    assert oversized["action"] == {"block": {}}
    label, negated = oversized["statement"]["andStatement"]["statements"]
    assert label["labelMatchStatement"]["key"] == "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
    assert (
        negated["notStatement"]["statement"]["regexMatchStatement"]["regexString"]
        == "^/api/v1/fittings/[^/]+/photos/?$"
    )
    uploads = rules["RateLimitUploads"]["statement"]["rateBasedStatement"]
    general = rules["RateLimitPerAddress"]["statement"]["rateBasedStatement"]
    assert uploads["limit"] < general["limit"]
    logging = stack.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "waf-logging").inputs
    assert logging["resourceArn"] == stack.one("aws:wafv2/webAcl:WebAcl", "waf-acl").outputs["arn"]
    assert logging["logDestinationConfigs"][0].startswith("arn:aws:logs:us-east-1:")
    assert [f["singleHeader"]["name"] for f in logging["redactedFields"]] == ["authorization", "cookie"]


def test_prod_alias_records_point_at_the_distribution(prod: Captured) -> None:
    distribution = prod.one("aws:cloudfront/distribution:Distribution", "cdn-distribution").outputs
    for record in prod.of_type("aws:route53/record:Record"):
        assert record.inputs["aliases"] == [
            {"name": distribution["domainName"], "zoneId": distribution["hostedZoneId"], "evaluateTargetHealth": False}
        ]
        assert record.inputs["zoneId"] == stack_config("prod")["earfit:hostedZoneId"]


def test_tracing_is_off_by_default_and_adds_a_hardened_collector_when_on() -> None:
    for stack in ("dev", "prod"):
        assert stack_config(stack)["earfit:tracing"] == "false"
    traced = program_run("staging", overrides={"earfit:tracing": "true"})
    web = _containers(traced, "web")
    assert [c["name"] for c in web] == ["web", "otel-collector"]
    collector = web[1]
    assert collector["user"] == CONTAINER_USER
    assert collector["readonlyRootFilesystem"] is True
    assert {e["name"]: e["value"] for e in web[0]["environment"]}[
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    ] == "http://127.0.0.1:4317"
    assert [c["name"] for c in _containers(traced, "worker")] == ["worker"]
    policy = json.loads(traced.one("aws:iam/rolePolicy:RolePolicy", "app-task-photos").inputs["policy"])
    assert "xray:PutTraceSegments" in next(s for s in policy["Statement"] if s["Sid"] == "SendTraces")["Action"]
    assert all_violations(traced) == {}
