"""Which model measures the next photo: the active `ModelVersion`, read through a short cache.

Activation happens in one process (the admin, a command) and must reach every web and worker
process without a restart. Each process reads the active version from the database through the
default cache for `MODEL_ACTIVE_CACHE_SECONDS` (a few seconds: one query per process per
interval, not per photo). Activation deletes the cached entry when it commits, so with the cache
every production process shares (Redis, `CACHE_URL`) the next photo anywhere uses the new version;
with a per-process cache (the embedded default's local memory) it does within those seconds.
ONNX sessions stay loaded per version (`inference.session`), so a switch costs one model load per
process and switching back costs nothing.
"""

from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError

from inference.registry import ModelSpec
from recommendations.measuring.analysis import model_card, model_spec, model_spec_for
from recommendations.measuring.services import active_model_cache_key, model_version_first_use
from recommendations.models import ModelVersion


@dataclass(frozen=True)
class MeasuringModel:
    """The facts of a model version a measurement needs: which row, which file (pinned)."""

    id: int
    name: str
    version: str
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.name}-{self.version}"

    def spec(self) -> ModelSpec:
        """The loaded, checksum-verified spec (503 when its file is not the registered one)."""
        return model_spec_for(name=self.name, version=self.version, sha256=self.sha256)

    @classmethod
    def of(cls, row: ModelVersion) -> "MeasuringModel":
        return cls(id=row.pk, name=row.name, version=row.version, sha256=row.sha256)


def model_version_active() -> MeasuringModel:
    """The version new photos are measured with (registered and activated on first use)."""
    cached = _cached_active()
    if cached is not None:
        return cached
    row = ModelVersion.objects.filter(active=True).first() or model_version_first_use(card=model_card())
    active = MeasuringModel.of(row)
    cache.set(active_model_cache_key(), asdict(active), timeout=settings.MODEL_ACTIVE_CACHE_SECONDS)
    return active


def model_spec_active_read_only() -> ModelSpec:
    """The spec of the active version, registering nothing (for a dry run, which keeps nothing):
    the release's default while no version is active yet."""
    row = ModelVersion.objects.filter(active=True).first()
    return MeasuringModel.of(row).spec() if row is not None else model_spec()


def model_active_ready() -> None:
    """Readiness: the file of the version new photos are measured with is present and is the one
    registered (a 503 otherwise). Reads only: a probe runs on a thread of its own, outside any
    request's transaction, so it must never register or activate anything. With the database
    down, the shipped model is checked instead: the database's own check reports the database."""
    cached = _cached_active()
    if cached is not None:
        cached.spec()
        return
    try:
        model_spec_active_read_only()
    except DatabaseError:
        model_spec()


def _cached_active() -> MeasuringModel | None:
    """The active version as this process's cache holds it, if it does."""
    cached = cache.get(active_model_cache_key())
    if not isinstance(cached, dict):
        return None
    try:
        return MeasuringModel(**cached)
    except TypeError:
        return None  # written by another release with other fields: read the database
