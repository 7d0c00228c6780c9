"""The negative set's summary counts false accepts per picture as well as per kind, and the README
block says which pictures they were on."""

from __future__ import annotations

from inference.training.card_report import _negatives
from inference.training.evaluate import summarise_negatives
from inference.training.scoring import NegativeRecord


def _record(picture: str, category: str, found: bool, *, card: bool = False) -> NegativeRecord:
    return NegativeRecord(picture, category, card, found, False, None, 0.0, 0.0)


def test_false_accepts_are_counted_per_picture() -> None:
    records = [_record("cat.png", "animal", v < 3, card=v % 2 == 1) for v in range(16)]
    records += [_record("dogs.png", "animal", v == 5) for v in range(16)]
    records += [_record("wall.png", "texture", False) for _ in range(16)]
    summary = summarise_negatives(records)
    assert summary["ear_false_accepts"] == 4
    assert summary["false_accepts_by_category"] == {"animal": 4, "texture": 0}
    assert summary["false_accepts_by_picture"] == {
        "cat.png": {"views": 16, "ear_claimed": 3},
        "dogs.png": {"views": 16, "ear_claimed": 1},
    }
    line = _negatives({"negative_set": {"half": "report", **summary}})
    assert "by picture: cat.png 3 of 16, dogs.png 1 of 16" in line
