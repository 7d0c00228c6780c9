import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory, override_settings

from accounts.models import Role, User
from accounts.services import roles_bootstrap, user_set_role
from recommendations.models import Product
from tests.accounts.audit_helpers import staff_client as staff
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_bootstrap_roles_is_idempotent() -> None:
    call_command("bootstrap_roles")
    call_command("bootstrap_roles")
    assert Group.objects.filter(name__in=["Catalog managers", "Auditors"]).count() == 2
    managers = Group.objects.get(name="Catalog managers")
    assert set(managers.permissions.values_list("codename", flat=True)) >= {"add_product", "change_product"}
    assert "delete_product" not in managers.permissions.values_list("codename", flat=True)


def test_setting_a_role_moves_the_user_between_groups() -> None:
    roles_bootstrap()
    user = UserFactory.create()
    user_set_role(user=user, role=Role.CATALOG_MANAGER)
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["Catalog managers"]
    user_set_role(user=user, role=Role.AUDITOR)
    assert list(user.groups.values_list("name", flat=True)) == ["Auditors"]
    user_set_role(user=user, role=Role.SHOPPER)
    assert not user.is_staff
    assert user.groups.count() == 0


def test_catalog_manager_edits_products_in_the_admin_but_cannot_delete() -> None:
    _, client = staff(Role.CATALOG_MANAGER)
    product = ProductFactory.create()
    assert client.get("/admin/recommendations/product/").status_code == 200
    assert client.get(f"/admin/recommendations/product/{product.pk}/change/").status_code == 200
    assert client.get(f"/admin/recommendations/product/{product.pk}/delete/").status_code == 403


def test_catalog_manager_retires_and_activates_products_with_admin_actions() -> None:
    _, client = staff(Role.CATALOG_MANAGER)
    products = ProductFactory.create_batch(3)
    ids = [str(p.pk) for p in products[:2]]
    response = client.post("/admin/recommendations/product/", {"action": "retire", "_selected_action": ids})
    assert response.status_code == 302
    assert list(Product.objects.filter(active=False).order_by("pk").values_list("pk", flat=True)) == [
        p.pk for p in products[:2]
    ]
    client.post("/admin/recommendations/product/", {"action": "activate", "_selected_action": ids})
    assert Product.objects.filter(active=False).count() == 0


def test_auditor_cannot_edit_products() -> None:
    _, client = staff(Role.AUDITOR)
    product = ProductFactory.create()
    assert client.get("/admin/recommendations/product/").status_code == 200
    response = client.post(f"/admin/recommendations/product/{product.pk}/change/", {"brand": "Changed"})
    assert response.status_code == 403
    assert client.get("/admin/recommendations/product/add/").status_code == 403
    product.refresh_from_db()
    assert product.brand != "Changed"


def test_shopper_cannot_use_the_admin() -> None:
    _, client = staff(Role.SHOPPER)
    assert client.get("/admin/").status_code == 302


@override_settings(DEBUG=True)
def test_demo_staff_are_created_once_with_printed_passwords(capsys: Any) -> None:
    roles_bootstrap()
    call_command("create_demo_staff")
    printed = capsys.readouterr().out
    password = next(line.split()[1] for line in printed.splitlines() if line.strip().startswith("catalog"))
    # django-axes checks every sign-in against its request, so the test passes one.
    assert Client().login(username="catalog", password=password, request=RequestFactory().post("/admin/login/"))
    assert User.objects.get(username="catalog").role == Role.CATALOG_MANAGER
    call_command("create_demo_staff")
    assert password not in capsys.readouterr().out


@override_settings(DEBUG=True)
def test_demo_staff_are_printed_with_the_admin_address_make_run_serves(capsys: Any) -> None:
    roles_bootstrap()
    call_command("create_demo_staff", admin_url="http://127.0.0.1:8123/admin/")
    printed = capsys.readouterr().out
    assert "http://127.0.0.1:8123/admin/" in printed
    assert ":8000" not in printed


def test_make_run_prints_and_serves_the_port_it_is_given() -> None:
    """Every address `make run` prints or binds comes from PORT (here 8123), none from a default."""
    root = Path(__file__).resolve().parents[2]
    plan = subprocess.run(
        ["make", "-n", "-B", "run"],  # noqa: S607 -- as above
        cwd=root,
        env={**os.environ, "PORT": "8123"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ports = set(re.findall(r"127\.0\.0\.1:(\d+)", plan))
    assert ports == {"8123"}
    assert "create_demo_staff --admin-url http://127.0.0.1:8123/admin/" in plan
    assert "runserver 127.0.0.1:8123" in plan


def test_demo_staff_refuse_to_be_made_without_debug() -> None:
    with pytest.raises(CommandError, match="local use only"):
        call_command("create_demo_staff")
