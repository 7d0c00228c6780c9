"""Publish the React build to the static bucket so that no visitor ever gets a page whose files are missing.

Order: files that are new or changed go up first, `index.html` last, then the release manifest;
only after that are stale files deleted, and only those that neither this release nor the one
before it uses (a rollback puts the previous `index.html` back, and pages already open keep
loading their chunks). Content-hashed files under `assets/` are cached for a year
(`public, max-age=31536000, immutable`); everything else, `index.html` first, is `no-cache`, so
browsers revalidate it. CloudFront is asked to invalidate only the paths of changed files that
are not content-hashed (a new hashed name was never cached). Running it again with the same build
uploads, deletes and invalidates nothing.

The release manifest (`_releases/manifest.json`) names the files of the current and the previous
release with their MD5; it is how the next publish knows what the previous release still needs,
and what is already in the bucket when the bucket's ETags are not MD5s (SSE-KMS).
"""

import argparse
import hashlib
import json
import mimetypes
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from botocore.exceptions import ClientError

from deploy.release_record import record_update
from deploy.runtime import (
    Actions,
    AwsClients,
    Client,
    ClientFactory,
    Clock,
    Deadline,
    RealClock,
    StepFailed,
    add_aws_options,
    error_code,
    positive_seconds,
    step_main,
)

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"
INDEX = "index.html"
MANIFEST_KEY = "_releases/manifest.json"
# Vite names emitted files <name>-<hash>.<ext>, the hash 8 or more URL-safe characters.
HASHED_NAME = re.compile(r"-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$")
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".webmanifest": "application/manifest+json",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".ico": "image/x-icon",
    ".wasm": "application/wasm",
}
DELETE_BATCH = 1000


@dataclass(frozen=True)
class BuildFile:
    key: str
    path: Path
    md5: str
    content_type: str
    cache_control: str

    @property
    def hashed(self) -> bool:
        return self.cache_control == IMMUTABLE


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def build_files(*, build: Path, hashed_prefix: str) -> dict[str, BuildFile]:
    if not (build / INDEX).is_file():
        raise StepFailed(f"{build / INDEX} is missing: is --build the Vite output directory (frontend/dist)?")
    files = {}
    for path in sorted(p for p in build.rglob("*") if p.is_file()):
        key = path.relative_to(build).as_posix()
        if key.startswith("_releases/"):
            raise StepFailed(f"{key}: the build may not use the _releases/ prefix, which holds the release manifest")
        hashed = key.startswith(hashed_prefix) and bool(HASHED_NAME.search(key))
        files[key] = BuildFile(
            key=key,
            path=path,
            md5=hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest(),
            content_type=content_type(path),
            cache_control=IMMUTABLE if hashed else NO_CACHE,
        )
    return files


def release_id(files: dict[str, BuildFile]) -> str:
    """The same build gives the same id, so a re-run is recognised as the same release."""
    digest = hashlib.sha256("\n".join(f"{f.key} {f.md5}" for f in files.values()).encode()).hexdigest()
    return digest[:16]


def bucket_etags(*, s3: Client, bucket: str) -> dict[str, str]:
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[str(item["Key"])] = str(item["ETag"]).strip('"')
    return found


def object_read(*, s3: Client, bucket: str, key: str) -> bytes | None:
    try:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error_code(error) in ("NoSuchKey", "404"):
            return None
        raise
    return body


def upload_order(changed: list[BuildFile]) -> list[BuildFile]:
    """Hashed files, then other files, then HTML pages, `index.html` the very last."""

    def rank(item: BuildFile) -> tuple[int, str]:
        if item.key == INDEX:
            return (3, item.key)
        if item.key.endswith(".html"):
            return (2, item.key)
        return (0 if item.hashed else 1, item.key)

    return sorted(changed, key=rank)


def invalidation_wait(
    *, cloudfront: Client, distribution_id: str, invalidation_id: str, deadline: Deadline, actions: Actions
) -> None:
    status = "?"
    for elapsed in deadline.polls():
        status = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidation_id)["Invalidation"][
            "Status"
        ]
        actions.say(f"[{elapsed:5.0f} s of {deadline.seconds:.0f} s] invalidation {invalidation_id}: {status}")
        if status == "Completed":
            return
    raise StepFailed(f"CloudFront invalidation {invalidation_id} still {status} after {deadline.seconds:.0f} s")


def paths_invalidate(
    *,
    cloudfront: Client,
    distribution_id: str,
    paths: list[str],
    deadline: Deadline | None,
    actions: Actions,
    reference: str,
) -> str | None:
    """Invalidate `paths` and wait (unless `deadline` is None); returns the invalidation id."""
    created = actions.call(
        cloudfront,
        "create_invalidation",
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": reference},
    )
    if created is None:
        return None
    invalidation_id = str(created["Invalidation"]["Id"])
    actions.say(f"invalidation {invalidation_id}: {', '.join(paths)}")
    if deadline is not None:
        invalidation_wait(
            cloudfront=cloudfront,
            distribution_id=distribution_id,
            invalidation_id=invalidation_id,
            deadline=deadline,
            actions=actions,
        )
    return invalidation_id


@dataclass(frozen=True)
class Publication:
    release: str
    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    invalidated: tuple[str, ...]


