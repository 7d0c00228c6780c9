"""Importing the legacy system's export: products, questionnaires, recommendations, photos.

Policy (docs/legacy-export.md has the mapping, docs/cutover.md when this runs):
- A legacy questionnaire becomes a Fitting with its answers (mapped onto questionnaire v1) and a
  Consent that keeps the legacy consent's version (`legacy-<version>`), text and time. One without
  recorded consent is not imported: there is no basis to hold it. Contact data the legacy app kept
  (e-mail, IP address) is never read. Imported fittings get an access token nobody holds.
- A photo is imported only when its questionnaire was, its consent covered photos, and it is
  within the retention period counted from its capture date; older photos are counted, never
  opened. It goes through the upload's ingest (`ear_photo_ingest`): decoded, measured, metadata
  stripped, re-encoded, stored privately, audited, `expires_at` = capture date + retention.
- Every imported row leaves a `LegacyRecord` in the same transaction, so a second run skips it:
  the import is idempotent, resumable after a failure, and never brings back what was since
  erased or purged.
- Questionnaires and recommendations go in bulk, `batch_size` a transaction; photos one at a time
  (each is an object put and a row, in that order, like an upload).
"""

import hashlib
import secrets
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit.services import AuditAction, audit_event_record, audit_events_record_many, audit_rehearsal
from recommendations.catalog.services import product_create_many
from recommendations.fittings.selectors import LEGACY_RANKING_VERSION, token_hash
from recommendations.legacy.common import ACTOR, SOURCE, Progress, legacy_records, row_skip
from recommendations.legacy.export import LegacyExport, LegacyRow, parse_time
from recommendations.legacy.mapping import (
    LegacyRowInvalid,
    answers_from_legacy,
    consent_from_legacy,
    product_fields_from_legacy,
)
from recommendations.legacy.photos import legacy_photos_import
from recommendations.legacy.report import LegacyImportReport
from recommendations.legacy.selectors import legacy_checksums, legacy_photo_objects_verify, legacy_targets
from recommendations.models import (
    Consent,
    Fitting,
    LegacyRecord,
    LegacyRecordKind,
    Product,
    Questionnaire,
    Recommendation,
    RecommendationBasis,
    RecommendationItem,
)
from recommendations.vocabulary import TIP_SIZES

T = TypeVar("T")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def retention_statement_for_legacy(days: int) -> str:
    return (
        "Given in the legacy system. earfit keeps imported ear photos and their measurements "
        f"{days} days after the photo was taken and imports no older photo; you can erase your data at any time."
    )


def legacy_export_import(
    *, export: LegacyExport, dry_run: bool = False, batch_size: int = 500, on_progress: Progress | None = None
) -> LegacyImportReport:
    """Import an opened, verified export; returns the reconciliation report (see the module docstring).

    A dry run reads, maps and validates everything, measures the photos it would import, and keeps
    nothing (one transaction, rolled back; no photo object is stored). It is an audit rehearsal: its
    events are checked, not written, so it never holds the audit trail's head while it runs.
    Raises DependencyUnavailable when the database or the photo storage stops answering; what was
    committed stays, and the next run picks up from there.
    """
    started = time.monotonic()
    report = LegacyImportReport(
        exported_at=export.exported_at, dry_run=dry_run, retention_days=settings.PHOTO_RETENTION_DAYS
    )
    progress = on_progress or (lambda kind, n: None)
    if dry_run:
        with audit_rehearsal():
            _import_all(export, report, batch_size, progress, dry_run=True)
            report.checksums = legacy_checksums()
    else:
        _import_all(export, report, batch_size, progress, dry_run=False)
        report.checksums = legacy_checksums()
        report.objects_verified, report.objects_missing = legacy_photo_objects_verify()
    report.seconds = time.monotonic() - started
    if not dry_run:
        with transaction.atomic():
            audit_event_record(
                actor=ACTOR,
                action=AuditAction.LEGACY_IMPORTED,
                object_type="legacy_export",
                object_id=export.exported_at[:64],
                payload=report.as_audit_payload(),
            )
    return report


def _import_all(
    export: LegacyExport, report: LegacyImportReport, batch_size: int, progress: Progress, *, dry_run: bool
) -> None:
    products = _import_products(export, report, progress)
    photo_consent = _import_questionnaires(export, report, batch_size, progress)
    _import_recommendations(export, report, batch_size, progress, products)
    legacy_photos_import(export, report, progress, photo_consent, dry_run=dry_run)


