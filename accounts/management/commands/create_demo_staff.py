"""Demo staff accounts for the embedded default, one per role, each with a fresh password.

Local use only: it refuses to run unless DEBUG is on. Each password is generated, printed once
and stored only as a hash; run with `--reset` to get new ones.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Role, User
from accounts.services import user_create_staff

DEMO_ACCOUNTS = [
    ("admin", Role.SHOPPER, True),
    ("catalog", Role.CATALOG_MANAGER, False),
    ("auditor", Role.AUDITOR, False),
]


class Command(BaseCommand):
    help = "Create demo staff accounts (local only) and print their passwords once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Replace the demo accounts' passwords.")
        parser.add_argument(
            "--admin-url",
            default="http://127.0.0.1:8000/admin/",
            help="Where the admin is served, as printed (`make run` passes its HOST and PORT).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo accounts are for local use only (DEBUG is off).")
        created = []
        for username, role, superuser in DEMO_ACCOUNTS:
            existing = User.objects.filter(username=username).first()
            if existing and not options["reset"]:
                continue
            password = secrets.token_urlsafe(12)
            if existing:
                existing.set_password(password)
                existing.save(update_fields=["password"])
            else:
                user_create_staff(username=username, password=password, role=role, superuser=superuser)
            created.append((username, role, superuser, password))
        if not created:
            self.stdout.write("Demo staff accounts exist; their passwords were shown when they were made.")
            self.stdout.write("Run `.venv/bin/python manage.py create_demo_staff --reset` for new ones.")
            return
        self.stdout.write(self.style.WARNING(f"Demo staff accounts for {options['admin_url']} (shown once):"))
        for username, role, superuser, password in created:
            label = "superuser" if superuser else str(Role(role).label).lower()
            self.stdout.write(f"  {username:<8} {password}   ({label})")
