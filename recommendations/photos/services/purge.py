"""The retention purge: expired ear photos and orphaned photo objects are deleted, every version.

Policy: a photo and its measurements are kept `PHOTO_RETENTION_DAYS` days. This purge is one of two
independent expiry paths; the other is the bucket's lifecycle rule, which reads the same number
(`earfit/retention.py`). A purged photo keeps its row as a tombstone (`purged_at` set, everything
about the person cleared), so statistics and the audit trail still add up. Safe to run twice at
once: rows are locked `FOR UPDATE SKIP LOCKED`, and orphans are collected by one run at a time.
How one run works, step by step, and why its deletes run side by side: docs/purge.md.
"""

import itertools
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditActor, audit_event_record, audit_events_record_many
from recommendations.models import EarPhoto
from recommendations.photos.storage import (
    S3_BATCH,
    ObjectVersion,
    photo_object_key_versions,
    photo_object_versions,
    photo_object_versions_delete,
)

PURGE_JOB = "purge_expired_photos"
logger = logging.getLogger(__name__)
# Any 64-bit number unique to this purpose: the PostgreSQL advisory lock for orphan collection.
_ORPHAN_LOCK_ID = 0x0EA7_F17_0A9E
# Listing pages (of up to 1,000 versions) whose rows share one transaction, and so whose delete
# requests can be in flight together; S3's SlowDown answers are retried by the client (docs/purge.md).
PAGES_PER_TRANSACTION = 8
DELETE_CONCURRENCY = 8


@dataclass(frozen=True)
class PhotoPurgeResult:
    photos_purged: int
    photo_versions_deleted: int
    orphans_removed: int
    orphan_versions_deleted: int
    orphans_skipped: bool  # another run was collecting orphans
    dry_run: bool
    seconds: float

    def summary(self) -> str:
        verb = "would purge" if self.dry_run else "purged"
        orphans = (
            "orphans left to the run that is collecting them"
            if self.orphans_skipped
            else f"{self.orphans_removed} orphaned object(s) ({self.orphan_versions_deleted} versions)"
        )
        return (
            f"{verb} {self.photos_purged} expired photo(s) ({self.photo_versions_deleted} object versions) "
            f"and {orphans} in {self.seconds:.1f} s"
        )


def _audit_photos_purged(photo_ids: list[uuid.UUID]) -> None:
    """One `photo.purged` event per photo, in the purge batch's transaction, written in bulk."""
    audit_events_record_many(
        actor=AuditActor.system(PURGE_JOB),
        action=AuditAction.PHOTO_PURGED,
        object_type="ear_photo",
        object_ids=[str(pk) for pk in photo_ids],
        payload={"reason": "expired"},
    )


def _audit_purge_run(result: PhotoPurgeResult) -> None:
    """One `purge.run` event per completed run with its counts (what the "purge not run" alarm reads)."""
    with transaction.atomic():
        audit_event_record(
            actor=AuditActor.system(PURGE_JOB),
            action=AuditAction.PURGE_RUN,
            object_type="photo_purge",
            object_id="",
            payload=asdict(result),
        )


@dataclass
class _Tally:
    photos: int = 0
    photo_versions: int = 0
    orphans: int = 0
    orphan_versions: int = 0


@contextmanager
def _orphan_collection_lock() -> Iterator[bool]:
    """True when this run may collect orphans. SQLite (one process, embedded default): always."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_ORPHAN_LOCK_ID])
        row = cursor.fetchone()
        acquired = bool(row and row[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_ORPHAN_LOCK_ID])


def _read_ahead(pages: Iterator[list[ObjectVersion]]) -> Iterator[list[ObjectVersion]]:
    """Fetch the next listing page on a background thread while this one is purged.

    The listing and the previous page's delete then overlap instead of queueing. Only the listing
    runs there (no database work), and only one request is ahead at a time.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="purge-listing") as pool:
        ahead = pool.submit(next, pages, None)
        while True:
            page = ahead.result()
            if page is None:
                return
            ahead = pool.submit(next, pages, None)
            yield page


