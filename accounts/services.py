"""Writes for accounts: roles and their groups, and the audit of failed staff logins."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.audit.models import AuditAction
from accounts.audit.services import AuditActor, audit_event_record
from accounts.models import Role, User
from accounts.roles import GROUP_NAMES, ROLE_PERMISSIONS


@transaction.atomic
def roles_bootstrap() -> dict[str, int]:
    """Create each staff group with exactly its permissions. Idempotent: run it after every deploy.

    Returns the number of permissions per group.
    """
    counts: dict[str, int] = {}
    for role, group_name in GROUP_NAMES.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for app_label, codename in ROLE_PERMISSIONS[role]:
            wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)
        counts[group_name] = len(wanted)
    return counts


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: AuditActor | None = None) -> User:
    """Give a user a role: staff roles may use the admin, and their group grants the permissions.

    A change of role is audited (`role.changed`, from and to); `actor` is who changed it, or None
    for a command run by an operator, recorded as the system job `user_set_role`.
    """
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    previous = User.objects.select_for_update().filter(pk=user.pk).values_list("role", flat=True).first()
    user.role = role
    user.is_staff = role in GROUP_NAMES or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    staff_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    user.groups.remove(*staff_groups)
    if role in GROUP_NAMES:
        user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    if previous != role:
        audit_event_record(
            actor=actor or AuditActor.system("user_set_role"),
            action=AuditAction.ROLE_CHANGED,
            object_type="user",
            object_id=str(user.pk),
            payload={"from": previous, "to": role},
        )
    return user


@transaction.atomic
def user_create_staff(*, username: str, password: str, role: str, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=password)
    if superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    return user_set_role(user=user, role=role)


@transaction.atomic
def login_failure_record(*, username: str | None, locked_out: bool = False) -> None:
    """Audit a failed sign-in, or a lockout after too many (django-axes counts them).

    What was typed as a username is not kept (people type passwords there): only the id of the
    account it names, if any. The attempt's address stays in axes' own table, not in the trail.
    """
    user_id = User.objects.filter(username=username).values_list("pk", flat=True).first() if username else None
    audit_event_record(
        actor=AuditActor.anonymous(),
        action=AuditAction.LOGIN_LOCKED_OUT if locked_out else AuditAction.LOGIN_FAILED,
        object_type="user",
        object_id="" if user_id is None else str(user_id),
        payload={"known_account": user_id is not None},
    )
