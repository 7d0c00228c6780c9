"""Readiness: can this process serve real requests? Each dependency is probed cheaply.

The project probes the database itself; every app registers the probes of what it depends on
(`readiness_check_register` in its `AppConfig.ready()`), so this module imports no app. `/readyz`
runs the probes in the order they were registered.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

logger = logging.getLogger(__name__)

Probe = Callable[[], None]


@dataclass(frozen=True)
class ReadinessReport:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(state == "ok" for state in self.checks.values())


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


_probes: dict[str, Probe] = {"database": _database}


def readiness_check_register(*, name: str, probe: Probe) -> None:
    """Add a probe: it returns when `name` answers and raises when it does not. Idempotent by name."""
    _probes[name] = probe


def readiness_check() -> ReadinessReport:
    checks: dict[str, str] = {}
    for name, probe in _probes.items():
        try:
            probe()
        except Exception as exc:  # noqa: BLE001 -- any failure means "not ready"; it is logged
            logger.warning("readiness: %s down: %s", name, exc)
            checks[name] = "down"
        else:
            checks[name] = "ok"
    return ReadinessReport(checks=checks)
