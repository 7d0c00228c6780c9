"""The audit trail's one table. Rows are appended by `audit_event_record` and never changed.

Loaded with the `accounts` app (imported by `accounts/models.py`), so its table is
`accounts_auditevent` and its permissions are `accounts.view_auditevent` and friends.
"""

from django.db import models


class AuditAction(models.TextChoices):
    PRODUCT_CREATED = "product.created", "Product created"
    PRODUCT_CHANGED = "product.changed", "Product changed"
    PRODUCT_ACTIVATED = "product.activated", "Product activated"
    PRODUCT_RETIRED = "product.retired", "Product retired"
    CATALOG_IMPORTED = "catalog.imported", "Catalog imported from a file"
    CATALOG_EXPORTED = "catalog.exported", "Catalog exported to a file"
    LEGACY_IMPORTED = "legacy.imported", "Legacy system's data imported"
    FITTING_CREATED = "fitting.created", "Fitting created"
    FITTING_ERASED = "fitting.erased", "Fitting erased"
    RECOMMENDATION_GENERATED = "recommendation.generated", "Recommendation generated"
    PHOTO_STORED = "photo.stored", "Photo stored"
    PHOTO_VIEWED = "photo.viewed", "Photo viewed by staff"
    PHOTO_PURGED = "photo.purged", "Photo purged"
    PURGE_RUN = "purge.run", "Purge run"
    MODEL_ACTIVATED = "model.activated", "Model version activated"
    PHOTO_REMEASURED = "photo.remeasured", "Photo read and re-measured by another model version"
    REMEASURE_RUN = "remeasure.run", "Re-measurement run"
    AUDIT_EXPORTED = "audit.exported", "Audit trail exported"
    ROLE_CHANGED = "role.changed", "Role changed"
    LOGIN_FAILED = "login.failed", "Login failed"
    LOGIN_LOCKED_OUT = "login.locked_out", "Login locked out"


class ActorType(models.TextChoices):
    USER = "user", "Signed-in user"
    FITTING = "fitting", "Shopper (by fitting)"
    SYSTEM = "system", "System job"
    ANONYMOUS = "anonymous", "Anonymous"


class AuditEvent(models.Model):
    """One thing that happened, chained to the row before it by `prev_hash`.

    `seq` is the position in the chain (1, 2, 3, … with no gaps), handed out under the head lock;
    `hash` is sha256 over the canonical form of this row's fields and `prev_hash`
    (`accounts/audit/chain.py`). No foreign keys: deleting a user or erasing a fitting must not
    touch the trail, and the trail must not keep personal data alive.
    """

    seq = models.BigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True, editable=False)
    actor_type = models.CharField(max_length=16, choices=ActorType.choices, editable=False)
    actor_id = models.CharField(max_length=64, blank=True, editable=False)
    actor_label = models.CharField(max_length=150, blank=True, editable=False)
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True, editable=False)
    object_type = models.CharField(max_length=40, blank=True, editable=False)
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    request_id = models.CharField(max_length=128, blank=True, editable=False)
    payload = models.JSONField(default=dict, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, unique=True, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["actor_type", "actor_id"], name="auditevent_actor_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"
