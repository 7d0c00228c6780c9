from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from accounts.audit.admin import AuditEventAdmin
from accounts.audit.services import AuditActor
from accounts.models import User
from accounts.services import user_set_role

__all__ = ["AuditEventAdmin", "UserAdmin"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "is_staff", "is_active", "last_login")
    list_filter = ("role", "is_staff", "is_active")
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("earfit", {"fields": ("role",)}))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        role_changed = "role" in form.changed_data
        new_role = obj.role
        if change and role_changed:
            # The role changes only in the service, which audits it from the role stored before.
            obj.role = form.initial.get("role", obj.role)
        super().save_model(request, obj, form, change)
        if role_changed or not change:
            user_set_role(user=obj, role=new_role, actor=AuditActor.for_user(request.user))
