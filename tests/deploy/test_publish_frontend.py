"""publish_frontend against the loopback S3 server (SeaweedFS) and moto's CloudFront.

CloudFront's invalidations are created in moto; moto's invalidation status never reads
`Completed`, so the wait for completion is driven by botocore's Stubber (named in those tests).
"""

import dataclasses
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from deploy import publish_frontend
from deploy.publish_frontend import IMMUTABLE, MANIFEST_KEY, NO_CACHE, frontend_publish
from deploy.release_record import record_read
from deploy.runtime import Actions, Deadline
from tests.deploy.conftest import AwsStack, FakeClock, write_build

REFERENCE = re.compile(r"""(?:src|href)="/([^"]+)\"""")


def publish(stack: AwsStack, build: Path, **kwargs: Any) -> publish_frontend.Publication:
    return frontend_publish(
        s3=stack.client("s3"),
        cloudfront=stack.client("cloudfront"),
        bucket=stack.outputs["static_bucket_name"],
        distribution_id=stack.outputs["distribution_id"],
        build=build,
        hashed_prefix="assets/",
        record=kwargs.pop("record", None),
        invalidation_deadline=None,
        actions=Actions(dry_run=kwargs.pop("dry_run", False), out=io.StringIO()),
        **kwargs,
    )


def bucket_keys(stack: AwsStack) -> set[str]:
    listing = stack.client("s3").list_objects_v2(Bucket=stack.outputs["static_bucket_name"])
    return {item["Key"] for item in listing.get("Contents", [])}


def invalidations(stack: AwsStack) -> list[list[str]]:
    cloudfront = stack.client("cloudfront")
    items = cloudfront.list_invalidations(DistributionId=stack.outputs["distribution_id"])["InvalidationList"].get(
        "Items", []
    )
    paths = []
    for item in items:
        batch = cloudfront.get_invalidation(DistributionId=stack.outputs["distribution_id"], Id=item["Id"])
        paths.append(sorted(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]))
    return paths


def test_files_get_their_content_type_and_cache_header(aws_stack: AwsStack, tmp_path: Path) -> None:
    build = write_build(tmp_path / "dist", version="a1")
    publish(aws_stack, build)
    s3, bucket = aws_stack.client("s3"), aws_stack.outputs["static_bucket_name"]
    heads = {key: s3.head_object(Bucket=bucket, Key=key) for key in bucket_keys(aws_stack) if key != MANIFEST_KEY}
    seen = {key: (head["ContentType"], head["CacheControl"]) for key, head in heads.items()}
    assert seen == {
        "index.html": ("text/html; charset=utf-8", NO_CACHE),
        "favicon.svg": ("image/svg+xml", NO_CACHE),
        "assets/index-000000A1.js": ("text/javascript; charset=utf-8", IMMUTABLE),
        "assets/index-xxxxxxa1.css": ("text/css; charset=utf-8", IMMUTABLE),
    }
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == (build / "index.html").read_bytes()


def test_index_never_names_a_missing_file_and_stale_files_go_only_after(aws_stack: AwsStack, tmp_path: Path) -> None:
    """Lists the bucket after every put and delete of three releases in a row: at each moment the
    index.html in the bucket names only files that are there."""
    s3, bucket = aws_stack.client("s3"), aws_stack.outputs["static_bucket_name"]
    moments: list[tuple[str, set[str], set[str]]] = []

    def look(event: str) -> None:
        keys = bucket_keys(aws_stack)
        named = (
            set(REFERENCE.findall(s3.get_object(Bucket=bucket, Key="index.html")["Body"].read().decode()))
            if "index.html" in keys
            else set()
        )
        moments.append((event, keys, named))

    for version in ("a1", "b2", "c3"):
        build = write_build(tmp_path / version, version=version)
        publish(aws_stack, build, after_put=look)
    assert len(moments) > 10
    for event, keys, named in moments:
        assert named <= keys, f"after {event}, index.html names missing files: {named - keys}"
    order = [event for event, _, _ in moments]
    # Third release: its two assets, then index.html, then the manifest, then the deletion of a1's files.
    assert order[-5:] == [
        "assets/index-000000C3.js",
        "assets/index-xxxxxxc3.css",
        "index.html",
        MANIFEST_KEY,
        "deleted 2",
    ]
    # The previous release (b2) keeps its files for a rollback; the one before it (a1) is gone.
    assert bucket_keys(aws_stack) == {
        "index.html", "favicon.svg", MANIFEST_KEY,
        "assets/index-000000C3.js", "assets/index-xxxxxxc3.css", "assets/index-000000B2.js", "assets/index-xxxxxxb2.css",
    }  # fmt: skip


