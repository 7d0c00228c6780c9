"""Reads for the legacy import: what it already made, and the checksums of what it imported.

The checksums are computed from the database and the photo storage as they are now, so the
report says what earfit holds, not what the importer believes it wrote. Each is SHA-256 over
canonical lines sorted by legacy id, so two imports of the same export (a rehearsal on staging and
the production run) can be compared line for line.
"""

import hashlib
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from recommendations.models import (
    Consent,
    EarPhoto,
    Fitting,
    LegacyRecord,
    LegacyRecordKind,
    Product,
    Recommendation,
    RecommendationItem,
)
from recommendations.photos.storage import PhotoStorageUnavailable, photo_object_read

# The columns each checksum covers. Random values (the fitting's unused token hash, storage keys)
# and times the import sets itself are left out, so the same export gives the same sums anywhere.
PRODUCT_COLUMNS = (
    "slug", "brand", "model", "form_factor", "tip_sizes", "nozzle_diameter_mm", "shell_length_mm",
    "shell_width_mm", "cup_inner_height_mm", "cup_inner_width_mm", "weight_g", "clamp_force_n", "anc",
    "wireless", "water_resistance", "microphone", "price", "currency", "active",
)  # fmt: skip
MISSING = frozenset({"NoSuchKey", "404"})
PHOTO_COLUMNS = ("side", "sha256", "size_bytes", "width", "height", "scale", "measurements", "expires_at", "purged_at")


def legacy_targets(*, kind: str, legacy_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Legacy id → the id of what the import made of it, for rows of this kind already imported."""
    records = LegacyRecord.objects.filter(kind=kind)
    if legacy_ids is not None:
        records = records.filter(legacy_id__in=list(legacy_ids))
    return dict(records.values_list("legacy_id", "target_id"))


def _digest(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def _rows_by_target(kind: str) -> dict[str, str]:
    return {target: legacy_id for legacy_id, target in legacy_targets(kind=kind).items()}


def legacy_checksums() -> dict[str, dict[str, str]]:
    """Per kind: `source` over (legacy id, digest of the legacy row) of every imported row, and
    `rows` over what the database holds for them now (an erased fitting or purged photo shows)."""
    sums: dict[str, dict[str, str]] = {}
    for kind in LegacyRecordKind.values:
        records = LegacyRecord.objects.filter(kind=kind).values_list("legacy_id", "source_sha256")
        sums[kind] = {"source": _digest(f"{legacy_id} {sha}" for legacy_id, sha in records.iterator())}
    products = _rows_by_target(LegacyRecordKind.PRODUCT)
    sums["product"]["rows"] = _product_rows(products)
    fittings = _rows_by_target(LegacyRecordKind.QUESTIONNAIRE)
    consents = dict(
        Consent.objects.filter(fitting_id__in=list(fittings)).values_list("fitting_id", "text_version").iterator()
    )
    sums["questionnaire"]["rows"] = _digest(
        f"{fittings[str(pk)]} {_canonical([answers, created, status, consents.get(pk)])}"
        for pk, answers, created, status in Fitting.objects.filter(pk__in=list(fittings))
        .values_list("pk", "answers", "created_at", "status")
        .iterator(chunk_size=2000)
    )
    recommendations = _rows_by_target(LegacyRecordKind.RECOMMENDATION)
    items: dict[int, list[Any]] = {}
    for rec_id, product_id, rank, score, tip in (
        RecommendationItem.objects.filter(recommendation_id__in=[int(pk) for pk in recommendations])
        .order_by("recommendation_id", "rank")
        .values_list("recommendation_id", "product_id", "rank", "score", "tip_size")
        .iterator(chunk_size=5000)
    ):
        items.setdefault(rec_id, []).append([rank, products_legacy_id(product_id, products), score, tip])
    sums["recommendation"]["rows"] = _digest(
        f"{recommendations[str(pk)]} {_canonical([created, items.get(pk, [])])}"
        for pk, created in Recommendation.objects.filter(pk__in=[int(pk) for pk in recommendations])
        .values_list("pk", "created_at")
        .iterator(chunk_size=2000)
    )
    photos = _rows_by_target(LegacyRecordKind.PHOTO)
    sums["photo"]["rows"] = _digest(
        f"{photos[str(row.pop('pk'))]} {_canonical(row)}"
        for row in EarPhoto.objects.filter(pk__in=list(photos)).values("pk", *PHOTO_COLUMNS).iterator(chunk_size=2000)
    )
    return sums


def products_legacy_id(product_id: int, products: dict[str, str]) -> str:
    """A product as the legacy export named it, or earfit's id for one the import did not bring."""
    return products.get(str(product_id), f"earfit:{product_id}")


def _product_rows(products: dict[str, str]) -> str:
    return _digest(
        f"{products[str(row.pop('pk'))]} {_canonical(row)}"
        for row in Product.objects.filter(pk__in=[int(pk) for pk in products]).values("pk", *PRODUCT_COLUMNS)
    )


def legacy_photo_objects_verify(*, workers: int = 8) -> tuple[int, list[str]]:
    """Read every imported photo that is still stored back from storage and compare its SHA-256
    with its row: (how many matched, the keys missing or altered)."""
    photo_ids = list(_rows_by_target(LegacyRecordKind.PHOTO))
    stored = list(
        EarPhoto.objects.filter(pk__in=photo_ids, purged_at__isnull=True).values_list("storage_key", "sha256")
    )

    def matches(entry: tuple[str, str]) -> bool:
        key, sha256 = entry
        try:
            return hashlib.sha256(photo_object_read(key=key)).hexdigest() == sha256
        except FileNotFoundError:
            return False
        except PhotoStorageUnavailable as exc:
            # An object that is not there is a finding; a storage that does not answer is not.
            cause = exc.__cause__
            if isinstance(cause, FileNotFoundError) or (
                isinstance(cause, ClientError) and cause.response["Error"]["Code"] in MISSING
            ):
                return False
            raise

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(matches, stored))
    missing = [key for (key, _), ok in zip(stored, results, strict=True) if not ok]
    return len(stored) - len(missing), missing
