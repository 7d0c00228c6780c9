"""Writes for accounts: roles and their groups."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

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
def user_set_role(*, user: User, role: str) -> User:
    """Give a user a role: staff roles may use the admin, and their group grants the permissions."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    user.role = role
    user.is_staff = role in GROUP_NAMES or user.is_superuser
    user.save(update_fields=["role", "is_staff"])
    staff_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    user.groups.remove(*staff_groups)
    if role in GROUP_NAMES:
        user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
    return user


@transaction.atomic
def user_create_staff(*, username: str, password: str, role: str, superuser: bool = False) -> User:
    user = User.objects.create_user(username=username, password=password)
    if superuser:
        user.is_superuser = True
        user.save(update_fields=["is_superuser"])
    return user_set_role(user=user, role=role)