def _pages_whole_keys(pages: Iterator[list[ObjectVersion]]) -> Iterator[list[ObjectVersion]]:
    """Re-cut listing pages so that all versions of one key are in the same page."""
    carry: list[ObjectVersion] = []
    for page in pages:
        versions = carry + page
        last_key = versions[-1].key
        ready = [v for v in versions if v.key != last_key]
        carry = [v for v in versions if v.key == last_key]
        if ready:
            yield ready
    if carry:
        yield carry


def _purged_fields(now: datetime) -> dict[str, object]:
    return {
        "purged_at": now,
        "measurements": {},
        "geometry": {},
        "quality": {},
        "sha256": "",
        "tip_size": "",
        "tip_size_confidence": 0.0,
    }


@dataclass(frozen=True)
class _Run:
    """What every page of one purge run is judged by, and where its deletes are sent."""

    cutoff: datetime  # rows that expired at or before this are purged
    orphan_before: datetime  # objects without a row, last written before this, are orphans
    started: datetime
    collect_orphans: bool
    dry_run: bool
    deleters: ThreadPoolExecutor


@dataclass
class _Locked:
    """One listing page's share of a transaction: what it locked and the delete it sent."""

    photo_ids: list[uuid.UUID]
    photo_versions: int
    orphans: int
    orphan_versions: int
    delete: Future[int] | None


def _lock_page(versions: list[ObjectVersion], run: _Run) -> _Locked:
    """Lock the page's expired rows, pick its orphans and send the delete (inside a transaction)."""
    by_key: dict[str, list[ObjectVersion]] = defaultdict(list)
    for version in versions:
        by_key[version.key].append(version)
    keys = list(by_key)
    rows = dict(EarPhoto.objects.filter(storage_key__in=keys).values_list("storage_key", "purged_at"))
    expired = EarPhoto.objects.filter(storage_key__in=keys, purged_at__isnull=True, expires_at__lte=run.cutoff)
    if not run.dry_run:
        expired = expired.select_for_update(skip_locked=True)
    locked = list(expired.values_list("pk", "storage_key"))
    orphans = []
    if run.collect_orphans:
        for key, key_versions in by_key.items():
            # No row, or a row purged by an earlier run that left a version behind. A row purged
            # during this run was purged by a concurrent run, which deleted its versions itself.
            purged_at = rows.get(key)
            gone = key not in rows or (purged_at is not None and purged_at < run.started)
            if gone and max(v.last_modified for v in key_versions) < run.orphan_before:
                orphans.append(key)
    photo_versions = [v for _pk, key in locked for v in by_key[key]]
    orphan_versions = [v for key in orphans for v in by_key[key]]
    photo_ids = [pk for pk, _key in locked]
    delete = None
    if not run.dry_run and (photo_versions or orphan_versions):
        delete = run.deleters.submit(photo_object_versions_delete, photo_versions + orphan_versions)
    if not run.dry_run and photo_ids:
        # Emptied while the delete runs: a failed delete rolls the transaction back, rows and all.
        EarPhoto.objects.filter(pk__in=photo_ids).update(**_purged_fields(timezone.now()))
    return _Locked(photo_ids, len(photo_versions), len(orphans), len(orphan_versions), delete)


