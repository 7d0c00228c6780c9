"""Where photo retention and photo views will write audit events.

The audit trail (`accounts.services.audit_event_record`, branch `audit`) is not merged yet. Each
hook below is called at the exact point, inside the same transaction as the change, where the
event belongs; wiring the audit is replacing each body with one `audit_event_record(...)` call.
Until then they only log, so nothing here can fail a purge or a view.
"""

import logging
import uuid
from collections.abc import Sequence
from typing import Any

logger = logging.getLogger(__name__)


def audit_photos_purged(*, photo_ids: Sequence[uuid.UUID], reason: str) -> None:
    """action "photo.purged", actor system, one event per photo; reason "expired"."""
    logger.info("audit(pending): %d photo(s) purged (%s)", len(photo_ids), reason)


def audit_photo_purge_run(*, summary: dict[str, Any]) -> None:
    """action "photo.purge_run", actor system: the run's counts (also what the "purge not run" alarm reads)."""
    logger.info("audit(pending): photo purge run %s", summary)


def audit_photo_viewed(*, photo_id: uuid.UUID, actor: Any) -> None:
    """action "photo.viewed", actor the staff user who was given a presigned URL."""
    logger.info("audit(pending): photo %s viewed by %s", photo_id, actor)
