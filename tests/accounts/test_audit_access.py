"""Who may read the trail, who may change anything, and what an export contains."""

import csv
import io
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor, audit_event_record
from accounts.models import Role
from recommendations.models import Product
from tests.accounts.audit_helpers import append_only_trigger_disabled, audit_rows_load, staff_client
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
AUDIT_URLS = ["/api/v1/audit/events", "/api/v1/audit/events.csv"]
INJECTIONS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def api_as(role: str) -> APIClient:
    user, _ = staff_client(role)
    client = APIClient()
    client.force_authenticate(user)
    return client


def record(**fields: Any) -> AuditEvent:
    values: dict[str, Any] = {
        "actor": AuditActor.system("test"),
        "action": "purge.run",
        "object_type": "job",
        "object_id": "1",
    }
    values.update(fields)
    with transaction.atomic():
        return audit_event_record(**values)


def csv_body(response: Any) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()  # type: ignore[arg-type]  # a sync view streams an Iterator


def test_a_catalog_manager_cannot_read_the_audit_trail_in_the_api_or_the_admin() -> None:
    client = api_as(Role.CATALOG_MANAGER)
    for url in AUDIT_URLS:
        response = client.get(url)
        assert response.status_code == 403, url
        assert set(response.json()) == {"message", "code", "extra"}
    _, admin_client = staff_client(Role.CATALOG_MANAGER)
    assert admin_client.get("/admin/accounts/auditevent/").status_code == 403


def test_anonymous_callers_get_401_in_the_error_shape() -> None:
    for url in AUDIT_URLS:
        response = APIClient().get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_auditor_gets_403_on_every_write_to_the_audit_api(method: str) -> None:
    client = api_as(Role.AUDITOR)
    for url in AUDIT_URLS:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url)
        assert response.json()["code"] == "permission_denied"


def test_an_auditor_gets_403_on_every_change_path_in_the_admin() -> None:
    _, client = staff_client(Role.AUDITOR)
    ProductFactory.create()
    record()
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        assert client.get(f"{base}add/").status_code == 403, base
        obj = model._default_manager.first()
        if obj is None:
            continue
        assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403, base
        assert client.get(f"{base}{obj.pk}/delete/").status_code == 403, base
        assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403, base
        client.post(base, {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        assert model._default_manager.filter(pk=obj.pk).exists(), base
    product = Product.objects.get()
    client.post("/admin/recommendations/product/", {"action": "retire", "_selected_action": [product.pk]})
    product.refresh_from_db()
    assert product.active


def test_nobody_can_add_change_or_delete_audit_events_in_the_admin_not_even_a_superuser() -> None:
    event = record()
    superuser = Client()
    superuser.force_login(UserFactory.create(is_superuser=True, is_staff=True))
    assert superuser.get("/admin/accounts/auditevent/").status_code == 200
    assert superuser.get("/admin/accounts/auditevent/add/").status_code == 403
    assert superuser.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"object_id": "x"}).status_code == 403
    assert superuser.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).object_id == "1"


def test_an_auditor_lists_the_trail_newest_first_filtered_by_action_actor_and_time() -> None:
    client = api_as(Role.AUDITOR)
    first = record(object_id="a")
    record(actor=AuditActor.system("other"), action="model.activated", object_id="b")
    body = client.get("/api/v1/audit/events").json()
    assert [row["action"] for row in body["results"][:2]] == ["model.activated", "purge.run"]
    only = client.get(
        "/api/v1/audit/events", {"action": "purge.run", "actor_type": "system", "actor_id": "test"}
    ).json()
    assert [row["object_id"] for row in only["results"]] == ["a"]
    later = client.get("/api/v1/audit/events", {"since": first.occurred_at.isoformat(), "action": "model.activated"})
    assert later.json()["count"] == 1
    bad = client.get("/api/v1/audit/events", {"action": "product.deleted"})
    assert bad.status_code == 400
    assert "action" in bad.json()["extra"]["fields"]


