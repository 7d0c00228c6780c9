"""Tests that only PostgreSQL can run (row locks with SKIP LOCKED, advisory locks).

On SQLite (`make test` without DATABASE_URL) they skip. CI sets EARFIT_REQUIRE_POSTGRES=1, and
then a skip for want of PostgreSQL is a failure: CI can never pass by quietly skipping them.
"""

import os
from typing import Any

import pytest
from django.db import connection


def postgres_required_or_skip(reason: str) -> None:
    if connection.vendor == "postgresql":
        return
    if os.environ.get("EARFIT_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"EARFIT_REQUIRE_POSTGRES=1 but the database is {connection.vendor}: {reason}")
    pytest.skip(f"needs PostgreSQL: {reason}")


@pytest.fixture
def requires_postgres(transactional_db: Any, django_db_serialized_rollback: Any) -> None:
    """Use in a test that proves behaviour only PostgreSQL has (real commits, seeded rows restored after)."""
    postgres_required_or_skip("row locking with SKIP LOCKED")