def _import_products(export: LegacyExport, report: LegacyImportReport, progress: Progress) -> dict[str, int]:
    """Products by legacy id → product pk. A product earfit already has (same brand and model) is
    linked, not changed: once the catalog lives in earfit, earfit's values win."""
    counts = report.counts["product"]
    done = legacy_targets(kind=LegacyRecordKind.PRODUCT)
    by_name = {(p.brand.lower(), p.model.lower()): p for p in Product.objects.all()}
    slugs = {p.slug for p in by_name.values()}
    new: list[tuple[LegacyRow, Product]] = []
    linked: list[tuple[LegacyRow, Product]] = []
    # Names the import already created or linked (in this run or an earlier one): a second row
    # with one of them is a duplicate, not a product to link.
    taken = {(p.brand.lower(), p.model.lower()) for p in by_name.values() if str(p.pk) in set(done.values())}
    for row in export.products():
        counts.read += 1
        progress("product", 1)
        if row.error:
            row_skip(report, "product", row, "invalid_row", row.error)
            continue
        if row.legacy_id in done:
            counts.already_imported += 1
            continue
        try:
            product = Product(**product_fields_from_legacy(row.fields))
            product.full_clean(validate_unique=False, validate_constraints=False)
        except LegacyRowInvalid as exc:
            row_skip(report, "product", row, exc.reason, exc.detail)
            continue
        except ValidationError as exc:  # the model's own rules (choices, ranges, lengths)
            row_skip(report, "product", row, "invalid_product", "; ".join(exc.messages))
            continue
        name = (product.brand.lower(), product.model.lower())
        if name in taken:
            row_skip(report, "product", row, "duplicate", "the export lists this brand and model twice")
            continue
        taken.add(name)
        if name in by_name:
            linked.append((row, by_name[name]))
            continue
        if product.slug in slugs:
            product.slug = f"{product.slug[:100]}-legacy-{row.legacy_id}"[:120]
        slugs.add(product.slug)
        new.append((row, product))
    with transaction.atomic():
        product_create_many(products=[p for _, p in new], actor=ACTOR, source=SOURCE)
        LegacyRecord.objects.bulk_create(
            legacy_records(
                LegacyRecordKind.PRODUCT, [(row.legacy_id, str(p.pk), row.sha256) for row, p in new + linked]
            )
        )
    counts.imported += len(new)
    counts.linked += len(linked)
    return {legacy_id: int(target) for legacy_id, target in legacy_targets(kind=LegacyRecordKind.PRODUCT).items()}


def _import_questionnaires(
    export: LegacyExport, report: LegacyImportReport, batch_size: int, progress: Progress
) -> dict[str, bool]:
    """Fittings with their consent, in bulk. Returns legacy questionnaire id → consent covers photos."""
    counts = report.counts["questionnaire"]
    questionnaire = Questionnaire.objects.get(version=1)
    consent_texts = {str(k): str(v) for k, v in export.manifest["consent_texts"].items()}
    retention = retention_statement_for_legacy(settings.PHOTO_RETENTION_DAYS)
    photo_consent: dict[str, bool] = {}
    seen: set[str] = set()
    for batch in _chunks(export.questionnaires(), batch_size):
        with transaction.atomic():
            done = set(
                LegacyRecord.objects.filter(
                    kind=LegacyRecordKind.QUESTIONNAIRE, legacy_id__in=[row.legacy_id for row in batch]
                ).values_list("legacy_id", flat=True)
            )
            fittings: list[Fitting] = []
            consents: list[Consent] = []
            records: list[tuple[str, str, str]] = []
            for row in batch:
                counts.read += 1
                if row.error:
                    row_skip(report, "questionnaire", row, "invalid_row", row.error)
                    continue
                if row.legacy_id in seen:
                    row_skip(report, "questionnaire", row, "duplicate", "the export lists this id twice")
                    continue
                seen.add(row.legacy_id)
                try:
                    consent = consent_from_legacy(row.fields, consent_texts)
                    photo_consent[row.legacy_id] = consent.covers_photos
                    if row.legacy_id in done:
                        counts.already_imported += 1
                        continue
                    answers = answers_from_legacy(row.fields.get("answers"), questionnaire.questions)
                    created_at = parse_time(str(row.fields.get("created_at", "")))
                except LegacyRowInvalid as exc:
                    row_skip(report, "questionnaire", row, exc.reason, exc.detail)
                    continue
                except ValueError as exc:
                    row_skip(report, "questionnaire", row, "invalid_row", str(exc))
                    continue
                fitting = Fitting(
                    questionnaire=questionnaire,
                    answers=answers,
                    # A token nobody holds: an imported fitting is read by no client, only counted.
                    token_hash=token_hash(secrets.token_urlsafe(32)),
                    created_at=created_at,
                )
                fittings.append(fitting)
                consents.append(
                    Consent(
                        fitting=fitting,
                        text_version=f"legacy-{consent.version}"[:32],
                        purpose=consent.text,
                        retention_statement=retention,
                        given_at=consent.given_at,
                    )
                )
                records.append((row.legacy_id, str(fitting.pk), row.sha256))
            Fitting.objects.bulk_create(fittings)
            Consent.objects.bulk_create(consents)
            LegacyRecord.objects.bulk_create(legacy_records(LegacyRecordKind.QUESTIONNAIRE, records))
            audit_events_record_many(
                actor=ACTOR,
                action=AuditAction.FITTING_CREATED,
                object_type="fitting",
                object_ids=[str(f.pk) for f in fittings],
                payload={"source": SOURCE},
            )
        counts.imported += len(fittings)
        progress("questionnaire", len(batch))
    return photo_consent


