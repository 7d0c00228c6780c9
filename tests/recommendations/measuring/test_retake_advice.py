"""What a rejected photo's answer says: one primary reason with its sentence, warnings apart."""

from itertools import permutations

import pytest

from inference.postprocess import BLOCKING, RETAKE_GUIDANCE, issue
from recommendations.measuring.analysis import RETAKE_ORDER, retake_advice

WARNINGS = ("no_reference_card", "card_not_verified")


def test_every_blocking_reason_has_its_place_in_the_order_and_no_warning_does() -> None:
    assert set(RETAKE_ORDER) == BLOCKING
    assert not set(WARNINGS) & set(RETAKE_ORDER)


@pytest.mark.parametrize("primary", RETAKE_ORDER)
def test_each_reason_is_the_primary_one_over_every_reason_after_it_and_card_warnings_never_are(primary: str) -> None:
    later = RETAKE_ORDER[RETAKE_ORDER.index(primary) + 1 :]
    for found in permutations((primary, *later[:2], *WARNINGS)):
        advice = retake_advice([issue(code) for code in found])
        assert advice.reasons[0] == {"code": primary, "message": RETAKE_GUIDANCE[primary]}
        assert advice.guidance == RETAKE_GUIDANCE[primary]
        assert [r["code"] for r in advice.reasons] == [c for c in RETAKE_ORDER if c in found]
        assert sorted(w["code"] for w in advice.warnings) == sorted(WARNINGS)


def test_a_photo_with_card_warnings_only_has_no_reason_to_retake() -> None:
    advice = retake_advice([issue(code) for code in WARNINGS])
    assert advice.reasons == []
    assert advice.guidance == ""


def test_the_analysis_and_the_api_name_the_same_primary_reason() -> None:
    """One order: the analysis's first blocking issue is the answer's primary reason, however the
    issues were found (the two orders once differed: light before a cut-off ear in the analysis,
    after it in the answer)."""
    from inference.postprocess import by_priority

    for found in permutations(("too_dark", "blurry", "ear_cut_off", "bad_pose", "no_reference_card"), 3):
        ordered = by_priority([issue(code) for code in found])
        first_blocking = next(q.code for q in ordered if q.blocking)
        assert retake_advice(list(reversed(ordered))).reasons[0]["code"] == first_blocking
