"""Where ear photos live: the private `photos` storage (a directory locally, S3 in production).

Everything that touches photo objects goes through here, so the rest of the code never sees
boto3. On S3 the bucket is versioned: "deleting a photo" means deleting every stored version of
its object (never leaving a delete marker over older versions), and the purge lists versions a
thousand at a time and deletes them a thousand per request. The filesystem (the embedded default)
has no versions: each file is its only version.

Deletion after an erase happens after the database commit, so a rolled-back erase never loses an
object that a row still points at; an object whose delete failed is an orphan that the purge
collects. The versions to delete are listed before the commit, so an erase with the storage down
is refused (503) instead of answering "erased" while the photos stay.
"""

import logging
import os
import shutil
import threading
import uuid
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import boto3.session
import botocore.session
import botocore.utils
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.utils import timezone

from earfit.exceptions import DependencyUnavailable

logger = logging.getLogger(__name__)

# S3 takes at most this many keys in one DeleteObjects request and returns at most this many
# versions in one ListObjectVersions page.
S3_BATCH = 1000


class PhotoStorageUnavailable(DependencyUnavailable):
    """The photo storage did not answer, or refused an operation: 503 for a request."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("storage")
        self.detail = detail

    def __str__(self) -> str:
        return f"photo storage unavailable: {self.detail}" if self.detail else "photo storage unavailable"


@dataclass(frozen=True)
class ObjectVersion:
    key: str
    version_id: str | None  # None on the filesystem, which keeps one version per key
    last_modified: datetime


class _Backend(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...
    def versions(self, prefix: str) -> Iterator[list[ObjectVersion]]: ...
    def key_versions(self, key: str) -> list[ObjectVersion]: ...
    def delete(self, versions: list[ObjectVersion]) -> int: ...
    def url(self, key: str, expires_in: int) -> str | None: ...
    def ping(self) -> None: ...
    def download(self, key: str, target: Path) -> None: ...


class _PhotoContent(ContentFile):
    """Bytes with the content type django-storages sends as the object's Content-Type."""

    def __init__(self, data: bytes, content_type: str) -> None:
        super().__init__(data)
        self.content_type = content_type


# botocore clients are thread-safe (django-storages' boto3 resources are not, and cost CPU to build
# per thread), so the purge's threads share one client per storage object, built from its settings.
_shared_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_shared_clients_lock = threading.Lock()


def _s3_timestamp(value: str) -> datetime:
    """S3's ISO 8601 times (``2026-11-23T22:44:53.000Z``), read by ``datetime.fromisoformat``.

    botocore's own parser goes through dateutil, which is slow enough to show in a purge's CPU time
    (docs/purge.md); anything the fast path cannot read still goes there.
    """
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        parsed: datetime = botocore.utils.parse_timestamp(value)
        return parsed


def _client_for(storage: Any) -> Any:
    core = botocore.session.get_session()
    core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=_s3_timestamp)
    session = boto3.session.Session(
        aws_access_key_id=storage.access_key,
        aws_secret_access_key=storage.secret_key,
        aws_session_token=storage.security_token,
        profile_name=storage.session_profile or None,
        botocore_session=core,
    )
    return session.client(
        "s3",
        region_name=storage.region_name,
        use_ssl=storage.use_ssl,
        endpoint_url=storage.endpoint_url,
        config=storage.client_config,
        verify=storage.verify,
    )