def frontend_publish(
    *,
    s3: Client,
    cloudfront: Client,
    bucket: str,
    distribution_id: str,
    build: Path,
    hashed_prefix: str,
    record: Path | None,
    invalidation_deadline: Deadline | None,
    actions: Actions,
    after_put: Callable[[str], None] | None = None,
) -> Publication:
    files = build_files(build=build, hashed_prefix=hashed_prefix)
    release = release_id(files)
    remote = bucket_etags(s3=s3, bucket=bucket)
    manifest_bytes = object_read(s3=s3, bucket=bucket, key=MANIFEST_KEY)
    old_manifest: dict[str, Any] | None = json.loads(manifest_bytes) if manifest_bytes else None
    if old_manifest is None:
        # No manifest: what is in the bucket now is all we know of the release before this one.
        previous = {"release": "unknown", "files": {key: etag for key, etag in remote.items() if key != MANIFEST_KEY}}
    elif old_manifest["current"]["release"] == release:
        previous = old_manifest["previous"]  # the same release again: keep what came before it
    else:
        previous = old_manifest["current"]
    # An ETag is the MD5 of the bytes only without SSE-KMS; the manifest remembers the MD5 of
    # every file it published, so a KMS-encrypted bucket is compared as reliably.
    published = dict(remote)
    for section in (old_manifest["previous"], old_manifest["current"]) if old_manifest else ():
        published.update({key: md5 for key, md5 in section["files"].items() if key in remote})
    changed = upload_order([f for f in files.values() if published.get(f.key) != f.md5])
    manifest = {"current": {"release": release, "files": {f.key: f.md5 for f in files.values()}}, "previous": previous}
    new_manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode()

    index_changed = any(f.key == INDEX for f in changed)
    if record is not None and not actions.dry_run and (index_changed or manifest_bytes != new_manifest_bytes):
        old_index = object_read(s3=s3, bucket=bucket, key=INDEX)
        record_update(
            record,
            frontend={
                "bucket": bucket,
                "distribution_id": distribution_id,
                "release": release,
                "previous_index": old_index.decode() if old_index is not None else None,
                "previous_manifest": old_manifest,
            },
        )

    for number, item in enumerate(changed, start=1):
        actions.call(
            s3, "put_object", Bucket=bucket, Key=item.key, Body=item.path.read_bytes(),
            ContentType=item.content_type, CacheControl=item.cache_control,
        )  # fmt: skip
        actions.say(f"[{number}/{len(changed)}] {item.key} ({item.content_type}; {item.cache_control})")
        if after_put:
            after_put(item.key)
    if manifest_bytes != new_manifest_bytes:
        actions.call(
            s3,
            "put_object",
            Bucket=bucket,
            Key=MANIFEST_KEY,
            Body=new_manifest_bytes,
            ContentType="application/json",
            CacheControl=NO_CACHE,
        )
        if after_put:
            after_put(MANIFEST_KEY)

    keep = set(files) | set(previous["files"]) | {MANIFEST_KEY}
    stale = sorted(set(remote) - keep)
    for start in range(0, len(stale), DELETE_BATCH):
        batch = stale[start : start + DELETE_BATCH]
        deleted = actions.call(
            s3, "delete_objects", Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
        )
        if deleted and deleted.get("Errors"):
            raise StepFailed(f"could not delete stale files: {deleted['Errors'][:3]}")
        if after_put:
            after_put(f"deleted {len(batch)}")
    if stale:
        actions.say(f"deleted {len(stale)} file(s) neither this release nor the previous one uses")

    paths = [f"/{item.key}" for item in changed if not item.hashed]
    if index_changed:
        paths.insert(0, "/")  # the distribution's default root object is cached under `/` too
    if paths:
        paths_invalidate(
            cloudfront=cloudfront, distribution_id=distribution_id, paths=paths, deadline=invalidation_deadline,
            actions=actions, reference=f"publish-{release}-{int(time.time())}",
        )  # fmt: skip
    return Publication(
        release=release, uploaded=tuple(f.key for f in changed), deleted=tuple(stale), invalidated=tuple(paths)
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy.publish_frontend", description=__doc__.split("\n\n")[0])
    parser.add_argument("--bucket", required=True, help="the static site bucket")
    parser.add_argument("--distribution-id", required=True, help="the CloudFront distribution in front of it")
    parser.add_argument(
        "--build", type=Path, default=Path("frontend/dist"), help="the Vite build directory (default: frontend/dist)"
    )
    parser.add_argument("--hashed-prefix", default="assets/", help="where content-hashed files live (default: assets/)")
    parser.add_argument("--record", type=Path, help="the release record, for the rollback step")
    parser.add_argument(
        "--invalidation-timeout", type=positive_seconds, default=600.0,
        help="seconds to wait for the invalidation to complete; 0 does not wait (default: 600)",
    )  # fmt: skip
    parser.add_argument(
        "--poll-interval", type=positive_seconds, default=10.0, help="seconds between polls (default: 10)"
    )
    add_aws_options(parser)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: ClientFactory | None = None,
    clock: Clock | None = None,
    out: TextIO | None = None,
) -> int:
    def run(args: argparse.Namespace, actions: Actions) -> str:
        factory = clients or AwsClients(region=args.region, role_arn=args.role_arn)
        deadline = (
            Deadline(args.invalidation_timeout, args.poll_interval, clock or RealClock())
            if args.invalidation_timeout
            else None
        )
        result = frontend_publish(
            s3=factory("s3"),
            cloudfront=factory("cloudfront"),
            bucket=args.bucket,
            distribution_id=args.distribution_id,
            build=args.build,
            hashed_prefix=args.hashed_prefix,
            record=args.record,
            invalidation_deadline=deadline,
            actions=actions,
        )
        return (
            f"release {result.release}: {len(result.uploaded)} uploaded, {len(result.deleted)} deleted, "
            f"{len(result.invalidated)} path(s) invalidated"
        )

    return step_main("publish_frontend", build_parser(), run, argv, out=out)


if __name__ == "__main__":
    raise SystemExit(main())
