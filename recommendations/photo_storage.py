"""Where ear photos live: the private `photos` storage (a directory locally, S3 in production).

Deletion happens after the database commit, so a rolled-back erase never loses an object that a
row still points at; an object whose delete failed is an orphan that the purge collects.
"""

import logging
from collections.abc import Iterable

from django.core.files.storage import Storage, storages
from django.db import transaction

logger = logging.getLogger(__name__)


def photo_storage() -> Storage:
    return storages["photos"]


def photo_objects_delete(keys: Iterable[str]) -> int:
    """Delete these objects now; returns how many were deleted. Missing objects count as deleted."""
    storage = photo_storage()
    deleted = 0
    for key in keys:
        storage.delete(key)
        deleted += 1
    return deleted


def photo_objects_delete_on_commit(keys: Iterable[str]) -> None:
    keys = list(keys)
    if not keys:
        return

    def _delete() -> None:
        try:
            photo_objects_delete(keys)
        except Exception:  # the rows are gone; the purge collects the orphans later
            logger.exception("could not delete %d photo object(s); the purge will collect them", len(keys))

    transaction.on_commit(_delete)


def photo_object_save(*, key: str, data: bytes, content_type: str) -> None:
    """Store a photo object under exactly `key` (never renamed); 503 when storage is down."""
    from django.core.files.base import ContentFile

    from earfit.exceptions import DependencyUnavailable

    storage = photo_storage()
    try:
        saved = storage.save(key, ContentFile(data))
    except OSError as exc:
        logger.warning("photo storage unavailable: %s", exc)
        raise DependencyUnavailable("storage") from exc
    if saved != key:  # a name clash means a reused id: never keep two objects for one row
        storage.delete(saved)
        raise RuntimeError(f"photo key {key!r} already existed")


def photo_object_read(*, key: str) -> bytes:
    from earfit.exceptions import DependencyUnavailable

    try:
        with photo_storage().open(key, "rb") as handle:
            return bytes(handle.read())
    except FileNotFoundError:
        raise
    except OSError as exc:
        logger.warning("photo storage unavailable: %s", exc)
        raise DependencyUnavailable("storage") from exc