def test_the_csv_export_streams_escaped_cells_in_utc_and_ends_with_the_chain_result() -> None:
    client = api_as(Role.AUDITOR)
    for text in INJECTIONS:
        record(object_id=text[:60], payload={"note": "x"})
    record(actor=AuditActor.system("=cmd|'/c calc'!A0"))
    response = client.get("/api/v1/audit/events.csv", {"action": "purge.run"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = csv_body(response)
    lines = list(csv.reader(io.StringIO(body)))
    assert lines[0][0].startswith("# earfit audit trail export; times are UTC")
    assert lines[1][:3] == ["seq", "occurred_at", "actor_type"]
    rows = lines[2:-1]
    assert [row[7] for row in rows[: len(INJECTIONS)]] == ["'" + text for text in INJECTIONS]
    assert rows[-1][3] == "'=cmd|'/c calc'!A0"
    assert all(row[1].endswith("+00:00") for row in rows)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
    assert lines[-1][0].startswith("# chain verification for seq ")
    assert ": OK:" in lines[-1][0]


def test_every_export_is_itself_audited_with_its_filter_before_it_streams() -> None:
    user, _ = staff_client(Role.AUDITOR)
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/audit/events.csv", {"action": "purge.run", "since": "2026-01-01T00:00:00Z"})
    exported = AuditEvent.objects.get(action="audit.exported")
    assert (exported.actor_type, exported.actor_id, exported.object_type) == ("user", str(user.pk), "audit_trail")
    assert exported.payload == {"via": "api", "filters": {"action": "purge.run", "since": "2026-01-01T00:00:00+00:00"}}
    csv_body(response)


def test_the_export_says_when_the_chain_is_broken_in_the_exported_range() -> None:
    audit_rows_load(50)
    with append_only_trigger_disabled() as cursor:
        cursor.execute("UPDATE accounts_auditevent SET object_id = 'forged' WHERE seq = 20")
    body = csv_body(api_as(Role.AUDITOR).get("/api/v1/audit/events.csv", {"action": "purge.run"}))
    assert body.strip().splitlines()[-1].startswith("# chain verification for seq 1..50: BROKEN at seq 20 (edited)")


def test_an_auditor_exports_from_the_admin_and_that_export_is_audited() -> None:
    auditor, client = staff_client(Role.AUDITOR)
    events = [record(object_id=str(i)) for i in range(3)]
    changelist = reverse("admin:accounts_auditevent_changelist")
    filtered = client.get(changelist, {"action__exact": "purge.run", "actor_type__exact": "system"})
    assert filtered.status_code == 200
    assert filtered.context["cl"].result_count == 3
    response = client.post(
        reverse("admin:accounts_auditevent_changelist") + "?action__exact=purge.run",
        {"action": "export_csv", "_selected_action": [e.pk for e in events[:2]]},
    )
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(csv_body(response))))
    assert [row[7] for row in lines[2:-1]] == ["0", "1"]
    assert "OK: 2 rows" in lines[-1][0]
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor_id == str(auditor.pk)
    assert exported.payload == {"via": "admin", "filters": {"action__exact": "purge.run", "rows_selected": 2}}


def test_an_export_takes_the_same_few_queries_however_many_rows_it_streams(
    django_assert_max_num_queries: Any,
) -> None:
    client = api_as(Role.AUDITOR)
    audit_rows_load(3000)
    with django_assert_max_num_queries(8):
        body = csv_body(client.get("/api/v1/audit/events.csv"))
    # the role change and the export event around the 3,000 rows; two comment lines and the header
    assert body.count("\n") == 1 + 3000 + 1 + 3


def test_a_head_on_the_csv_export_is_not_audited_as_an_export() -> None:
    client = api_as(Role.AUDITOR)
    response = client.head("/api/v1/audit/events.csv", {"action": "purge.run"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert not AuditEvent.objects.filter(action="audit.exported").exists()
    assert api_as(Role.CATALOG_MANAGER).head("/api/v1/audit/events.csv").status_code == 403
    assert APIClient().head("/api/v1/audit/events.csv").status_code == 401
