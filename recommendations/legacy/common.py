"""What the legacy import's phases share: who does it, how rows are skipped and remembered."""

import logging
from collections.abc import Callable, Iterable

from accounts.audit.services import AuditActor
from recommendations.legacy.export import LegacyRow
from recommendations.legacy.report import LegacyImportReport
from recommendations.models import LegacyRecord

logger = logging.getLogger(__name__)

ACTOR = AuditActor.system("import_legacy")
SOURCE = "legacy_import"
# (kind, rows) after each step, for a progress bar.
Progress = Callable[[str, int], None]


def row_skip(report: LegacyImportReport, kind: str, row: LegacyRow, reason: str, detail: str = "") -> None:
    """Count the row as skipped for `reason`, and log which row and why (ids and reasons, for the operator)."""
    report.skip(kind, reason)
    logger.info("legacy %s %s skipped: %s %s", kind, row.legacy_id, reason, detail)


def legacy_records(kind: str, rows: Iterable[tuple[str, str, str]]) -> list[LegacyRecord]:
    """Unsaved records of what the import made: (legacy id, target id, source digest) each."""
    return [
        LegacyRecord(kind=kind, legacy_id=legacy_id, target_id=target, source_sha256=sha)
        for legacy_id, target, sha in rows
    ]