def test_a_second_run_uploads_deletes_and_invalidates_nothing(aws_stack: AwsStack, tmp_path: Path) -> None:
    build = write_build(tmp_path / "dist", version="a1")
    first = publish(aws_stack, build)
    assert len(first.uploaded) == 4
    puts: list[str] = []
    second = publish(aws_stack, build, after_put=puts.append)
    assert (second.uploaded, second.deleted, second.invalidated, puts) == ((), (), (), [])
    assert len(invalidations(aws_stack)) == 1


def test_only_changed_files_that_are_not_hashed_are_invalidated(aws_stack: AwsStack, tmp_path: Path) -> None:
    publish(aws_stack, write_build(tmp_path / "a", version="a1"))
    build = write_build(tmp_path / "b", version="b2")
    result = publish(aws_stack, build)
    assert result.uploaded == ("assets/index-000000B2.js", "assets/index-xxxxxxb2.css", "index.html")
    # favicon.svg is unchanged; the new hashed names were never cached.
    assert result.invalidated == ("/", "/index.html")
    assert sorted(invalidations(aws_stack)) == [["/", "/favicon.svg", "/index.html"], ["/", "/index.html"]]


def test_files_a_first_publish_found_in_the_bucket_are_kept_one_release(aws_stack: AwsStack, tmp_path: Path) -> None:
    s3, bucket = aws_stack.client("s3"), aws_stack.outputs["static_bucket_name"]
    s3.put_object(Bucket=bucket, Key="assets/legacy-12345678.js", Body=b"old")
    publish(aws_stack, write_build(tmp_path / "a", version="a1"))
    assert "assets/legacy-12345678.js" in bucket_keys(aws_stack)
    publish(aws_stack, write_build(tmp_path / "b", version="b2"))
    assert "assets/legacy-12345678.js" not in bucket_keys(aws_stack)


def test_the_record_keeps_the_previous_index_for_the_rollback(aws_stack: AwsStack, tmp_path: Path) -> None:
    publish(aws_stack, write_build(tmp_path / "a", version="a1"))
    record = tmp_path / "release-record.json"
    publish(aws_stack, write_build(tmp_path / "b", version="b2"), record=record)
    frontend = record_read(record)["frontend"]
    assert frontend["previous_index"] == (tmp_path / "a" / "index.html").read_text()
    assert sorted(frontend["previous_manifest"]["current"]["files"]) == sorted(
        ["index.html", "favicon.svg", "assets/index-000000A1.js", "assets/index-xxxxxxa1.css"]
    )


