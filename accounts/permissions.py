"""Role permissions for the API. Deny by default: views name what they allow."""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from accounts.models import Role


def _has_role(request: Request, role: str) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active and getattr(user, "role", None) == role)


class IsAuditor(BasePermission):
    """Auditors read: any unsafe method is refused (403) even where a view would otherwise allow it."""

    message = "Only auditors can do this, and auditors only read."

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS and _has_role(request, Role.AUDITOR)


class IsCatalogManager(BasePermission):
    message = "Only catalog managers can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return _has_role(request, Role.CATALOG_MANAGER)


class OwnerChecksInSelector(BasePermission):
    """Fitting endpoints admit every caller here; the `*_get_for_owner` selector then answers 404
    to anyone who does not hold the fitting's token (or is not its signed-in owner), so a
    stranger cannot tell a wrong token from a missing fitting."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return True