def _recommendation_from_rows(
    rows: list[LegacyRow], products: dict[str, int]
) -> tuple[Recommendation, list[RecommendationItem]]:
    """One legacy recommendation (its rows, any order) → an unsaved Recommendation and its items."""
    items: list[RecommendationItem] = []
    ranks: set[int] = set()
    for row in rows:
        fields = row.fields
        try:
            rank = int(fields["rank"])
            score = Decimal(fields["score"])
            parse_time(fields["created_at"])
        except (KeyError, ValueError, InvalidOperation):
            raise LegacyRowInvalid("invalid_row", f"{row.legacy_id}: rank, score or created_at unreadable") from None
        tip = fields.get("tip_size", "").strip().upper()
        if rank < 1 or rank in ranks or not (0 <= score <= 100) or (tip and tip not in TIP_SIZES):
            raise LegacyRowInvalid("invalid_row", f"{row.legacy_id}: rank, score or tip size out of range")
        if fields.get("product_id") not in products:
            raise LegacyRowInvalid(
                "unknown_product", f"{row.legacy_id}: product {fields.get('product_id')} not imported"
            )
        ranks.add(rank)
        items.append(
            RecommendationItem(
                product_id=products[fields["product_id"]], rank=rank, score=float(score) / 100, tip_size=tip, reasons=[]
            )
        )
    items.sort(key=lambda item: item.rank)
    first = min(rows, key=lambda row: int(row.fields["rank"]))
    digest = hashlib.sha256("".join(sorted(row.sha256 for row in rows)).encode()).hexdigest()
    recommendation = Recommendation(
        basis=RecommendationBasis.QUESTIONNAIRE,
        ranking_version=LEGACY_RANKING_VERSION,
        tip_size=items[0].tip_size,
        tip_size_reason="Recommended by the legacy system.",
        inputs_digest=digest,
        created_at=parse_time(first.fields["created_at"]),
    )
    return recommendation, items


def _import_recommendations(
    export: LegacyExport, report: LegacyImportReport, batch_size: int, progress: Progress, products: dict[str, int]
) -> None:
    """One Recommendation per legacy questionnaire, with its ranked items, in bulk. A recommendation
    naming a product that was not imported is skipped whole: a partial ranking would misstate it."""
    counts = report.counts["recommendation"]
    groups: dict[str, list[LegacyRow]] = defaultdict(list)
    for row in export.recommendations():
        counts.read += 1
        if row.error:
            row_skip(report, "recommendation", row, "invalid_row", row.error)
            progress("recommendation", 1)
        else:
            groups[row.fields["questionnaire_id"]].append(row)
    for batch in _chunks(groups.items(), batch_size):
        with transaction.atomic():
            ids = [qid for qid, _ in batch]
            done = set(
                LegacyRecord.objects.filter(kind=LegacyRecordKind.RECOMMENDATION, legacy_id__in=ids).values_list(
                    "legacy_id", flat=True
                )
            )
            fittings = legacy_targets(kind=LegacyRecordKind.QUESTIONNAIRE, legacy_ids=ids)
            made: list[tuple[str, Recommendation, list[RecommendationItem], str]] = []
            for qid, rows in batch:
                if qid in done:
                    counts.already_imported += len(rows)
                    continue
                if qid not in fittings:
                    for row in rows:
                        row_skip(report, "recommendation", row, "questionnaire_not_imported")
                    continue
                try:
                    recommendation, items = _recommendation_from_rows(rows, products)
                except LegacyRowInvalid as exc:
                    for row in rows:
                        row_skip(report, "recommendation", row, exc.reason, exc.detail)
                    continue
                recommendation.fitting_id = fittings[qid]
                made.append((qid, recommendation, items, recommendation.inputs_digest))
            created = Recommendation.objects.bulk_create([rec for _, rec, _, _ in made])
            for (_, _, items, _), rec in zip(made, created, strict=True):
                for item in items:
                    item.recommendation = rec
            RecommendationItem.objects.bulk_create([item for _, _, items, _ in made for item in items])
            LegacyRecord.objects.bulk_create(
                legacy_records(LegacyRecordKind.RECOMMENDATION, [(qid, str(rec.pk), sha) for qid, rec, _, sha in made])
            )
            audit_events_record_many(
                actor=ACTOR,
                action=AuditAction.RECOMMENDATION_GENERATED,
                object_type="recommendation",
                object_ids=[str(rec.pk) for rec in created],
                payload={"source": SOURCE},
            )
        counts.imported += sum(len(items) for _, _, items, _ in made)
        progress("recommendation", sum(len(rows) for _, rows in batch))
