"""Staff see an ear photo only through a one-minute presigned link, and every view is audited."""

import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.test import Client

from accounts.audit.models import AuditAction, AuditEvent
from accounts.models import Role
from recommendations.models import EarPhoto
from tests.accounts.audit_helpers import staff_client
from tests.factories import UserFactory
from tests.recommendations.photos.photo_rows import live, photo_rows
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0 a stored ear photo \xff\xd9"


@pytest.fixture
def photo(photo_bucket: PhotoBucket) -> EarPhoto:
    [row] = photo_rows(keys=["photos/2026/11/23/f/one-left.jpg"], expires_at=live())
    photo_bucket.put(row.storage_key, JPEG)
    return row


def viewed_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.PHOTO_VIEWED))


def test_a_photo_view_is_a_one_minute_presigned_link_and_an_audit_event(photo: EarPhoto) -> None:
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    response = client.get(f"/admin/recommendations/earphoto/{photo.pk}/view-photo/")

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]
    link = response["Location"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    assert query["X-Amz-Expires"] == ["60"]
    with urllib.request.urlopen(link, timeout=10) as shown:  # noqa: S310 -- the loopback S3 server
        assert shown.read() == JPEG
    unsigned = link.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)  # noqa: S310 -- the loopback S3 server
    assert refused.value.code == 403
    [event] = viewed_events()
    assert (event.actor_type, event.actor_id, event.object_type, event.object_id) == (
        "user",
        str(admin.pk),
        "ear_photo",
        str(photo.pk),
    )


@pytest.mark.parametrize("role", [Role.CATALOG_MANAGER, Role.AUDITOR])
def test_staff_roles_do_not_see_ear_photos_by_default(photo: EarPhoto, role: str) -> None:
    _, client = staff_client(role)
    assert client.get(f"/admin/recommendations/earphoto/{photo.pk}/view-photo/").status_code == 403
    assert client.get("/admin/recommendations/earphoto/").status_code == 403
    assert viewed_events() == []


def test_a_purged_photo_cannot_be_viewed(photo: EarPhoto) -> None:
    EarPhoto.objects.filter(pk=photo.pk).update(purged_at=photo.created_at)
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get(f"/admin/recommendations/earphoto/{photo.pk}/view-photo/").status_code == 404
    assert viewed_events() == []
