"""The ear-measurement model versions the service knows, and which one is active.

The active version is recorded on every photo and recommendation. The shipped model is registered
from its card the first time it is needed, so a fresh database works with no setup step.
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditActor, audit_event_record
from recommendations.models import ModelVersion


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


@transaction.atomic
def model_version_activate(*, model_version: ModelVersion, actor: AuditActor) -> ModelVersion:
    """Make this version the active one; the previous active version is deactivated first."""
    previous = list(ModelVersion.objects.filter(active=True).exclude(pk=model_version.pk))
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
                "model": str(model_version),
                "sha256": model_version.sha256,
                "previous": [str(p) for p in previous],
            },
        )
    return model_version


def model_version_for_card(*, card: dict[str, Any]) -> ModelVersion:
    """The row for the model this process runs; registered, and activated if none is active yet."""
    try:
        with transaction.atomic():
            version = model_version_register(card=card)
            if not ModelVersion.objects.filter(active=True).exists():
                model_version_activate(model_version=version, actor=AuditActor.system("model_first_use"))
    except IntegrityError:  # a concurrent first request registered or activated it
        version = ModelVersion.objects.get(name=card["name"], version=card["version"])
    return version