class _S3:
    def __init__(self, storage: Any) -> None:
        self.storage = storage
        self.bucket = storage.bucket_name

    @property
    def client(self) -> Any:
        with _shared_clients_lock:
            client = _shared_clients.get(self.storage)
            if client is None:
                client = _shared_clients[self.storage] = _client_for(self.storage)
            return client

    def save(self, key: str, data: bytes, content_type: str) -> None:
        # django-storages adds the configured object parameters (ServerSideEncryption) to the put.
        saved = self.storage.save(key, _PhotoContent(data, content_type))
        if saved != key:  # pragma: no cover -- file_overwrite is on; a rename would orphan the object
            raise PhotoStorageUnavailable(f"storage renamed {key} to {saved}")

    def versions(self, prefix: str) -> Iterator[list[ObjectVersion]]:
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": S3_BATCH}):
            found = [
                ObjectVersion(key=item["Key"], version_id=item["VersionId"], last_modified=item["LastModified"])
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if found:
                yield found

    def key_versions(self, key: str) -> list[ObjectVersion]:
        # The prefix also matches longer keys that start with this one; keep the exact key only.
        return [version for page in self.versions(key) for version in page if version.key == key]

    def delete(self, versions: list[ObjectVersion]) -> int:
        deleted = 0
        for start in range(0, len(versions), S3_BATCH):
            chunk = versions[start : start + S3_BATCH]
            objects = [{"Key": v.key, "VersionId": v.version_id} if v.version_id else {"Key": v.key} for v in chunk]
            response = self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True})
            errors = response.get("Errors", [])
            if errors:
                first = errors[0]
                raise PhotoStorageUnavailable(
                    f"{len(errors)} of {len(chunk)} deletes failed, e.g. {first.get('Key')}: {first.get('Code')}"
                )
            deleted += len(chunk)
        return deleted

    def url(self, key: str, expires_in: int) -> str | None:
        return str(self.storage.url(key, expire=expires_in))

    def ping(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)

    def download(self, key: str, target: Path) -> None:
        self.client.download_file(self.bucket, key, str(target))


