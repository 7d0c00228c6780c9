"""Create the staff groups (catalog managers, auditors) with exactly their permissions.

Idempotent, so the deploy pipeline runs it after every migration: a permission removed from
`accounts/roles.py` is removed from the group too.
"""

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import roles_bootstrap


class Command(BaseCommand):
    help = "Create or update the staff role groups and their permissions (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = roles_bootstrap()
        for group, count in counts.items():
            self.stdout.write(f"{group}: {count} permissions")
        self.stdout.write(self.style.SUCCESS(f"{len(counts)} role groups up to date."))
