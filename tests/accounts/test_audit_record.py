"""Every audited action writes exactly the expected row, with no personal data in it."""

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor, audit_event_record, audit_events_record_many, audit_rehearsal
from accounts.models import Role
from accounts.services import user_set_role
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.models import Product
from tests.accounts.audit_helpers import staff_client
from tests.conftest import SPORT_ANSWERS, consent
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows_after(seq: int) -> list[tuple[Any, ...]]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq)
        .order_by("seq")
        .values_list("actor_type", "actor_id", "action", "object_type", "object_id", "payload")
    )


def head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_creating_a_fitting_writes_one_row_with_the_request_id_and_no_answers(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/fittings",
        {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()},
        format="json",
        HTTP_X_REQUEST_ID="req-fitting-0001",
    )
    fitting_id = response.json()["id"]
    assert rows_after(0) == [
        (
            "fitting",
            fitting_id,
            "fitting.created",
            "fitting",
            fitting_id,
            {"questionnaire_version": 1, "consent_version": "2026-11-01"},
        )
    ]
    event = AuditEvent.objects.get()
    assert event.request_id == "req-fitting-0001"
    assert response.json()["access_token"] not in str(event.payload)


def test_a_recommendation_is_audited_once_when_made_not_when_read_again(
    owner_client: tuple[APIClient, str], catalog: list[Product]
) -> None:
    client, fitting_id = owner_client
    before = head()
    client.get(f"/api/v1/fittings/{fitting_id}/recommendation")
    client.get(f"/api/v1/fittings/{fitting_id}/recommendation")
    rows = rows_after(before)
    assert len(rows) == 1
    actor_type, actor_id, action, object_type, _, payload = rows[0]
    assert (actor_type, actor_id, action, object_type) == (
        "fitting",
        fitting_id,
        "recommendation.generated",
        "recommendation",
    )
    assert payload == {
        "fitting_id": fitting_id,
        "basis": "questionnaire",
        "ranking_version": payload["ranking_version"],
        "items": 5,
    }


