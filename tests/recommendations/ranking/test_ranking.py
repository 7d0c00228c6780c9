"""The ranking rules, tested directly on the pure functions and once through the API."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from inference.types import Measurement
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.ranking import (
    EarGeometry,
    Preferences,
    ProductFit,
    TipSuggestion,
    product_tip_note,
    rank_products,
    tip_suggest,
)
from tests.conftest import SPORT_ANSWERS


def product(pid: int, **overrides: Any) -> ProductFit:
    base: dict[str, Any] = {
        "id": pid,
        "name": f"P{pid}",
        "form_factor": "in_ear",
        "tip_sizes": ("S", "M", "L"),
        "weight_g": 5.0,
        "price": 40.0,
        "anc": False,
        "wireless": True,
        "water_resistance": "IPX5",
        "microphone": True,
        "shell_width_mm": 17.0,
    }
    return ProductFit(**{**base, **overrides})


SPORT = Preferences.from_answers(SPORT_ANSWERS)


def test_sport_wireless_small_budget_puts_matching_products_first() -> None:
    matching = product(1)
    too_expensive = product(2, price=260.0)
    wired = product(3, wireless=False)
    headphones = product(4, form_factor="over_ear", tip_sizes=(), weight_g=250.0, water_resistance="none")
    not_water_resistant = product(5, water_resistance="none")
    ranking = rank_products(
        preferences=SPORT, products=[headphones, wired, too_expensive, not_water_resistant, matching]
    )
    assert ranking.items[0].product_id == 1
    assert ranking.basis == "questionnaire"
    assert "Suits sport." in ranking.items[0].reasons
    assert any("budget" in reason for reason in ranking.items[[i.product_id for i in ranking.items].index(2)].reasons)


def test_noise_cancelling_must_outranks_cheaper_products_without_it() -> None:
    prefs = Preferences.from_answers(
        {**SPORT_ANSWERS, "uses": ["commute"], "noise_cancelling": "must", "budget": "150_300"}
    )
    ranking = rank_products(preferences=prefs, products=[product(1, price=60.0), product(2, anc=True, price=200.0)])
    assert [item.product_id for item in ranking.items] == [2, 1]
    assert "But no noise cancelling." in ranking.items[1].reasons


def test_glasses_wearers_are_steered_away_from_firm_headphones() -> None:
    prefs = Preferences.from_answers({**SPORT_ANSWERS, "uses": ["office"], "glasses": True, "budget": "150_300"})
    firm = product(1, form_factor="over_ear", tip_sizes=(), clamp_force_n=5.5, weight_g=280.0, price=200.0)
    earbud = product(2, form_factor="earbud", tip_sizes=(), price=200.0)
    ranking = rank_products(preferences=prefs, products=[firm, earbud])
    assert ranking.items[0].product_id == 2


def test_scores_are_between_zero_and_one_and_the_order_is_stable() -> None:
    products = [product(i, price=30.0 + i) for i in range(1, 8)]
    first = rank_products(preferences=SPORT, products=products)
    second = rank_products(preferences=SPORT, products=list(reversed(products)))
    assert [i.product_id for i in first.items] == [i.product_id for i in second.items]
    assert all(0.0 <= item.score <= 1.0 for item in first.items)
    assert [item.rank for item in first.items] == list(range(1, 8))


def test_without_a_measurement_or_known_size_the_tip_size_abstains() -> None:
    tip = tip_suggest(preferences=SPORT, measured=None)
    assert tip.abstained
    assert tip.size is None
    ranking = rank_products(preferences=SPORT, products=[product(1, tip_sizes=("S", "M", "L"))])
    assert ranking.items[0].tip_size == "M"


def test_the_shoppers_current_size_is_used_when_there_is_no_photo() -> None:
    prefs = Preferences.from_answers({**SPORT_ANSWERS, "current_tip_size": "S"})
    ranking = rank_products(preferences=prefs, products=[product(1)])
    assert ranking.tip.size == "S"
    assert not ranking.tip.abstained
    assert ranking.items[0].tip_size == "S"


def test_a_confident_measurement_decides_the_tip_and_geometry_changes_the_order() -> None:
    def m(value: float) -> Measurement:
        return Measurement("any", value, 0.8, "mm")

    small_ear = EarGeometry("mm", m(55.0), m(30.0), m(15.0), m(14.0), m(5.5), confidence=0.9)
    measured = TipSuggestion("XS", 0.8, False, "Measured notch 5.5 mm.")
    big_shell = product(1, shell_width_mm=21.0, tip_sizes=("M", "L"), price=30.0)
    small_shell = product(2, shell_width_mm=14.0, tip_sizes=("XS", "S", "M"), price=45.0)
    without = rank_products(preferences=SPORT, products=[big_shell, small_shell])
    with_photo = rank_products(
        preferences=SPORT, products=[big_shell, small_shell], ear=small_ear, measured_tip=measured
    )
    assert without.items[0].product_id == 1
    assert with_photo.items[0].product_id == 2
    assert with_photo.basis == "measurements"
    assert with_photo.tip.size == "XS"
    assert with_photo.items[0].tip_size == "XS"


def test_relative_measurements_fall_back_to_the_questionnaire() -> None:
    rel = Measurement("any", 0.5, 0.1, "ratio")
    ear = EarGeometry("relative", rel, rel, rel, rel, rel, confidence=0.3)
    ranking = rank_products(preferences=SPORT, products=[product(1)], ear=ear)
    assert ranking.basis == "questionnaire"


def test_a_product_far_over_the_budget_cannot_score_high_on_its_other_strengths() -> None:
    """EUR 329 for a shopper who said "under 50": every other rule fits, the score still drops."""
    everything_but_price = product(1, price=329.0)
    ranking = rank_products(preferences=SPORT, products=[everything_but_price])
    item = ranking.items[0]
    assert item.score < 0.4
    assert "But EUR 329 is EUR 279 over your budget (under EUR 50), so its score is lowered." in item.reasons


def test_a_little_over_the_budget_costs_a_little_and_within_it_costs_nothing() -> None:
    within, slightly_over, far_over = product(1, price=45.0), product(2, price=55.0), product(3, price=120.0)
    items = {
        i.product_id: i for i in rank_products(preferences=SPORT, products=[within, slightly_over, far_over]).items
    }
    assert items[1].score > items[2].score > items[3].score
    assert items[1].score - items[2].score < items[2].score - items[3].score
    assert "EUR 45, within your budget (under EUR 50)." in items[1].reasons


@pytest.mark.parametrize(
    ("budget", "price", "words"),
    [
        ("50_150", 30.0, "EUR 30, below your budget (EUR 50 to 150)."),
        ("150_300", 199.9, "EUR 199.90, within your budget (EUR 150 to 300)."),
        ("over_300", 1299.0, "EUR 1,299, within your budget (over EUR 300)."),
    ],
)
def test_every_product_states_its_price_against_the_budget(budget: str, price: float, words: str) -> None:
    prefs = Preferences.from_answers({**SPORT_ANSWERS, "budget": budget})
    assert words in rank_products(preferences=prefs, products=[product(1, price=price)]).items[0].reasons


@pytest.mark.parametrize(
    ("current", "box", "item_tip", "note"),
    [
        ("S", ("S", "M", "L"), "S", ""),
        ("XL", ("S", "M", "L"), "L", "Your size, XL, is not in the box; L is the nearest."),
        (None, ("S", "M", "L"), "M", "The medium size, since yours could not be estimated."),
        (None, ("XS", "S"), "S", "The size nearest to medium in this box, since yours could not be estimated."),
    ],
)
def test_each_products_tip_size_agrees_with_the_recommended_one_or_says_why(
    current: str | None, box: tuple[str, ...], item_tip: str, note: str
) -> None:
    prefs = Preferences.from_answers({**SPORT_ANSWERS, "current_tip_size": current})
    ranking = rank_products(preferences=prefs, products=[product(1, tip_sizes=box)])
    item = ranking.items[0]
    assert item.tip_size == item_tip
    assert product_tip_note(suggested=ranking.tip.size, chosen=item.tip_size) == note
    assert (item.tip_size == ranking.tip.size) == (note == "")


@pytest.mark.django_db
def test_api_ranks_the_demo_catalog_for_a_sporty_shopper_on_a_budget(owner_client: tuple[APIClient, str]) -> None:
    product_load_demo_catalog()
    client, fitting_id = owner_client
    body = client.get(f"/api/v1/fittings/{fitting_id}/recommendation").json()
    assert body["basis"] == "questionnaire"
    assert body["notice"]
    assert body["ranking_version"]
    top = [item["product"] for item in body["items"][:3]]
    for p in top:
        assert p["wireless"] is True
        assert float(p["price"]) <= 50
        assert p["water_resistance"] != "none"
    # The demo catalog has two sport-shaped wireless products under 50; they lead.
    assert {p["slug"] for p in top[:2]} == {"brightwave-gym-hook", "orrin-daily"}
    assert all(item["reasons"] for item in body["items"])
    # One tip size on the page: each product's is the recommended one, or it says why not.
    for item in body["items"]:
        assert (item["tip_size"] in (None, body["tip_size"]["size"])) == (item["tip_size_note"] == "")
    assert any(item["tip_size_note"] for item in body["items"])
    # Reading it again returns the same stored recommendation, not a new one.
    again = client.get(f"/api/v1/fittings/{fitting_id}/recommendation").json()
    assert again == body
