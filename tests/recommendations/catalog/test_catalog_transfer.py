"""Catalog import and export in the admin (CSV and XLSX): dry-run preview, validation, audit."""

import csv
import hashlib
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from accounts.audit.models import AuditAction, AuditEvent
from accounts.models import Role
from recommendations.catalog.transfer import COLUMNS
from recommendations.models import Product
from tests.accounts.audit_helpers import staff_client
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/recommendations/product/import/"
PROCESS_URL = "/admin/recommendations/product/process_import/"
EXPORT_URL = "/admin/recommendations/product/export/"
CSV_FORMAT, XLSX_FORMAT = "0", "1"  # the order of ProductAdmin.import_formats


def row(**values: Any) -> dict[str, Any]:
    base = {
        "slug": "auralis-in-ear-7", "brand": "Auralis", "model": "In-Ear 7", "form_factor": "in_ear",
        "description": "", "tip_sizes": "S/M/L", "nozzle_diameter_mm": "5.5", "shell_length_mm": "19.0",
        "shell_width_mm": "16.0", "cup_inner_height_mm": "", "cup_inner_width_mm": "", "weight_g": "5.2",
        "clamp_force_n": "", "anc": "true", "wireless": "true", "water_resistance": "IPX4", "microphone": "true",
        "price": "129.00", "currency": "EUR", "active": "true",
    }  # fmt: skip
    return {**base, **values}


