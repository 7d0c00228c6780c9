"""Readiness: can this process serve real requests? Each dependency is probed cheaply.

The project probes the database and the cache itself; every app registers the probes of what it
depends on (`readiness_check_register` in its `AppConfig.ready()`), so this module imports no app.
`/readyz` runs every probe at once, each in a thread of its own, and waits for each at most
READINESS_CHECK_TIMEOUT_SECONDS: a silent dependency is reported as failed ("no answer within
…") while the others still report, and the whole check answers within that bound. A probe that
is still waiting ends on its dependency's own timeout (the request time budget); its thread is
not waited for.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import connection, connections

logger = logging.getLogger(__name__)

Probe = Callable[[], None]


@dataclass(frozen=True)
class CheckResult:
    status: str  # "ok" or "failed"
    ms: int
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "ms": self.ms, **({"reason": self.reason} if self.reason else {})}


@dataclass(frozen=True)
class ReadinessReport:
    checks: dict[str, CheckResult] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check.status == "ok" for check in self.checks.values())

    @property
    def failed(self) -> list[str]:
        return [name for name, check in self.checks.items() if check.status != "ok"]


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    # The request thread's cache object, whose Redis connection pool this process keeps; a probe
    # thread would otherwise build a pool of its own for every check.
    cache = _caller_cache.value
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("the cache did not return what was just written")
    cache.delete(key)


class _CallerCache(threading.local):
    value: BaseCache


_caller_cache = _CallerCache()
_probes: dict[str, Probe] = {"database": _database, "cache": _cache}


def readiness_check_register(*, name: str, probe: Probe) -> None:
    """Add a probe: it returns when `name` answers and raises when it does not. Idempotent by name."""
    _probes[name] = probe


def _timed(probe: Probe, cache: BaseCache) -> float:
    started = time.monotonic()
    _caller_cache.value = cache
    try:
        probe()
    finally:
        connections.close_all()  # this thread's own connections; it ends after the check
    return time.monotonic() - started


def _result(name: str, future: "Future[float]", deadline: float, started: float) -> CheckResult:
    try:
        seconds = future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        reason = f"no answer within {settings.READINESS_CHECK_TIMEOUT_SECONDS:g} s"
    except Exception as exc:  # noqa: BLE001 -- any failure means "not ready"; it is logged
        reason = f"{type(exc).__name__}: {exc}"[:300]
    else:
        return CheckResult(status="ok", ms=round(seconds * 1000))
    logger.warning("readiness: %s failed: %s", name, reason)
    return CheckResult(status="failed", ms=round((time.monotonic() - started) * 1000), reason=reason)


def readiness_check() -> ReadinessReport:
    probes = dict(_probes)
    pool = ThreadPoolExecutor(max_workers=len(probes), thread_name_prefix="readyz")
    try:
        started = time.monotonic()
        deadline = started + settings.READINESS_CHECK_TIMEOUT_SECONDS
        futures = {name: pool.submit(_timed, probe, caches["default"]) for name, probe in probes.items()}
        return ReadinessReport(checks={name: _result(name, f, deadline, started) for name, f in futures.items()})
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
