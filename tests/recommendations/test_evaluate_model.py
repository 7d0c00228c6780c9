"""`evaluate_model VERSION` prints every figure with its confidence interval and the targets."""

from __future__ import annotations

import io

from django.core.management import call_command


def test_evaluate_model_scores_a_named_version_with_confidence_intervals() -> None:
    out = io.StringIO()
    call_command(
        "evaluate_model",
        "1.1.0",
        "--photos",
        "6",
        "--negative-views",
        "0",
        "--style",
        "flat",
        "--no-progress",
        stdout=out,
    )
    text = out.getvalue()
    assert "Model earnet-1.1.0 on 6 held-out flat renders (seeds 1000000..1000005)" in text
    assert "95 % confidence intervals" in text
    assert "no_ear accuracy" in text
    assert "targets" in text
    assert "NOT validated" in text
    for condition in ("no_card", "tilted_card", "hair", "dark_skin", "low_light", "small_ear"):
        assert condition in text
