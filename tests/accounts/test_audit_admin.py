"""The audit trail as staff read it in the admin: every field of an event, times with their zone,
and refusals as pages a person can read."""

import re

import pytest
from django.db import transaction

from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor, audit_event_record
from accounts.models import Role
from tests.accounts.audit_helpers import staff_client

pytestmark = pytest.mark.django_db


def test_an_audit_event_detail_page_shows_every_field() -> None:
    _, client = staff_client(Role.AUDITOR)
    with transaction.atomic():
        event = audit_event_record(
            actor=AuditActor.system("purge_expired_photos"),
            action="purge.run",
            object_type="job",
            object_id="42",
            payload={"purged": 3, "failed": 0},
        )
    page = client.get(f"/admin/accounts/auditevent/{event.pk}/change/").content.decode()
    for field in AuditEvent._meta.get_fields():
        assert f"field-{field.name if field.name != 'payload' else 'payload_pretty'}" in page or field.name == "id"
    for value in (str(event.seq), event.hash, event.prev_hash, "purge_expired_photos", "Purge run", "job", "42"):
        assert value in page, value
    payload = re.search(r'<pre data-testid="audit-payload">(.*?)</pre>', page, re.S)
    assert payload is not None
    assert payload.group(1) == "{\n  &quot;failed&quot;: 0,\n  &quot;purged&quot;: 3\n}"
    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d UTC", page)


def test_the_audit_list_shows_times_with_their_time_zone() -> None:
    _, client = staff_client(Role.AUDITOR)
    with transaction.atomic():
        audit_event_record(actor=AuditActor.system("test"), action="purge.run", object_type="job", object_id="1")
    page = client.get("/admin/accounts/auditevent/").content.decode()
    cell = re.search(r'<td class="field-occurred_at[^"]*">(.*?)</td>', page, re.S)
    assert cell is not None
    assert cell.group(1).endswith(" UTC")


def test_a_refusal_in_the_admin_is_an_html_page_with_a_way_back() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    response = client.get("/admin/accounts/auditevent/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Not allowed (403)" in page
    assert 'href="/admin/"' in page


def test_an_unknown_admin_page_is_an_html_404() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    response = client.get("/admin/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Not found (404)" in response.content.decode()


def test_the_api_keeps_its_json_errors() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    response = client.get("/api/v1/audit/events")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
