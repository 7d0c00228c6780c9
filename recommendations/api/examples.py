"""Response examples for the schema (`/api/docs/`): what each operation answers, as it answers it.

Error examples that any operation shares are in `earfit/api/schema.py`; these are the success
bodies and the errors particular to one operation, with their codes.
"""

from typing import Any

from django.conf import settings

from inference.errors import PHOTO_ERRORS
from inference.postprocess import BLOCKING, RETAKE_GUIDANCE

FITTING_ID = "3ec62651-465e-419b-8b25-bb2a45665959"
PHOTO_ID = "9b0e4c1e-5d7a-4f0e-9a51-2f3a6f1f2c11"
PRODUCT_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "slug": "northwind-audio-drift-anc",
    "brand": "Northwind Audio",
    "model": "Drift ANC",
    "form_factor": "in_ear",
    "wireless": True,
    "anc": True,
    "water_resistance": "IPX4",
    "microphone": True,
    "price": "179.00",
    "currency": "EUR",
    "tip_sizes": ["XS", "S", "M", "L"],
    "weight_g": 6.4,
}
ANSWERS_EXAMPLE: dict[str, Any] = {
    "uses": ["commute", "calls"],
    "form_factor": "in_ear",
    "noise_cancelling": "must",
    "wireless": "wireless",
    "budget": "150_300",
    "glasses": False,
    "past_problems": ["falls_out"],
    "current_tip_size": "M",
}
FITTING_CREATED_EXAMPLE = {
    "id": FITTING_ID,
    "access_token": "FVT25zu7jIsOulxvwJGQtLUx4vSkik5FJ-NU8wAxxYA",
    "status": "open",
    "created_at": "2026-12-07T11:26:16.400291Z",
}
MEASUREMENT = {"value": 62.1, "uncertainty": 1.4, "unit": "mm"}
EAR_PHOTO_EXAMPLE: dict[str, Any] = {
    "id": PHOTO_ID,
    "side": "left",
    "created_at": "2026-12-07T11:28:03.120000Z",
    "expires_at": "2027-01-06T11:28:03.120000Z",
    "scale": "mm",
    "confidence": 0.93,
    "measurements": {"ear_length": MEASUREMENT, "concha_width": {"value": 17.8, "uncertainty": 0.9, "unit": "mm"}},
    "quality": {"passed": True, "reasons": []},
    "model_version": "earnet-2.0.0",
    "overlay_url": f"/api/v1/fittings/{FITTING_ID}/photos/{PHOTO_ID}/overlay",
    "overlay_legend": [
        {"name": "ear_length", "label": "Ear length", "colour": "#1f77b4"},
        {"name": "card", "label": "Bank card outline", "colour": "#2ca02c"},
    ],
}
FITTING_EXAMPLE = {
    "id": FITTING_ID,
    "status": "open",
    "questionnaire_version": 1,
    "answers": ANSWERS_EXAMPLE,
    "created_at": "2026-12-07T11:26:16.400291Z",
    "photos": [EAR_PHOTO_EXAMPLE],
}
RECOMMENDATION_EXAMPLE = {
    "fitting_id": FITTING_ID,
    "basis": "questionnaire",
    "notice": "These recommendations come from your answers alone, without measurements of your ear. "
    "Add a photo of your ear with a bank card beside it for a better fit.",
    "ranking_version": "2026.12.1",
    "model_version": None,
    "tip_size": {"size": "M", "confidence": 0.6, "abstained": False, "reason": "You said size M fits you now."},
    "items": [
        {
            "rank": 1,
            "score": 0.9867,
            "tip_size": "M",
            "tip_size_note": "",
            "reasons": [
                "The kind you prefer.",
                "Has noise cancelling.",
                "EUR 179, within your budget (EUR 150 to 300).",
            ],
            "product": PRODUCT_EXAMPLE,
        }
    ],
}
FEEDBACK_EXAMPLE = {
    "id": 12,
    "product_id": 3,
    "fit": "right",
    "comfort": 4,
    "comment": "Medium tips seal well.",
    "created_at": "2026-12-07T11:40:00Z",
}

# The codes a photo's quality check gives: rejections (blocking, 422) and warnings (the photo is
# kept, its sizes are estimates). Every code in inference's retake guidance is one of the two.
PHOTO_REJECTION_REASONS = tuple(code for code in RETAKE_GUIDANCE if code in BLOCKING)
PHOTO_WARNING_REASONS = tuple(code for code in RETAKE_GUIDANCE if code not in BLOCKING)
# The codes of a 422 on upload: the quality check, the retention period, and a file that decodes
# but cannot be used (inference's photo errors answered with 422).
PHOTO_UNPROCESSABLE_CODES = (
    "photo_quality",
    "past_retention",
    *(code for code, (status, _) in PHOTO_ERRORS.items() if status == 422),
)
UNSUPPORTED_TYPE_EXAMPLE = {"message": PHOTO_ERRORS["unsupported_type"][1], "code": "unsupported_type", "extra": {}}
PHOTO_REJECTED_EXAMPLE = {
    "message": RETAKE_GUIDANCE["blurry"],
    "code": "photo_quality",
    "extra": {
        "reasons": [{"code": "blurry", "message": RETAKE_GUIDANCE["blurry"]}],
        "warnings": [{"code": "no_reference_card", "message": RETAKE_GUIDANCE["no_reference_card"]}],
        "guidance": RETAKE_GUIDANCE["blurry"],
    },
}
PHOTO_PAST_RETENTION_EXAMPLE = {
    "message": "This photo is past its retention period and cannot be stored.",
    "code": "past_retention",
    "extra": {},
}
# The codes a fitting's creation answers 400 with, besides `invalid` (a field of the wrong type).
FITTING_CREATE_CODES = ("consent_required", "consent_outdated", "unknown_questionnaire_version", "invalid_answers")
CONSENT_REQUIRED_EXAMPLE = {
    "message": "Please read and accept the consent before we can measure your ear.",
    "code": "consent_required",
    "extra": {"fields": {"consent": ["Consent must be explicitly accepted."]}},
}
INVALID_ANSWERS_EXAMPLE = {
    "message": "Some answers need another look: Choose one of: earbud, in_ear, no_preference, on_ear, over_ear.",
    "code": "invalid_answers",
    "extra": {"fields": {"answers.form_factor": ["Choose one of: earbud, in_ear, no_preference, on_ear, over_ear."]}},
}
UNKNOWN_PRODUCT_EXAMPLE = {
    "message": "That product is not in the catalog.",
    "code": "unknown_product",
    "extra": {"fields": {"product_id": ["Unknown product."]}},
}
FILE_TOO_LARGE_EXAMPLE = {
    "message": f"The photo is larger than {settings.PHOTO_MAX_BYTES // (1024 * 1024)} MB. Please send a smaller copy.",
    "code": "file_too_large",
    "extra": {},
}