def test_dry_run_changes_nothing_and_prints_the_calls(
    aws_stack: AwsStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = write_build(tmp_path / "dist", version="a1")
    argv = ["--bucket", aws_stack.outputs["static_bucket_name"], "--distribution-id", aws_stack.outputs["distribution_id"],
            "--build", str(build), "--dry-run"]  # fmt: skip
    assert publish_frontend.main(argv, clients=aws_stack.clients) == 0
    printed = capsys.readouterr().out
    assert printed.count("dry run: would call s3.put_object") == 5  # four files and the manifest
    assert "dry run: would call cloudfront.create_invalidation" in printed
    assert bucket_keys(aws_stack) == set()


def test_a_build_without_index_html_fails_with_a_clear_message(
    aws_stack: AwsStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build = write_build(tmp_path / "dist", version="a1")
    (build / "index.html").unlink()
    argv = ["--bucket", aws_stack.outputs["static_bucket_name"], "--distribution-id", "E1", "--build", str(build)]
    assert publish_frontend.main(argv, clients=aws_stack.clients) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("publish_frontend: FAILED — ")
    assert bucket_keys(aws_stack) == set()


def stubbed_cloudfront(statuses: list[str]) -> tuple[Any, Stubber]:
    """Stubber: CreateInvalidation, then GetInvalidation answering `statuses` in turn."""
    cloudfront = boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(cloudfront)
    stubber.add_response(
        "create_invalidation",
        {"Location": "l", "Invalidation": {"Id": "I1", "Status": "InProgress", "CreateTime": "2026-01-01T00:00:00Z",
                                           "InvalidationBatch": {"Paths": {"Quantity": 2, "Items": ["/", "/index.html"]}, "CallerReference": "r"}}},
    )  # fmt: skip
    for status in statuses:
        stubber.add_response(
            "get_invalidation",
            {"Invalidation": {"Id": "I1", "Status": status, "CreateTime": "2026-01-01T00:00:00Z",
                              "InvalidationBatch": {"Paths": {"Quantity": 2, "Items": ["/", "/index.html"]}, "CallerReference": "r"}}},
            {"DistributionId": "E1", "Id": "I1"},
        )  # fmt: skip
    stubber.activate()
    return cloudfront, stubber


def test_publish_waits_for_the_invalidation_to_complete(aws_stack: AwsStack, tmp_path: Path, clock: FakeClock) -> None:
    cloudfront, stubber = stubbed_cloudfront(["InProgress", "InProgress", "Completed"])
    frontend_publish(
        s3=aws_stack.client("s3"), cloudfront=cloudfront, bucket=aws_stack.outputs["static_bucket_name"], distribution_id="E1",
        build=write_build(tmp_path / "dist", version="a1"), hashed_prefix="assets/", record=None,
        invalidation_deadline=Deadline(60, 10, clock), actions=Actions(dry_run=False, out=io.StringIO()),
    )  # fmt: skip
    stubber.assert_no_pending_responses()
    assert clock.sleeps == [10, 10]


def test_a_stuck_invalidation_fails_the_step_at_its_bound(
    aws_stack: AwsStack, tmp_path: Path, clock: FakeClock
) -> None:
    # Stubber: the invalidation stays InProgress for all seven polls a 60 s bound at 10 s allows.
    cloudfront, stubber = stubbed_cloudfront(["InProgress"] * 7)
    build = write_build(tmp_path / "dist", version="a1")
    argv = ["--bucket", aws_stack.outputs["static_bucket_name"], "--distribution-id", "E1", "--build", str(build),
            "--invalidation-timeout", "60", "--poll-interval", "10"]  # fmt: skip
    out = io.StringIO()
    code = publish_frontend.main(
        argv, clients=lambda s: cloudfront if s == "cloudfront" else aws_stack.client(s), clock=clock, out=out
    )
    assert code == 1
    assert (
        out.getvalue().splitlines()[-1]
        == "publish_frontend: FAILED — CloudFront invalidation I1 still InProgress after 60 s"
    )
    stubber.assert_no_pending_responses()


def test_the_manifest_names_this_release_and_the_previous_one(aws_stack: AwsStack, tmp_path: Path) -> None:
    first = publish(aws_stack, write_build(tmp_path / "a", version="a1"))
    second = publish(aws_stack, write_build(tmp_path / "b", version="b2"))
    body = (
        aws_stack.client("s3")
        .get_object(Bucket=aws_stack.outputs["static_bucket_name"], Key=MANIFEST_KEY)["Body"]
        .read()
    )
    manifest = json.loads(body)
    assert manifest["current"]["release"] == second.release
    assert manifest["previous"]["release"] == first.release
    shutil.rmtree(tmp_path / "a")


def test_a_bucket_whose_etags_are_not_md5s_is_still_published_once(aws_stack: AwsStack, tmp_path: Path) -> None:
    """With SSE-KMS an object's ETag is not the MD5 of its bytes. SeaweedFS has no KMS, so a
    botocore hook rewrites the listed ETags the way KMS would; the manifest's MD5s must carry it."""
    s3 = aws_stack.client("s3")

    def kms_etags(parsed: dict[str, Any], **_: Any) -> None:
        for item in parsed.get("Contents", []):
            item["ETag"] = '"' + "f" * 32 + '"'

    s3.meta.events.register("after-call.s3.ListObjectsV2", kms_etags)
    stack = dataclasses.replace(aws_stack, overrides={"s3": s3})
    build = write_build(tmp_path / "dist", version="a1")
    assert len(publish(stack, build).uploaded) == 4
    again = publish(stack, build)
    assert (again.uploaded, again.invalidated) == ((), ())
