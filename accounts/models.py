from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    SHOPPER = "shopper", "Shopper"
    CATALOG_MANAGER = "catalog_manager", "Catalog manager"
    AUDITOR = "auditor", "Auditor"


class User(AbstractUser):
    """A person who signs in. Shoppers mostly do not: their fittings carry an access token."""

    role = models.CharField(max_length=32, choices=Role.choices, default=Role.SHOPPER)

    class Meta:
        db_table = "accounts_user"


# The audit trail lives in its own module; importing it here registers it with the accounts app.
from accounts.audit.models import AuditEvent  # noqa: E402

__all__ = ["AuditEvent", "Role", "User"]
