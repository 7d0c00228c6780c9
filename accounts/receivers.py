"""Signal receivers: each only hands the event to a service (no logic lives here)."""

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from accounts.services import login_failure_record


@receiver(user_login_failed, dispatch_uid="earfit_audit_login_failed")
def audit_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    login_failure_record(username=credentials.get("username"))


@receiver(user_locked_out, dispatch_uid="earfit_audit_login_locked_out")
def audit_login_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    login_failure_record(username=username, locked_out=True)
