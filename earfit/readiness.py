"""Readiness: can this process serve real requests? Each dependency is probed cheaply."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadinessReport:
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(state == "ok" for state in self.checks.values())


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _storage() -> None:
    from recommendations.photo_storage import photo_storage_ping  # the app, loaded lazily

    photo_storage_ping()


def _broker() -> None:
    from earfit.task_queue import broker_ping  # eager mode (no broker) always answers

    broker_ping()


# Later dependencies (model) register here.
CHECKS: dict[str, Callable[[], None]] = {"database": _database, "storage": _storage, "broker": _broker}


def readiness_check() -> ReadinessReport:
    checks: dict[str, str] = {}
    for name, probe in CHECKS.items():
        try:
            probe()
        except Exception as exc:  # noqa: BLE001 -- any failure means "not ready"; it is logged
            logger.warning("readiness: %s down: %s", name, exc)
            checks[name] = "down"
        else:
            checks[name] = "ok"
    return ReadinessReport(checks=checks)
