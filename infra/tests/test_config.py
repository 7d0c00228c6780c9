"""Stack configuration is validated before any resource is declared, and names the bad key."""

import pytest

from config import StackConfigError
from tests.harness import program_attempt


def _refused(stack: str, **kwargs: object) -> tuple[str, list[str]]:
    captured, error = program_attempt(stack, **kwargs)  # type: ignore[arg-type]
    assert isinstance(error, StackConfigError), f"expected the configuration to be refused, got {error!r}"
    return str(error), [resource.typ for resource in captured]


def test_missing_alb_certificate_stops_before_any_resource() -> None:
    message, declared = _refused("prod", overrides={"earfit:albCertificateArn": None})
    assert "earfit:albCertificateArn: is required" in message
    assert declared == []


def test_missing_cloudfront_certificate_stops_before_any_resource() -> None:
    message, declared = _refused("dev", overrides={"earfit:cloudfrontCertificateArn": None})
    assert "earfit:cloudfrontCertificateArn: is required" in message
    assert declared == []


def test_cloudfront_certificate_outside_us_east_1_is_refused() -> None:
    arn = "arn:aws:acm:eu-central-1:333333333333:certificate/4b5c6d7e-8f9a-4b0c-9d1e-3f4a5b6c7d8e"
    message, declared = _refused("prod", overrides={"earfit:cloudfrontCertificateArn": arn})
    assert "earfit:cloudfrontCertificateArn: the certificate is in eu-central-1, it must be in us-east-1" in message
    assert declared == []


def test_account_id_that_is_not_twelve_digits_is_refused() -> None:
    message, declared = _refused("staging", overrides={"earfit:accountId": "22222222222"})
    assert "earfit:accountId: '22222222222' is not valid" in message
    assert declared == []


def test_account_id_of_another_environment_is_refused() -> None:
    # The dev account with prod's role and certificates: a stack file copied between environments.
    message, declared = _refused("prod", overrides={"earfit:accountId": "111111111111"})
    assert "earfit:accountId: 111111111111 is not the account of earfit:deployRoleArn (333333333333)" in message
    assert "earfit:accountId: 111111111111 is not the account of earfit:albCertificateArn (333333333333)" in message
    assert declared == []


def test_credentials_in_another_account_stop_the_program_before_any_aws_resource() -> None:
    message, declared = _refused("prod", caller_account_id="111111111111")
    assert "earfit:accountId: the credentials resolve to account 111111111111, not 333333333333" in message
    assert declared == ["pulumi:providers:aws"] * 3  # regional, us-east-1, static failover


def test_retention_days_different_from_the_application_are_refused() -> None:
    message, declared = _refused("dev", overrides={"earfit:photoRetentionDays": "30"})
    assert "earfit:photoRetentionDays: 30 differs from the application's 90 days (earfit/retention.py)" in message
    assert declared == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("earfit:dbMultiAz", "earfit:dbMultiAz: must be true on a prod stack"),
        ("earfit:dbDeletionProtection", "earfit:dbDeletionProtection: must be true on a prod stack"),
        ("earfit:albDeletionProtection", "earfit:albDeletionProtection: must be true on a prod stack"),
    ],
)
def test_prod_stack_without_resilience_is_refused(key: str, expected: str) -> None:
    for stack in ("prod", "prod-dr"):
        message, declared = _refused(stack, overrides={key: "false"})
        assert expected in message
        assert declared == []


def test_prod_without_a_redis_replica_or_two_web_tasks_is_refused() -> None:
    message, _ = _refused("prod", overrides={"earfit:redisNodes": "1", "earfit:webMinTasks": "1"})
    assert "earfit:redisNodes: a prod stack needs at least 2 nodes" in message
    assert "earfit:webMinTasks: a prod stack runs at least 2 web tasks" in message


def test_every_problem_is_reported_at_once() -> None:
    message, _ = _refused(
        "prod",
        overrides={
            "earfit:dbMultiAz": "no",
            "earfit:logRetentionDays": "30",
            "earfit:imageTag": None,
            "earfit:tier": "qa",
        },
    )
    assert "earfit:dbMultiAz: 'no' is not true or false" in message
    assert "earfit:logRetentionDays: 30 is below the minimum of 365" in message
    assert "earfit:imageTag: is required" in message
    assert "earfit:tier: 'qa' is not one of dev, staging, prod" in message


def test_log_retention_must_be_a_value_cloudwatch_accepts() -> None:
    message, _ = _refused("dev", overrides={"earfit:logRetentionDays": "500"})
    assert "earfit:logRetentionDays: 500 is not a retention CloudWatch offers" in message


def test_a_preview_or_up_without_the_release_image_tag_is_refused() -> None:
    # The pipeline passes it as `--config earfit:imageTag=<commit>`; without it no task definition can name an image.
    message, declared = _refused("staging", overrides={"earfit:imageTag": None})
    assert "earfit:imageTag: is required" in message
    assert declared == []


@pytest.mark.parametrize(
    "url",
    [None, "earfit", "999999999999.dkr.ecr.eu-central-1.amazonaws.com", "ghcr.io/earfit/earfit"],
)
def test_a_release_repository_that_is_not_an_ecr_repository_is_refused(url: str | None) -> None:
    message, declared = _refused("dev", overrides={"earfit:releaseRepositoryUrl": url})
    assert "earfit:releaseRepositoryUrl: " in message
    assert declared == []


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "earfit:viewerCountries: is required"),
        (" , ", "earfit:viewerCountries: names no country"),
        ("DE,Germany,at", "earfit:viewerCountries: Germany, at is not an ISO 3166-1 alpha-2 country code"),
    ],
)
def test_a_geo_restriction_without_valid_countries_is_refused(value: str | None, message: str) -> None:
    refused, declared = _refused("prod", overrides={"earfit:viewerCountries": value})
    assert message in refused
    assert declared == []
