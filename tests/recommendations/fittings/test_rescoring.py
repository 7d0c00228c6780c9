"""A catalog change re-ranks the open fittings on a worker, after the change commits."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.audit.services import AuditActor
from recommendations.catalog.services import product_load_demo_catalog, product_set_active
from recommendations.fittings.services import fitting_erase
from recommendations.models import Fitting, FittingStatus, Product, Recommendation
from recommendations.tasks import fittings_rescore_task


def ranked_slugs(client: APIClient, fitting_id: str) -> list[str]:
    body = client.get(f"/api/v1/fittings/{fitting_id}/recommendation").json()
    return [item["product"]["slug"] for item in body["items"]]


@pytest.mark.django_db
def test_retiring_a_product_re_ranks_open_fittings_once_the_change_commits(
    owner_client: tuple[APIClient, str], django_capture_on_commit_callbacks: Any
) -> None:
    product_load_demo_catalog()
    client, fitting_id = owner_client
    first = ranked_slugs(client, fitting_id)
    leader = Product.objects.get(slug=first[0])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        product_set_active(product_ids=[leader.pk], active=False, actor=AuditActor.system("test"))
    # Nothing is re-ranked before the commit; the commit sends one task (run inline: eager mode).
    assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 1
    assert len(callbacks) == 1
    callbacks[0]()

    latest = Recommendation.objects.filter(fitting_id=fitting_id).latest("created_at")
    assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 2
    assert leader.pk not in set(latest.items.values_list("product_id", flat=True))
    # The shopper's next read returns the re-ranked recommendation without ranking again.
    after = ranked_slugs(client, fitting_id)
    assert leader.slug not in after
    assert after[: len(first) - 1] == [slug for slug in first if slug != leader.slug]
    assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 2


@pytest.mark.django_db
def test_the_re_rank_skips_erased_never_ranked_and_long_unvisited_fittings_and_repeats_harmlessly(
    create_fitting: Any, django_capture_on_commit_callbacks: Any
) -> None:
    product_load_demo_catalog()
    ranked_ids = []
    for _ in range(3):
        fitting_id, token = create_fitting()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        ranked_slugs(client, fitting_id)
        ranked_ids.append(fitting_id)
    never_ranked, _token = create_fitting()
    unvisited = ranked_ids.pop()
    Recommendation.objects.filter(fitting_id=unvisited).update(created_at=timezone.now() - timedelta(days=15))
    with django_capture_on_commit_callbacks(execute=True):
        fitting_erase(fitting=Fitting.objects.get(pk=ranked_ids[1]))

    assert fittings_rescore_task.delay().get() == 1
    assert fittings_rescore_task.delay().get() == 1  # unchanged inputs: the stored ranking stands
    assert Recommendation.objects.filter(fitting_id=ranked_ids[0]).count() == 1
    assert not Recommendation.objects.filter(fitting_id=never_ranked).exists()
    assert Fitting.objects.get(pk=ranked_ids[1]).status == FittingStatus.ERASED
