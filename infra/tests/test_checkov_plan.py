"""The Terraform-plan form Checkov reads (`make infra-checkov`): every resource is there, under
Terraform's names, with the references Checkov's cross-resource rules follow."""

from tests.checkov_plan import TERRAFORM_TYPES, plan_document, terraform_values
from tests.harness import Captured


def test_every_aws_resource_appears_under_its_terraform_type(stack: Captured) -> None:
    plan = plan_document(stack)
    planned = plan["planned_values"]["root_module"]["resources"]
    assert len(planned) == len([r for r in stack if r.typ.startswith("aws:")])
    assert {r["type"] for r in planned} <= set(TERRAFORM_TYPES.values())


def test_pulumi_names_become_terraform_blocks() -> None:
    values = terraform_values(
        {
            "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}, "bucketKeyEnabled": True}],
            "tags": {"dataClass": "personal"},
            "port": 80.0,
        }
    )
    assert values == {
        "rule": [
            {"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}], "bucket_key_enabled": True}
        ],
        "tags": {"dataClass": "personal"},
        "port": 80,
    }


def test_plan_records_which_resource_an_input_came_from(prod: Captured) -> None:
    plan = plan_document(prod)
    config = {r["address"]: r["expressions"] for r in plan["configuration"]["root_module"]["resources"]}
    logging = config["aws_s3_bucket_logging.storage_photos_logging"]
    assert logging["bucket"]["references"] == ["aws_s3_bucket.storage_photos.id", "aws_s3_bucket.storage_photos"]
    assert logging["target_bucket"]["references"][1] == "aws_s3_bucket.storage_access_logs"
    # Nested blocks keep their references (the distribution's response headers policy), and an ARN
    # with a suffix still points at its resource (CloudTrail's log group, "...:*").
    behaviour = config["aws_cloudfront_distribution.cdn_distribution"]["default_cache_behavior"][0]
    assert behaviour["response_headers_policy_id"]["references"][1] == (
        "aws_cloudfront_response_headers_policy.cdn_security_headers"
    )
    trail = config["aws_cloudtrail.audit_trail"]
    assert trail["cloud_watch_logs_group_arn"]["references"][1] == "aws_cloudwatch_log_group.audit_trail"
