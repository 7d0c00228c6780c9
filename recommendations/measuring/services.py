"""The ear-measurement model versions the service knows, and which one is active.

Every model this release ships (a card in `inference/models/`) is registered from its card the
first time a process needs a model and whenever the admin lists versions, so a fresh database
works with no setup step and a new version is there to be activated. Activation is the switch:
new photos, in every web and worker process, are measured by the active version
(`measuring.active`); the audit row says who switched from which version to which.
"""

import hashlib
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditActor, audit_event_record
from inference.registry import DEFAULT_MODEL, MODELS_DIR, available_versions, read_model_card
from recommendations.models import ModelVersion


def active_model_cache_key() -> str:
    """Where the active version is cached (`measuring.active`): deleted when a new version is
    activated, so a cache shared by every process (Redis in production) hands the new one to the
    next photo anywhere. One entry per database: processes on two databases that share a Redis
    (a staging copy, test runs, a one-off task on another database) never read each other's row."""
    database = connection.settings_dict
    where = f"{database.get('HOST') or ''}:{database.get('PORT') or ''}/{database.get('NAME')}"
    return f"earfit:measuring:active-model:v2:{hashlib.sha256(where.encode()).hexdigest()[:16]}"


def model_version_register(*, card: dict[str, Any]) -> ModelVersion:
    """Record a model version from its card (idempotent by name and version)."""
    defaults = {
        "sha256": card["sha256"],
        "licence": str(card.get("licence", "")),
        "provenance": str(card.get("training_data", card.get("provenance", ""))),
        "metrics": card.get("metrics", {}),
        "card": card,
    }
    version, _ = ModelVersion.objects.get_or_create(name=card["name"], version=card["version"], defaults=defaults)
    return version


def model_versions_register_shipped() -> list[ModelVersion]:
    """Register every model version this release ships (idempotent), oldest first."""
    name = DEFAULT_MODEL[0]
    return [
        model_version_register(card=read_model_card(MODELS_DIR / f"{name}-{version}.json"))
        for version in available_versions(MODELS_DIR, name)
    ]


@transaction.atomic
def model_version_activate(*, model_version: ModelVersion, actor: AuditActor) -> ModelVersion:
    """Make this version the one new photos are measured with; the previous one is deactivated.

    Audited (who, from, to). The cached active version is forgotten once this commits.
    """
    previous = list(ModelVersion.objects.select_for_update().filter(active=True).exclude(pk=model_version.pk))
    ModelVersion.objects.filter(pk__in=[p.pk for p in previous]).update(active=False)
    if not model_version.active:
        model_version.active = True
        model_version.activated_at = timezone.now()
        model_version.save(update_fields=["active", "activated_at"])
        audit_event_record(
            actor=actor,
            action=AuditAction.MODEL_ACTIVATED,
            object_type="model_version",
            object_id=str(model_version.pk),
            payload={
                "from": str(previous[0]) if previous else None,
                "to": str(model_version),
                "model": str(model_version),
                "sha256": model_version.sha256,
                "previous": [str(p) for p in previous],
            },
        )
    transaction.on_commit(lambda: cache.delete(active_model_cache_key()))
    return model_version


def model_version_first_use(*, card: dict[str, Any]) -> ModelVersion:
    """The active version; when none is active yet, the shipped versions are registered and the
    one this card describes (the release's default) is activated, by the system."""
    try:
        with transaction.atomic():
            shipped = {(v.name, v.version): v for v in model_versions_register_shipped()}
            version = shipped.get((card["name"], card["version"])) or model_version_register(card=card)
            active = ModelVersion.objects.filter(active=True).first()
            if active is not None:
                return active
            return model_version_activate(model_version=version, actor=AuditActor.system("model_first_use"))
    except IntegrityError:  # a concurrent first request registered or activated it
        return ModelVersion.objects.get(active=True)
