"""Helpers for audit tests: a staff client per role, a chain of N rows, and raw-SQL tampering."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.audit.chain import chain_head, chain_link
from accounts.audit.models import AuditEvent
from accounts.models import User
from accounts.services import roles_bootstrap, user_set_role
from tests.factories import UserFactory


def staff_client(role: str) -> tuple[User, Client]:
    roles_bootstrap()
    user = UserFactory.create()
    user_set_role(user=user, role=role)
    client = Client()
    client.force_login(user)
    return user, client


def audit_rows_load(count: int) -> None:
    """Append `count` valid rows in bulk, one second apart, continuing the chain."""
    start = timezone.now() - timedelta(seconds=count)
    events = (
        AuditEvent(
            occurred_at=start + timedelta(seconds=i),
            actor_type="system",
            actor_id="loader",
            action="purge.run",
            object_type="job",
            object_id=str(i),
            payload={"n": i},
        )
        for i in range(count)
    )
    AuditEvent.objects.bulk_create(chain_link(events, after=chain_head()), batch_size=2000)


@contextmanager
def append_only_trigger_disabled() -> Iterator[Any]:
    """Raw-SQL cursor with PostgreSQL's append-only trigger off, for this test's transaction only."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only")
        yield cursor
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER accounts_auditevent_append_only")