def test_erasure_records_that_it_happened_and_nothing_else(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    before = head()
    assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204
    assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204
    assert rows_after(before) == [("fitting", fitting_id, "fitting.erased", "fitting", fitting_id, {})]


def product_form(**overrides: Any) -> dict[str, Any]:
    form = {
        "brand": "Aurel",
        "model": "Fit One",
        "slug": "aurel-fit-one",
        "form_factor": "in_ear",
        "description": "",
        "active": "on",
        "tip_sizes": ["S", "M", "L"],  # one checkbox per size
        "weight_g": "5.0",
        "wireless": "on",
        "microphone": "on",
        "water_resistance": "IPX4",
        "price": "79.00",
        "currency": "EUR",
    }
    form.update(overrides)
    return form


def test_a_product_made_and_changed_in_the_admin_is_audited_with_the_fields_changed() -> None:
    manager, client = staff_client(Role.CATALOG_MANAGER)
    before = head()
    response = client.post("/admin/recommendations/product/add/", product_form())
    assert response.status_code == 302, response.content
    product = Product.objects.get(slug="aurel-fit-one")
    client.post(f"/admin/recommendations/product/{product.pk}/change/", product_form(price="69.00"))
    rows = rows_after(before)
    assert [row[:5] for row in rows] == [
        ("user", str(manager.pk), "product.created", "product", str(product.pk)),
        ("user", str(manager.pk), "product.changed", "product", str(product.pk)),
    ]
    assert "price" in rows[1][5]["fields"]
    assert "brand" not in rows[1][5]["fields"]


def test_loading_the_demo_catalog_audits_each_product_it_adds_and_nothing_on_a_rerun() -> None:
    product_load_demo_catalog()
    created = AuditEvent.objects.filter(action="product.created", actor_type="system", actor_id="load_demo_catalog")
    assert created.count() == Product.objects.count()
    before = head()
    product_load_demo_catalog()
    assert rows_after(before) == []


def test_retiring_and_activating_in_the_admin_writes_one_row_per_product_that_changed() -> None:
    manager, client = staff_client(Role.CATALOG_MANAGER)
    products = ProductFactory.create_batch(2)
    ids = [str(p.pk) for p in products]
    before = head()
    client.post("/admin/recommendations/product/", {"action": "retire", "_selected_action": ids})
    client.post("/admin/recommendations/product/", {"action": "retire", "_selected_action": ids})  # no change
    client.post("/admin/recommendations/product/", {"action": "activate", "_selected_action": ids[:1]})
    assert rows_after(before) == [
        ("user", str(manager.pk), "product.retired", "product", ids[0], {}),
        ("user", str(manager.pk), "product.retired", "product", ids[1], {}),
        ("user", str(manager.pk), "product.activated", "product", ids[0], {}),
    ]


def test_a_role_changed_in_the_admin_names_who_changed_it_and_from_what() -> None:
    admin_user = UserFactory.create(is_superuser=True, is_staff=True)
    target = UserFactory.create()
    client = Client()
    client.force_login(admin_user)
    staff_client(Role.SHOPPER)  # makes the role groups
    before = head()
    response = client.post(
        f"/admin/accounts/user/{target.pk}/change/",
        {
            "username": target.username,
            "role": Role.AUDITOR,
            "is_active": "on",
            "date_joined_0": "2026-11-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content
    assert rows_after(before) == [
        ("user", str(admin_user.pk), "role.changed", "user", str(target.pk), {"from": "shopper", "to": "auditor"})
    ]
    target.refresh_from_db()
    assert target.role == Role.AUDITOR
    assert target.is_staff


def test_a_role_set_by_a_command_is_recorded_as_a_system_job_and_an_unchanged_role_not_at_all() -> None:
    _, _ = staff_client(Role.SHOPPER)
    user = UserFactory.create()
    before = head()
    user_set_role(user=user, role=Role.CATALOG_MANAGER)
    user_set_role(user=user, role=Role.CATALOG_MANAGER)
    assert rows_after(before) == [
        ("system", "user_set_role", "role.changed", "user", str(user.pk), {"from": "shopper", "to": "catalog_manager"})
    ]


def test_failed_staff_logins_are_audited_and_lock_out_after_five() -> None:
    staff, _ = staff_client(Role.CATALOG_MANAGER)
    client = Client()
    before = head()
    for _ in range(5):
        response = client.post("/admin/login/", {"username": staff.username, "password": "wrong-password-1"})
    assert response.status_code == 429
    locked = client.post("/admin/login/", {"username": staff.username, "password": "a-long-test-password"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    rows = rows_after(before)
    failed = ("anonymous", "", "login.failed", "user", str(staff.pk), {"known_account": True})
    lockout = ("anonymous", "", "login.locked_out", "user", str(staff.pk), {"known_account": True})
    # axes announces the lockout while handling the fifth failure, before that failure is recorded,
    # and again for every attempt refused while the lockout lasts.
    assert rows == [failed] * 4 + [lockout, failed] + [lockout, failed]
    assert "wrong-password" not in str(list(AuditEvent.objects.values_list("payload", flat=True)))


def test_a_failed_login_for_no_such_account_keeps_nothing_of_what_was_typed() -> None:
    before = head()
    Client().post("/admin/login/", {"username": "my-secret-passw0rd", "password": "x"})
    assert rows_after(before) == [("anonymous", "", "login.failed", "user", "", {"known_account": False})]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the seeded data for later tests
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_event_record(actor=AuditActor.system("t"), action="purge.run", object_type="job", object_id="1")
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "payload", [{"answers": {"uses": ["sport"]}}, {"nested": [{"access_token": "x"}]}, {"x": "y" * 5000}]
)
def test_personal_data_and_large_payloads_are_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="audit payload"), transaction.atomic():
        audit_event_record(
            actor=AuditActor.system("t"), action="purge.run", object_type="job", object_id="1", payload=payload
        )
    assert not AuditEvent.objects.exists()


def test_a_rehearsal_checks_its_events_keeps_nothing_and_leaves_the_chain_to_others() -> None:
    actor = AuditActor.system("t")
    with audit_rehearsal():
        ProductFactory()
        event = audit_event_record(actor=actor, action="purge.run", object_type="job", object_id="1")
        assert event.pk is None
        assert audit_events_record_many(actor=actor, action="photo.purged", object_type="p", object_ids=["1", "2"]) == 2
        with pytest.raises(ValueError, match="audit payload"):
            audit_event_record(
                actor=actor, action="purge.run", object_type="job", object_id="1", payload={"email": "x"}
            )
        assert not AuditEvent.objects.exists()
    assert not Product.objects.exists()  # the rehearsal's own rollback
    with transaction.atomic():  # and the next real event is the chain's first
        assert audit_event_record(actor=actor, action="purge.run", object_type="job", object_id="2").seq == 1
