"""The request time budget: how long one request may wait on each dependency, and in all.

Every dependency a request talks to has its own connect and read bound (settings: database, S3,
the Redis cache, the broker). The worst a request can wait on one dependency that stops answering
is that dependency's part below; the parts add up to at most `REQUEST_BUDGET_SECONDS`, which is
below gunicorn's `timeout`, so a silent dependency makes a request answer 503 (with Retry-After),
never hang a worker. Settings refuse to load when the parts exceed the budget.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

# botocore's "standard" retry mode sleeps at most 2 ** (attempt - 1) s (jittered) before a retry.
_S3_BACKOFF_CAP_SECONDS = 20.0
# A put with a body sends `Expect: 100-continue` and waits up to 1 s for it before sending the body.
_S3_EXPECT_CONTINUE_SECONDS = 1.0


@dataclass(frozen=True)
class BudgetPart:
    dependency: str
    seconds: float
    made_of: str


def s3_worst_seconds(*, connect: float, read: float, attempts: int) -> float:
    """Every attempt times out connecting, waiting for 100-continue and reading, with botocore's
    backoff between attempts (measured: a put to a frozen server, read 5 s, 2 attempts: 12 s)."""
    backoff = sum(min(_S3_BACKOFF_CAP_SECONDS, 2.0 ** (attempt - 1)) for attempt in range(1, attempts))
    return attempts * (connect + _S3_EXPECT_CONTINUE_SECONDS + read) + backoff


def budget_parts(
    *,
    database_connect: float,
    database_read: float,
    s3_connect: float,
    s3_read: float,
    s3_attempts: int,
    cache_connect: float,
    cache_read: float,
    cache_attempts: int,
    broker_connect: float,
    broker_read: float,
) -> list[BudgetPart]:
    return [
        BudgetPart(
            "database",
            database_connect + database_read,
            f"connect {database_connect:g} s + one wait {database_read:g} s",
        ),
        BudgetPart(
            "storage (S3)",
            s3_worst_seconds(connect=s3_connect, read=s3_read, attempts=s3_attempts),
            f"{s3_attempts} attempts × (connect {s3_connect:g} s + 100-continue 1 s + read {s3_read:g} s) + backoff",
        ),
        BudgetPart(
            "cache (Redis)",
            cache_attempts * (cache_connect + cache_read),
            f"{cache_attempts} attempt(s) × (connect {cache_connect:g} s + read {cache_read:g} s)",
        ),
        BudgetPart(
            "broker",
            2 * (broker_connect + broker_read),
            f"check, then publish: each connect {broker_connect:g} s + read {broker_read:g} s",
        ),
    ]


def budget_check(parts: list[BudgetPart], budget: float) -> None:
    total = sum(part.seconds for part in parts)
    if total > budget:
        listed = ", ".join(f"{part.dependency} {part.seconds:g} s" for part in parts)
        raise ImproperlyConfigured(
            f"the dependency timeouts add up to {total:g} s ({listed}), over REQUEST_BUDGET_SECONDS={budget:g}"
        )