class _Files:
    def __init__(self, storage: FileSystemStorage) -> None:
        self.storage = storage
        self.root = Path(storage.location)

    def save(self, key: str, data: bytes, content_type: str) -> None:
        saved = self.storage.save(key, ContentFile(data))
        if saved != key:
            self.storage.delete(saved)
            raise PhotoStorageUnavailable(f"a file already exists at {key}")

    def _version(self, path: Path) -> ObjectVersion:
        modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        return ObjectVersion(key=path.relative_to(self.root).as_posix(), version_id=None, last_modified=modified)

    def versions(self, prefix: str) -> Iterator[list[ObjectVersion]]:
        page: list[ObjectVersion] = []
        base = self.root / prefix.rstrip("/") if prefix.endswith("/") else self.root
        if not base.is_dir():
            return
        for directory, _dirs, files in sorted(os.walk(base)):
            for name in sorted(files):
                version = self._version(Path(directory) / name)
                if not version.key.startswith(prefix):
                    continue
                page.append(version)
                if len(page) == S3_BATCH:
                    yield page
                    page = []
        if page:
            yield page

    def key_versions(self, key: str) -> list[ObjectVersion]:
        path = self.root / key
        return [self._version(path)] if path.is_file() else []

    def delete(self, versions: list[ObjectVersion]) -> int:
        for version in versions:
            self.storage.delete(version.key)  # a missing file is not an error
        return len(versions)

    def url(self, key: str, expires_in: int) -> str | None:
        return None  # not served: staff read local photos through the admin

    def ping(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def download(self, key: str, target: Path) -> None:
        shutil.copyfile(self.root / key, target)


def photo_storage() -> Storage:
    return storages["photos"]


def _backend() -> _Backend:
    storage = photo_storage()
    if isinstance(storage, FileSystemStorage):
        return _Files(storage)
    return _S3(storage)


@contextmanager
def _storage_call(action: str) -> Iterator[None]:
    """Turns any failure of the storage service into PhotoStorageUnavailable (503 for a request)."""
    try:
        yield
    except PhotoStorageUnavailable:
        raise
    except (BotoCoreError, ClientError, OSError) as exc:
        logger.warning("photo storage: %s failed: %s", action, exc)
        raise PhotoStorageUnavailable(f"{action}: {exc}") from exc


def photo_key_new(*, fitting_id: uuid.UUID | str, side: str, extension: str = "jpg") -> str:
    """A fresh, never-reused key under the photos prefix: `photos/<yyyy>/<mm>/<dd>/<fitting>/<uuid>-<side>.<ext>`.

    Random and unique, so a put never overwrites another photo; dated, so the bucket reads by
    upload day in the console. Nothing personal is in it.
    """
    day = timezone.now().strftime("%Y/%m/%d")
    return f"{settings.PHOTO_KEY_PREFIX}{day}/{fitting_id}/{uuid.uuid4().hex}-{side}.{extension}"


def photo_object_save(*, key: str, data: bytes, content_type: str) -> None:
    """Store one photo object, encrypted at rest, private. Raises DependencyUnavailable("storage").

    A put is all or nothing, so a failed save leaves no object; the caller creates the row only
    after this returns (and deletes the object again if the row cannot be written).
    """
    with _storage_call(f"save {key}"):
        _backend().save(key, data, content_type)


def photo_object_versions(*, prefix: str | None = None) -> Iterator[list[ObjectVersion]]:
    """Every stored version under the prefix (the photos prefix by default), a page at a time."""
    backend = _backend()
    pages = backend.versions(settings.PHOTO_KEY_PREFIX if prefix is None else prefix)
    while True:
        with _storage_call("list versions"):
            page = next(pages, None)
        if page is None:
            return
        yield page


def photo_object_key_versions(keys: Iterable[str]) -> list[ObjectVersion]:
    """Every stored version of these exact keys (one listing per key: for a handful of keys)."""
    backend = _backend()
    with _storage_call("list key versions"):
        return [version for key in keys for version in backend.key_versions(key)]


def photo_object_versions_delete(versions: list[ObjectVersion]) -> int:
    """Delete exactly these versions, a thousand per request; returns how many. Idempotent."""
    if not versions:
        return 0
    with _storage_call(f"delete {len(versions)} versions"):
        return _backend().delete(versions)


def photo_objects_delete(keys: Iterable[str]) -> int:
    """Delete every version of these objects now; returns how many versions were deleted."""
    return photo_object_versions_delete(photo_object_key_versions(keys))


def photo_objects_delete_on_commit(keys: Iterable[str]) -> None:
    """Delete every version of these objects once the current transaction commits.

    The versions are listed now, inside the transaction: with the storage down this raises
    PhotoStorageUnavailable and the caller's transaction rolls back, so the request answers 503
    with nothing changed. The delete itself waits for the commit; if it fails then, the rows are
    gone and the purge collects the objects as orphans.
    """
    versions = photo_object_key_versions(list(keys))
    if not versions:
        return

    def _delete() -> None:
        try:
            photo_object_versions_delete(versions)
        except Exception:  # the rows are gone; the purge collects the orphans later
            logger.exception("could not delete %d photo object version(s); the purge will collect them", len(versions))

    transaction.on_commit(_delete)


def photo_object_url(*, key: str, expires_in: int | None = None) -> str | None:
    """A presigned GET that lives `expires_in` seconds (PHOTO_URL_EXPIRE_SECONDS); None on the filesystem."""
    with _storage_call(f"sign {key}"):
        return _backend().url(key, expires_in or settings.PHOTO_URL_EXPIRE_SECONDS)


def photo_storage_ping() -> None:
    """Readiness: the bucket (or directory) answers."""
    with _storage_call("ping"):
        _backend().ping()


def photo_object_read(*, key: str) -> bytes:
    """The stored bytes of one photo object (its current version)."""
    with _storage_call(f"read {key}"), photo_storage().open(key, "rb") as handle:
        return bytes(handle.read())


def photo_bucket_name() -> str:
    """The photos bucket's name (S3), or "" for the filesystem."""
    backend = _backend()
    return backend.bucket if isinstance(backend, _S3) else ""


def photo_bucket_file_download(*, key: str, target: Path) -> None:
    """Copy one object of the photos bucket that is not a photo (the legacy export, uploaded there
    for the cut-over: the bucket is private and encrypted, and the tasks may read it) to a local file.

    Keys under the photos prefix are refused: those are photos, and the purge owns them.
    """
    if key.startswith(settings.PHOTO_KEY_PREFIX):
        raise ValueError(f"{key} is under {settings.PHOTO_KEY_PREFIX}, where only photos live")
    with _storage_call(f"download {key}"):
        _backend().download(key, target)
