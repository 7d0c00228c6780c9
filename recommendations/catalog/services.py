"""Writes for the catalog. Every product change is audited, and announced once it commits.

The catalog knows nothing of fittings: what must follow a change (re-ranking the open fittings)
subscribes with `catalog_change_subscribe`, wired in `RecommendationsConfig.ready()`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditActor, audit_event_record, audit_events_record_many
from recommendations.catalog.demo_data import demo_products
from recommendations.models import Product

_subscribers: list[Callable[[], None]] = []


def catalog_change_subscribe(*, callback: Callable[[], None]) -> None:
    """Call `callback` inside every transaction that changes the catalog (it decides what to do on commit)."""
    if callback not in _subscribers:
        _subscribers.append(callback)


def _catalog_changed() -> None:
    for callback in _subscribers:
        callback()


@dataclass(frozen=True)
class CatalogLoadResult:
    created: int
    updated: int


@transaction.atomic
def product_load_demo_catalog() -> CatalogLoadResult:
    """Create or update the demo products by slug (idempotent: a second run changes nothing new)."""
    rows = demo_products()
    existing = {p.slug: p for p in Product.objects.filter(slug__in=[row["slug"] for row in rows])}
    to_create, to_update = [], []
    for row in rows:
        product = existing.get(row["slug"])
        if product is None:
            to_create.append(Product(**row))
            continue
        for field, value in row.items():
            setattr(product, field, value)
        to_update.append(product)
    Product.objects.bulk_create(to_create)
    if to_update:
        fields = [name for name in rows[0] if name != "slug"]
        Product.objects.bulk_update(to_update, fields)
    if to_create:
        _catalog_changed()
    # Products it adds are audited; re-applying the demo values to existing ones is not a change of note.
    for product in Product.objects.filter(slug__in=[p.slug for p in to_create]).order_by("pk"):
        audit_event_record(
            actor=AuditActor.system("load_demo_catalog"),
            action=AuditAction.PRODUCT_CREATED,
            object_type="product",
            object_id=str(product.pk),
            payload={"source": "demo_catalog"},
        )
    return CatalogLoadResult(created=len(to_create), updated=len(to_update))


@transaction.atomic
def product_set_active(*, product_ids: list[int], active: bool, actor: AuditActor) -> int:
    """Activate or retire products; retired ones leave the catalog but keep their history.

    Each product that changes is audited; one already in the wanted state is left alone.
    """
    changing = list(
        Product.objects.select_for_update()
        .filter(pk__in=product_ids)
        .exclude(active=active)
        .values_list("pk", flat=True)
    )
    Product.objects.filter(pk__in=changing).update(active=active, updated_at=timezone.now())
    if changing:
        _catalog_changed()
    for product_id in sorted(changing):
        audit_event_record(
            actor=actor,
            action=AuditAction.PRODUCT_ACTIVATED if active else AuditAction.PRODUCT_RETIRED,
            object_type="product",
            object_id=str(product_id),
        )
    return len(changing)


@transaction.atomic
def product_save_from_admin(
    *, product: Product, changed_fields: list[str], created: bool, actor: AuditActor
) -> Product:
    """Save a product edited in the admin and audit it: which fields changed, not their values."""
    product.save()
    _catalog_changed()
    audit_event_record(
        actor=actor,
        action=AuditAction.PRODUCT_CREATED if created else AuditAction.PRODUCT_CHANGED,
        object_type="product",
        object_id=str(product.pk),
        payload={"fields": sorted(changed_fields)},
    )
    return product


@transaction.atomic
def product_create_many(*, products: list[Product], actor: AuditActor, source: str) -> list[Product]:
    """Create validated products in bulk (an import): one insert, one audit event each, one announcement."""
    if not products:
        return []
    created = Product.objects.bulk_create(products)
    _catalog_changed()
    audit_events_record_many(
        actor=actor,
        action=AuditAction.PRODUCT_CREATED,
        object_type="product",
        object_ids=[str(product.pk) for product in created],
        payload={"source": source},
    )
    return created


@dataclass(frozen=True)
class CatalogFile:
    """An uploaded or downloaded catalog file, as the audit trail records it."""

    name: str
    file_format: str
    sha256: str


def catalog_import_apply(*, resource: Any, dataset: Any, file: CatalogFile, actor: AuditActor, **options: Any) -> Any:
    """Import a catalog file (a `ProductResource` over its rows) in one transaction, and audit it.

    All or nothing: a file with any row in error writes nothing and is not audited as imported.
    Otherwise each created or changed product gets its event, and the file one `catalog.imported`
    event whose object is the file's SHA-256, with the counts. Returns django-import-export's result.
    """
    with transaction.atomic():
        result = resource.import_data(
            dataset,
            dry_run=False,
            raise_errors=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            file_name=file.name,
            **options,
        )
        if result.has_errors() or result.has_validation_errors():
            transaction.set_rollback(True)
            return result
        ids = {
            kind: [str(row.object_id) for row in result.rows if row.import_type == kind] for kind in ("new", "update")
        }
        if ids["new"] or ids["update"]:
            _catalog_changed()
        facts = {"source": "catalog_import", "file_sha256": file.sha256}
        for kind, action in (("new", AuditAction.PRODUCT_CREATED), ("update", AuditAction.PRODUCT_CHANGED)):
            audit_events_record_many(
                actor=actor, action=action, object_type="product", object_ids=ids[kind], payload=facts
            )
        audit_event_record(
            actor=actor,
            action=AuditAction.CATALOG_IMPORTED,
            object_type="catalog_file",
            object_id=file.sha256,
            payload={
                "file_name": file.name[-120:],
                "format": file.file_format,
                "rows": result.total_rows,
                "created": len(ids["new"]),
                "updated": len(ids["update"]),
                "unchanged": result.totals.get("skip", 0),
            },
        )
    return result


@transaction.atomic
def catalog_export_record(*, file: CatalogFile, rows: int, actor: AuditActor) -> None:
    """Audit a catalog download: who, which format, how many products, the file's SHA-256."""
    audit_event_record(
        actor=actor,
        action=AuditAction.CATALOG_EXPORTED,
        object_type="catalog_file",
        object_id=file.sha256,
        payload={"file_name": file.name[-120:], "format": file.file_format, "rows": rows},
    )
