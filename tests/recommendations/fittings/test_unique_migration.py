"""Migration 0006 removes the duplicates concurrent requests made, then adds the constraints."""

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ProductFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BEFORE = [("recommendations", "0005_legacy_records")]
AFTER = [("recommendations", "0006_unique_recommendation")]


def apps_at(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    executor.loader.build_graph()
    return executor.loader.project_state(target).apps


def test_duplicates_are_removed_keeping_the_first_ranking_and_the_last_feedback() -> None:
    product_id = ProductFactory.create().pk  # products are the same before and after 0006
    old = apps_at(BEFORE)
    Fitting = old.get_model("recommendations", "Fitting")
    Questionnaire = old.get_model("recommendations", "Questionnaire")
    Product = old.get_model("recommendations", "Product")
    Recommendation = old.get_model("recommendations", "Recommendation")
    RecommendationItem = old.get_model("recommendations", "RecommendationItem")
    FitFeedback = old.get_model("recommendations", "FitFeedback")
    product = Product.objects.get(pk=product_id)
    fitting = Fitting.objects.create(
        questionnaire=Questionnaire.objects.get(version=1), answers={}, token_hash="0" * 64
    )
    made = [
        Recommendation.objects.create(fitting=fitting, basis="questionnaire", ranking_version="1", inputs_digest="d")
        for _ in range(3)
    ]
    for recommendation in made:
        RecommendationItem.objects.create(recommendation=recommendation, product=product, rank=1, score=0.5)
    other = Recommendation.objects.create(
        fitting=fitting, basis="questionnaire", ranking_version="1", inputs_digest="e"
    )
    feedback = [
        FitFeedback.objects.create(fitting=fitting, product=product, fit=fit, comfort=3)
        for fit in ("right", "too_tight")
    ]

    new = apps_at(AFTER)
    kept = new.get_model("recommendations", "Recommendation").objects.order_by("id")
    assert list(kept.values_list("id", flat=True)) == [made[0].id, other.id]
    assert new.get_model("recommendations", "RecommendationItem").objects.count() == 1
    assert list(new.get_model("recommendations", "FitFeedback").objects.values_list("id", flat=True)) == [
        feedback[1].id
    ]
    call_command("migrate", verbosity=0)  # leave the database at the latest state for the next test