def _purge_pages(pages: Iterator[list[ObjectVersion]], run: _Run, tally: _Tally) -> int:
    """Purge the next `PAGES_PER_TRANSACTION` pages in one transaction; returns how many pages."""
    parts: list[_Locked] = []
    with transaction.atomic():
        try:
            for page in itertools.islice(pages, PAGES_PER_TRANSACTION):
                parts.append(_lock_page(page, run))
        finally:
            # Every request sent is waited for, also when a later page failed: no delete may
            # still be running when the transaction ends.
            wait([part.delete for part in parts if part.delete is not None])
        for part in parts:
            if part.delete is not None:
                part.delete.result()  # raises the first failure: the transaction rolls back
        photo_ids = [pk for part in parts for pk in part.photo_ids]
        if not run.dry_run and photo_ids:
            # Audited last, so the chain's head is held only for the moment before the commit.
            _audit_photos_purged(photo_ids)
    tally.photos += len(photo_ids)
    tally.photo_versions += sum(part.photo_versions for part in parts)
    tally.orphans += sum(part.orphans for part in parts)
    tally.orphan_versions += sum(part.orphan_versions for part in parts)
    return len(parts)


def _purge_rows_without_listed_objects(*, cutoff: datetime, tally: _Tally) -> None:
    """Expired rows the listing did not reach (their objects are already gone): empty them too."""
    while True:
        with transaction.atomic():
            batch: list[tuple[uuid.UUID, str]] = list(
                EarPhoto.objects.filter(purged_at__isnull=True, expires_at__lte=cutoff)
                .select_for_update(skip_locked=True)
                .order_by("expires_at")
                .values_list("pk", "storage_key")[:S3_BATCH]
            )
            if not batch:
                return
            # Normally none are left: each key here costs one listing request.
            versions = photo_object_key_versions(key for _pk, key in batch)
            photo_object_versions_delete(versions)
            photo_ids = [pk for pk, _key in batch]
            EarPhoto.objects.filter(pk__in=photo_ids).update(**_purged_fields(timezone.now()))
            _audit_photos_purged(photo_ids)
        tally.photos += len(batch)
        tally.photo_versions += len(versions)


def ear_photo_purge_expired(
    *,
    older_than: timedelta = timedelta(0),
    dry_run: bool = False,
    now: datetime | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> PhotoPurgeResult:
    """Delete photos that expired `older_than` ago or earlier (every object version) and orphans.

    Idempotent, and safe to run twice at once: rows are locked with SKIP LOCKED and orphans are
    collected by one run only. Raises PhotoStorageUnavailable when the storage fails; what was
    committed before stays purged, what was not stays for the next run.
    """
    started = time.monotonic()
    run_started = timezone.now()
    now = now or run_started
    cutoff = now - older_than
    orphan_before = now - timedelta(seconds=settings.PHOTO_ORPHAN_GRACE_SECONDS)
    tally = _Tally()
    with (
        _orphan_collection_lock() as collect_orphans,
        ThreadPoolExecutor(max_workers=DELETE_CONCURRENCY, thread_name_prefix="purge-delete") as deleters,
    ):
        pages = _pages_whole_keys(_read_ahead(photo_object_versions()))
        run = _Run(cutoff, orphan_before, run_started, collect_orphans, dry_run, deleters)
        while True:
            before = tally.photos + tally.orphans
            done = _purge_pages(pages, run, tally)
            if not done:
                break
            if on_progress:
                on_progress(tally.photos + tally.orphans - before)
    if dry_run:
        # Expired rows with no object listed would be emptied as well.
        tally.photos = EarPhoto.objects.filter(purged_at__isnull=True, expires_at__lte=cutoff).count()
    else:
        before = tally.photos
        _purge_rows_without_listed_objects(cutoff=cutoff, tally=tally)
        if on_progress and tally.photos > before:
            on_progress(tally.photos - before)
    result = PhotoPurgeResult(
        photos_purged=tally.photos,
        photo_versions_deleted=tally.photo_versions,
        orphans_removed=tally.orphans,
        orphan_versions_deleted=tally.orphan_versions,
        orphans_skipped=not collect_orphans,
        dry_run=dry_run,
        seconds=time.monotonic() - started,
    )
    if not dry_run:
        _audit_purge_run(result)
        # The line the "purge not run" alarm counts (a CloudWatch Logs metric filter on the event).
        logger.info(result.summary(), extra={"event": "photos.purge_completed", **asdict(result)})
    return result
