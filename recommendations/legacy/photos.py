"""The photo phase of the legacy import: which photos may be imported, and importing them.

A photo is imported only when its questionnaire was, its consent covered photos, it is within the
retention period counted from its capture date, and it is the latest of its ear; only then is its
file opened, checked against its SHA-256, and given to the upload's ingest (`ear_photo_ingest`).
"""

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from earfit.exceptions import ApplicationError, DependencyUnavailable
from recommendations.legacy.common import ACTOR, SOURCE, Progress, row_skip
from recommendations.legacy.export import LegacyExport, LegacyRow, parse_time
from recommendations.legacy.mapping import SIDES
from recommendations.legacy.report import LegacyImportReport
from recommendations.legacy.selectors import legacy_targets
from recommendations.measuring.active import model_spec_active_read_only
from recommendations.measuring.analysis import photo_measure
from recommendations.models import EarPhoto, Fitting, LegacyRecord, LegacyRecordKind
from recommendations.photos.services.upload import ear_photo_ingest

# Photo refusals by the upload's checks, by the code they raise: the report's reasons.
PHOTO_REFUSALS = {
    "photo_quality": "unusable",
    "not_found": "fitting_erased",
    "past_retention": "past_retention",
    "file_too_large": "too_large",
    "too_many_pixels": "too_large",
}  # any other refusal of the upload's file checks: "corrupt"


def _photo_plan(rows: list[LegacyRow]) -> set[str]:
    """The legacy ids of photos a later capture of the same ear replaces (earfit keeps one per side)."""
    latest: dict[tuple[str, str], tuple[datetime, str]] = {}
    superseded: set[str] = set()
    for row in rows:
        try:
            key = (row.fields["questionnaire_id"], row.fields["side"])
            captured = parse_time(row.fields["captured_at"])
        except (KeyError, ValueError):
            continue
        current = latest.get(key)
        if current is None or (captured, row.legacy_id) > current:
            if current is not None:
                superseded.add(current[1])
            latest[key] = (captured, row.legacy_id)
        else:
            superseded.add(row.legacy_id)
    return superseded


def legacy_photos_import(
    export: LegacyExport,
    report: LegacyImportReport,
    progress: Progress,
    photo_consent: dict[str, bool],
    *,
    dry_run: bool,
) -> None:
    counts = report.counts["photo"]
    rows = list(export.photos())
    superseded = _photo_plan(rows)
    done = legacy_targets(kind=LegacyRecordKind.PHOTO)
    fittings = legacy_targets(kind=LegacyRecordKind.QUESTIONNAIRE)
    retention = timedelta(days=settings.PHOTO_RETENTION_DAYS)
    for row in rows:
        counts.read += 1
        progress("photo", 1)
        reason, detail = _photo_check(row, done, fittings, photo_consent, superseded, retention)
        if reason == "already_imported":
            counts.already_imported += 1
            continue
        if reason:
            row_skip(report, "photo", row, reason, detail)
            continue
        path = export.photo_file(row.fields["file"])
        if path is None:
            row_skip(report, "photo", row, "missing_file", row.fields["file"])
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != row.fields.get("sha256", "").lower():
            row_skip(report, "photo", row, "checksum_mismatch", row.fields["file"])
            continue
        try:
            if dry_run:
                measured = photo_measure(data, spec=model_spec_active_read_only())
                if not measured.passed:
                    raise ApplicationError(measured.guidance, code="photo_quality")
            else:
                _photo_store(row, data, fittings[row.fields["questionnaire_id"]], retention)
        except DependencyUnavailable:
            raise
        except ApplicationError as exc:
            row_skip(report, "photo", row, PHOTO_REFUSALS.get(exc.code, "corrupt"), f"{exc.code}: {exc.message}")
            continue
        counts.imported += 1


def _photo_check(
    row: LegacyRow,
    done: dict[str, str],
    fittings: dict[str, str],
    photo_consent: dict[str, bool],
    superseded: set[str],
    retention: timedelta,
) -> tuple[str, str]:
    """Why this photo is not to be imported ("" when it is); the file is not opened here."""
    if row.error:
        return "invalid_row", row.error
    if row.legacy_id in done:
        return "already_imported", ""
    qid = row.fields["questionnaire_id"]
    if qid not in fittings:
        return "questionnaire_not_imported", qid
    if not photo_consent.get(qid, False):
        return "no_photo_consent", qid
    try:
        captured_at = parse_time(row.fields["captured_at"])
    except ValueError as exc:
        return "invalid_row", str(exc)
    if row.fields["side"] not in SIDES:
        return "invalid_row", f"side {row.fields['side']!r}"
    if captured_at + retention <= timezone.now():
        return "past_retention", row.fields["captured_at"]
    if row.legacy_id in superseded:
        return "superseded", "a later photo of the same ear is imported instead"
    return "", ""


def _photo_store(row: LegacyRow, data: bytes, fitting_id: str, retention: timedelta) -> EarPhoto:
    fitting = Fitting.objects.get(pk=fitting_id)

    def remember(photo: EarPhoto) -> None:
        LegacyRecord.objects.create(
            kind=LegacyRecordKind.PHOTO,
            legacy_id=row.legacy_id,
            target_id=str(photo.pk),
            source_sha256=row.fields["sha256"],
        )

    return ear_photo_ingest(
        fitting=fitting,
        data=data,
        side=SIDES[row.fields["side"]],
        expires_at=parse_time(row.fields["captured_at"]) + retention,
        actor=ACTOR,
        audit_facts={"source": SOURCE},
        on_stored=remember,
    )
