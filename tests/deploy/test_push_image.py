"""push_image against moto's ECR on loopback (repository, immutable tags, image scan and its waiter).

No registry runs here, so the push itself is the one part replaced: the test's pusher ends the
way a registry push ends, with the image manifest put into the repository (ECR's PutImage).
The podman commands the real pusher runs are checked through the dry run.
"""

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from deploy import push_image
from tests.deploy.conftest import REGION, REPOSITORY, AwsStack

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def manifest_pusher(stack: AwsStack, pushed: list[tuple[str, str]]) -> push_image.Pusher:
    def push(source: str, target: str, registry: str, password: str) -> None:
        assert password  # the ECR token was fetched for the engine's login
        pushed.append((source, target))
        layer = hashlib.sha256(source.encode()).hexdigest()
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": f"sha256:{layer}", "size": 1},
            "layers": [],
        }
        stack.client("ecr").put_image(
            repositoryName=REPOSITORY, imageTag=target.rsplit(":", 1)[1], imageManifest=json.dumps(manifest)
        )

    return push


def scan_result(severities: dict[str, int], findings: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "registryId": "123456789012",
        "repositoryName": REPOSITORY,
        "imageId": {"imageTag": COMMIT},
        "imageScanStatus": {"status": "COMPLETE", "description": "done"},
        "imageScanFindings": {"findings": findings, "findingSeverityCounts": severities},
    }


def run(stack: AwsStack, tmp_path: Path, pushed: list[tuple[str, str]], *extra: str) -> tuple[int, str]:
    out = io.StringIO()
    argv = ["--repository-url", stack.release_repository_url, "--commit", COMMIT, "--source-image", "earfit:0123456",
            "--scan-interval", "0.1", "--scan-timeout", "5", "--properties", str(tmp_path / "image.properties"), *extra]  # fmt: skip
    code = push_image.main(argv, clients=stack.clients, pusher=manifest_pusher(stack, pushed), out=out)
    return code, out.getvalue()


def test_a_clean_image_is_pushed_scanned_and_handed_on(aws_stack: AwsStack, tmp_path: Path) -> None:
    aws_stack.moto.post(
        "/moto-api/static/ecr/scan-finding-results",
        {"results": [scan_result({"MEDIUM": 2, "LOW": 1}, [])], "region": REGION},
    )
    pushed: list[tuple[str, str]] = []
    code, out = run(aws_stack, tmp_path, pushed)
    assert code == 0, out
    assert pushed == [("earfit:0123456", f"{aws_stack.release_repository_url}:{COMMIT}")]
    assert "scan findings: MEDIUM 2, LOW 1" in out
    digest = aws_stack.client("ecr").describe_images(repositoryName=REPOSITORY, imageIds=[{"imageTag": COMMIT}])[
        "imageDetails"
    ][0]["imageDigest"]
    properties = dict(line.split("=", 1) for line in (tmp_path / "image.properties").read_text().splitlines())
    assert properties == {
        "uri": f"{aws_stack.release_repository_url}@{digest}",
        "digest": digest,
        "tag": COMMIT,
        "repository_url": aws_stack.release_repository_url,
    }


def test_a_critical_finding_stops_the_release(aws_stack: AwsStack, tmp_path: Path) -> None:
    findings = [{"name": "CVE-2026-0001", "severity": "CRITICAL"}, {"name": "CVE-2026-0002", "severity": "HIGH"}]
    aws_stack.moto.post(
        "/moto-api/static/ecr/scan-finding-results",
        {"results": [scan_result({"CRITICAL": 1, "HIGH": 1}, findings)], "region": REGION},
    )
    code, out = run(aws_stack, tmp_path, [])
    assert code == 1
    assert "  CRITICAL CVE-2026-0001" in out
    assert out.splitlines()[-1] == (
        f"push_image: FAILED — the scan of {aws_stack.release_repository_url}:{COMMIT} found 1 CRITICAL: the image is not released"
    )
    # No properties file: the plan has no image to hand to a deployment.
    assert not (tmp_path / "image.properties").exists()


def test_high_findings_block_only_when_asked(aws_stack: AwsStack, tmp_path: Path) -> None:
    aws_stack.moto.post(
        "/moto-api/static/ecr/scan-finding-results", {"results": [scan_result({"HIGH": 3}, [])], "region": REGION}
    )
    code, out = run(aws_stack, tmp_path, [], "--fail-on", "HIGH")
    assert code == 1
    assert "found 3 HIGH" in out.splitlines()[-1]


def test_a_commit_already_pushed_is_refused_before_any_push(aws_stack: AwsStack, tmp_path: Path) -> None:
    aws_stack.moto.post(
        "/moto-api/static/ecr/scan-finding-results", {"results": [scan_result({}, [])], "region": REGION}
    )
    assert run(aws_stack, tmp_path, [])[0] == 0
    pushed: list[tuple[str, str]] = []
    code, out = run(aws_stack, tmp_path, pushed)
    assert (code, pushed) == (1, [])
    assert "already exists and tags are immutable" in out.splitlines()[-1]


@pytest.mark.parametrize("commit", ["latest", "0123456", "0123456789ABCDEF0123456789ABCDEF01234567"])
def test_only_a_full_commit_sha_is_a_tag(aws_stack: AwsStack, commit: str) -> None:
    out = io.StringIO()
    argv = [
        "--repository-url",
        aws_stack.release_repository_url,
        "--commit",
        commit,
        "--source-image",
        "earfit:x",
    ]
    assert push_image.main(argv, clients=aws_stack.clients, pusher=manifest_pusher(aws_stack, []), out=out) == 1
    assert "full 40-character commit SHA" in out.getvalue()


def test_dry_run_prints_the_engine_commands_and_pushes_nothing(aws_stack: AwsStack) -> None:
    out = io.StringIO()
    url = aws_stack.release_repository_url
    argv = ["--repository-url", url, "--commit", COMMIT, "--source-image", "earfit:0123456", "--dry-run"]
    assert push_image.main(argv, clients=aws_stack.clients, out=out) == 0
    registry = url.split("/", 1)[0]
    assert out.getvalue().splitlines()[:3] == [
        f"dry run: would run podman login --username AWS --password-stdin {registry}",
        f"dry run: would run podman tag earfit:0123456 {url}:{COMMIT}",
        f"dry run: would run podman push {url}:{COMMIT}",
    ]
    assert aws_stack.client("ecr").describe_images(repositoryName=REPOSITORY)["imageDetails"] == []