def csv_file(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_file(rows: list[dict[str, Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(COLUMNS))
    for values in rows:
        sheet.append([values[column] for column in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def preview(client: Client, data: bytes, *, name: str = "catalog.csv", file_format: str = CSV_FORMAT) -> Any:
    upload = SimpleUploadedFile(name, data)
    return client.post(IMPORT_URL, {"import_file": upload, "format": file_format, "resource": "0"})


def confirm(client: Client, page: Any) -> Any:
    """Submit the confirmation form of a preview page, as the "Confirm import" button does."""
    form = page.context["confirm_form"]
    return client.post(PROCESS_URL, {name: form.initial[name] for name in form.fields if name in form.initial})


def catalog_state() -> list[Any]:
    return list(Product.objects.order_by("pk").values())


def test_the_dry_run_shows_creates_updates_and_unchanged_rows_and_writes_nothing() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    ProductFactory.create(slug="kept", brand="Kept", model="One", tip_sizes=["M"])
    ProductFactory.create(slug="changed", brand="Changed", model="Two", price="50.00")
    unchanged = {
        **row(slug="kept", brand="Kept", model="One", tip_sizes="M", nozzle_diameter_mm="", shell_length_mm=""),
        "shell_width_mm": "17.0", "weight_g": "5.0", "anc": "false", "price": "99.00",
    }  # fmt: skip
    data = csv_file([row(), row(slug="changed", brand="Changed", model="Two", price="59.00"), unchanged])
    before, events = catalog_state(), AuditEvent.objects.count()

    page = preview(client, data)

    assert page.status_code == 200
    result = page.context["result"]
    assert [r.import_type for r in result.rows] == ["new", "update", "skip"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert "confirm_form" in page.context
    html = page.content.decode()
    assert "New" in html
    assert "Update" in html
    assert "Skipped" in html
    assert catalog_state() == before
    assert AuditEvent.objects.count() == events


def test_rows_with_errors_are_shown_per_row_and_cannot_be_confirmed() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    data = csv_file(
        [
            row(),
            row(slug="bad-tips", model="Bad tips", tip_sizes="S/XXL"),
            row(slug="bad-form", model="Bad form", form_factor="helmet"),
            row(slug="bad-flag", model="Bad flag", anc="maybe"),
        ]
    )
    events = AuditEvent.objects.count()
    page = preview(client, data)
    result = page.context["result"]
    errors = result.invalid_rows
    assert [invalid.number for invalid in errors] == [2, 3, 4]
    messages = {invalid.number: str(invalid.error_dict) for invalid in errors}
    assert "XXL" in messages[2]
    assert "helmet" in messages[3]
    assert "maybe" in messages[4]
    assert "confirm_form" not in page.context
    assert not Product.objects.exists()
    assert AuditEvent.objects.count() == events


def test_the_confirmed_import_writes_and_is_audited_with_the_files_checksum() -> None:
    manager, client = staff_client(Role.CATALOG_MANAGER)
    ProductFactory.create(slug="changed", brand="Changed", model="Two", price="50.00")
    data = csv_file([row(), row(slug="changed", brand="Changed", model="Two", price="59.00")])
    page = preview(client, data)
    response = confirm(client, page)
    assert response.status_code == 302
    created = Product.objects.get(slug="auralis-in-ear-7")
    assert created.tip_sizes == ["S", "M", "L"]
    assert created.anc is True
    assert str(created.price) == "129.00"
    assert str(Product.objects.get(slug="changed").price) == "59.00"
    imported = AuditEvent.objects.get(action=AuditAction.CATALOG_IMPORTED)
    assert imported.object_id == hashlib.sha256(data).hexdigest()
    assert (imported.actor_type, imported.actor_id) == ("user", str(manager.pk))
    assert imported.payload == {
        "file_name": "catalog.csv", "format": "csv", "rows": 2, "created": 1, "updated": 1, "unchanged": 0
    }  # fmt: skip
    per_product = AuditEvent.objects.filter(object_type="product").values_list("action", "object_id", "payload")
    assert {(action, object_id) for action, object_id, _ in per_product} == {
        (AuditAction.PRODUCT_CREATED, str(created.pk)),
        (AuditAction.PRODUCT_CHANGED, str(Product.objects.get(slug="changed").pk)),
    }
    assert all(payload["file_sha256"] == imported.object_id for _, _, payload in per_product)


def test_the_catalog_exports_as_xlsx_audited_and_imports_back_unchanged() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    ProductFactory.create_batch(3)
    response = client.post(
        EXPORT_URL, {"format": XLSX_FORMAT, "resource": "0", **{f"productresource_{c}": "on" for c in COLUMNS}}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    data = response.content
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert sheet.max_row == 4
    exported = AuditEvent.objects.get(action=AuditAction.CATALOG_EXPORTED)
    assert exported.object_id == hashlib.sha256(data).hexdigest()
    assert exported.payload["rows"] == 3
    assert exported.payload["format"] == "xlsx"

    before = catalog_state()
    page = preview(client, data, name="catalog.xlsx", file_format=XLSX_FORMAT)
    assert [r.import_type for r in page.context["result"].rows] == ["skip", "skip", "skip"]
    confirm(client, page)
    assert catalog_state() == before
    assert AuditEvent.objects.get(action=AuditAction.CATALOG_IMPORTED).payload["unchanged"] == 3


def test_an_xlsx_with_a_bad_row_is_refused_like_a_csv() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    page = preview(client, xlsx_file([row(weight_g="heavy")]), name="c.xlsx", file_format=XLSX_FORMAT)
    assert page.context["result"].has_validation_errors()
    assert re.search(r"weight_g", str(page.context["result"].invalid_rows[0].error_dict))
    assert not Product.objects.exists()


def test_auditors_may_export_the_catalog_but_not_import_it() -> None:
    _, client = staff_client(Role.AUDITOR)
    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(PROCESS_URL, {}).status_code == 403
    assert client.get(EXPORT_URL).status_code == 200


FORMULAE = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("file_format", [CSV_FORMAT, XLSX_FORMAT])
def test_the_catalog_export_neutralises_formulae_and_imports_them_back_unchanged(file_format: str) -> None:
    """A cell starting with = + - @ TAB or CR is exported with a leading apostrophe (text, not a
    formula, in any spreadsheet), and the import reads it back as it was."""
    _, client = staff_client(Role.CATALOG_MANAGER)
    # XLSX is XML, which reads a carriage return back as a line feed: that one round-trips in CSV only.
    formulae = FORMULAE if file_format == CSV_FORMAT else [f for f in FORMULAE if "\r" not in f]
    for index, formula in enumerate(formulae):
        ProductFactory(slug=f"formula-{index}", brand=formula, model=formula, description=formula)
    response = client.post(
        EXPORT_URL, {"format": file_format, "resource": "0", **{f"productresource_{c}": "on" for c in COLUMNS}}
    )
    assert response.status_code == 200
    data = response.content
    if file_format == CSV_FORMAT:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        values = list(sheet.values)
        rows = [dict(zip(values[0], line, strict=True)) for line in values[1:]]
    cells = [str(r[column]) for r in rows for column in ("brand", "model", "description")]
    assert len(cells) == 3 * len(formulae)
    assert [cell for cell in cells if not (cell.startswith("'") and cell[1:] in formulae)] == []

    before = catalog_state()
    name = "catalog.csv" if file_format == CSV_FORMAT else "catalog.xlsx"
    page = preview(client, data, name=name, file_format=file_format)
    assert {r.import_type for r in page.context["result"].rows} == {"skip"}
    confirm(client, page)
    assert catalog_state() == before
    assert sorted(Product.objects.values_list("brand", flat=True)) == sorted(formulae)
