"""Photo rows and objects for the storage and purge tests, made in bulk."""

import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.utils import timezone

from recommendations.models import EarPhoto, Fitting, ModelVersion, Questionnaire
from tests.s3 import PhotoBucket


def model_version() -> ModelVersion:
    found, _ = ModelVersion.objects.get_or_create(
        name="ear-test",
        version="1",
        defaults={"sha256": "0" * 64, "licence": "test", "provenance": "rendered test ears"},
    )
    return found


def fitting() -> Fitting:
    return Fitting.objects.create(
        questionnaire=Questionnaire.objects.get(version=1),
        answers={"uses": ["sport"]},
        token_hash=uuid.uuid4().hex * 2,
    )


def photo_rows(*, keys: Iterable[str], expires_at: datetime, owner: Fitting | None = None) -> list[EarPhoto]:
    owner = owner or fitting()
    version = model_version()
    rows = [
        EarPhoto(
            fitting=owner,
            side="left",
            storage_key=key,
            sha256="a" * 64,
            size_bytes=100,
            width=10,
            height=10,
            scale="mm",
            confidence=0.9,
            quality={"blur": 0.1},
            measurements={"ear_length_mm": {"value": 61.0, "uncertainty": 2.0}},
            geometry={"keypoints": [[1, 2]]},
            tip_size="M",
            tip_size_confidence=0.7,
            model_version=version,
            expires_at=expires_at,
        )
        for key in keys
    ]
    return EarPhoto.objects.bulk_create(rows, batch_size=1000)


def expired() -> datetime:
    return timezone.now() - timedelta(days=1)


def live() -> datetime:
    return timezone.now() + timedelta(days=89)


def put_objects(bucket: PhotoBucket, keys: list[str], *, versions: int = 1) -> None:
    """Store each key `versions` times (every put is a new version), eight at a time."""
    jobs = [key for key in keys for _ in range(versions)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(bucket.put, jobs))
