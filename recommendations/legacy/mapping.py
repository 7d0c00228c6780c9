"""What the legacy system's words become in earfit's: products, answers, consent, photo sides.

Pure functions over one row each; every function returns the mapped value or raises
`LegacyRowInvalid` with the reason the report counts and a sentence naming the field. The tables
below are the mapping docs/legacy-export.md documents; anything outside them is refused, never
guessed.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.utils.text import slugify

from recommendations.catalog.transfer import tip_sizes_parse
from recommendations.legacy.export import parse_time
from recommendations.questionnaire.answers import answers_validate
from recommendations.questionnaire.content import Question
from recommendations.vocabulary import FormFactor, WaterResistance


class LegacyRowInvalid(ValueError):
    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


CATEGORY_TO_FORM_FACTOR: Final[dict[str, FormFactor]] = {
    "in-ear": FormFactor.IN_EAR,
    "earbuds": FormFactor.EARBUD,
    "over-ear": FormFactor.OVER_EAR,
    "on-ear": FormFactor.ON_EAR,
    "open-ear": FormFactor.OPEN,
    "ear-hook": FormFactor.EAR_HOOK,
}
USAGE: Final = {
    "commute": "commute",
    "gym": "sport",
    "running": "sport",
    "office": "office",
    "phone": "calls",
    "travel": "travel",
    "sleep": "sleep",
}
STYLE: Final = {**{name: form.value for name, form in CATEGORY_TO_FORM_FACTOR.items()}, "any": "no_preference"}
ANC: Final = {"required": "must", "optional": "nice", "not_needed": "no"}
CONNECTION: Final = {"bluetooth": "wireless", "cable": "wired", "any": "either"}
PROBLEMS: Final = {"falls_out": "falls_out", "pressure": "pressure", "pain": "pain", "none": "none"}
YES_NO: Final = {"yes": True, "no": False}
SIDES: Final = {"L": "left", "R": "right"}
# The legacy budget was the most the shopper would pay, in whole euros; v1 asks for a band.
BUDGET_BANDS: Final = ((50, "under_50"), (150, "50_150"), (300, "150_300"))
LEGACY_TIP_UNKNOWN: Final = ("", "dont_know")
FLAG: Final = {"1": True, "0": False}
# Digits after the point each geometry column keeps (the model's DecimalFields).
PRODUCT_DECIMALS: Final = {
    "nozzle_mm": ("nozzle_diameter_mm", 1),
    "shell_length_mm": ("shell_length_mm", 1),
    "shell_width_mm": ("shell_width_mm", 1),
    "cup_height_mm": ("cup_inner_height_mm", 1),
    "cup_width_mm": ("cup_inner_width_mm", 1),
    "clamp_force_n": ("clamp_force_n", 1),
}


def _lookup(table: dict[str, Any], value: Any, *, reason: str, name: str) -> Any:
    if not isinstance(value, str) or value not in table:
        raise LegacyRowInvalid(reason, f"{name}: {value!r} is not one of {', '.join(sorted(table))}")
    return table[value]


def _decimal(value: str, *, name: str, places: int, required: bool) -> Decimal | None:
    if value.strip() == "":
        if required:
            raise LegacyRowInvalid("invalid_product", f"{name} is required")
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise LegacyRowInvalid("invalid_product", f"{name}: {value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise LegacyRowInvalid("invalid_product", f"{name}: {value!r} must be zero or more")
    return number.quantize(Decimal(1).scaleb(-places))


def product_fields_from_legacy(fields: dict[str, str]) -> dict[str, Any]:
    """The Product fields for one row of products.csv (without validation against the database)."""
    brand, name = fields.get("brand", "").strip(), fields.get("name", "").strip()
    if not brand or not name:
        raise LegacyRowInvalid("invalid_product", "brand and name are required")
    form_factor = _lookup(CATEGORY_TO_FORM_FACTOR, fields.get("category"), reason="invalid_product", name="category")
    ip_rating = fields.get("ip_rating", "").strip().upper() or WaterResistance.NONE.value
    if ip_rating not in {member.value for member in WaterResistance}:
        raise LegacyRowInvalid("invalid_product", f"ip_rating: {ip_rating!r} is not a rating earfit knows")
    try:
        price = Decimal(int(fields.get("price_cents", "").strip())).scaleb(-2)
    except ValueError:
        raise LegacyRowInvalid(
            "invalid_product", f"price_cents: {fields.get('price_cents')!r} is not whole cents"
        ) from None
    mapped: dict[str, Any] = {
        "slug": slugify(f"{brand} {name}")[:120],
        "brand": brand[:80],
        "model": name[:120],
        "form_factor": form_factor.value,
        "tip_sizes": _tip_sizes(fields.get("tips", "")),
        "weight_g": _decimal(fields.get("weight_g", ""), name="weight_g", places=1, required=True),
        "anc": _lookup(FLAG, fields.get("anc"), reason="invalid_product", name="anc"),
        "wireless": _lookup(FLAG, fields.get("wireless"), reason="invalid_product", name="wireless"),
        "microphone": _lookup(FLAG, fields.get("mic"), reason="invalid_product", name="mic"),
        "water_resistance": ip_rating,
        "price": price,
        "currency": fields.get("currency", "").strip().upper() or "EUR",
        "active": not _lookup(FLAG, fields.get("discontinued"), reason="invalid_product", name="discontinued"),
    }
    for column, (target, places) in PRODUCT_DECIMALS.items():
        mapped[target] = _decimal(fields.get(column, ""), name=column, places=places, required=False)
    if form_factor == FormFactor.IN_EAR and not mapped["tip_sizes"]:
        raise LegacyRowInvalid("invalid_product", "an in-ear product needs its tip sizes")
    return mapped


def _tip_sizes(value: str) -> list[str]:
    try:
        return tip_sizes_parse(value)
    except ValueError as exc:
        raise LegacyRowInvalid("invalid_product", str(exc)) from None


def _budget_band(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LegacyRowInvalid("invalid_answers", f"budget: {value!r} is not an amount in euros")
    for ceiling, band in BUDGET_BANDS:
        if value < ceiling:
            return band
    return "over_300"


def answers_from_legacy(legacy: Any, questions: list[Question]) -> dict[str, Any]:
    """Legacy answers → questionnaire v1 answers, validated against v1 like a shopper's."""
    if not isinstance(legacy, dict):
        raise LegacyRowInvalid("invalid_answers", "answers must be an object")
    usage = legacy.get("usage")
    if not isinstance(usage, list):
        raise LegacyRowInvalid("invalid_answers", "usage must be a list")
    problems = legacy.get("problems") or []
    if not isinstance(problems, list):
        raise LegacyRowInvalid("invalid_answers", "problems must be a list")
    tip = legacy.get("tip_size", "")
    answers: dict[str, Any] = {
        "uses": list(dict.fromkeys(_lookup(USAGE, item, reason="invalid_answers", name="usage") for item in usage)),
        "form_factor": _lookup(STYLE, legacy.get("style"), reason="invalid_answers", name="style"),
        "noise_cancelling": _lookup(ANC, legacy.get("anc"), reason="invalid_answers", name="anc"),
        "wireless": _lookup(CONNECTION, legacy.get("connection"), reason="invalid_answers", name="connection"),
        "budget": _budget_band(legacy.get("budget")),
        "glasses": _lookup(YES_NO, legacy.get("glasses"), reason="invalid_answers", name="glasses"),
        "past_problems": [_lookup(PROBLEMS, item, reason="invalid_answers", name="problems") for item in problems],
        "current_tip_size": "unknown" if tip in LEGACY_TIP_UNKNOWN else tip,
    }
    cleaned, errors = answers_validate(questions, {key: value for key, value in answers.items() if value != []})
    if errors:
        key, messages = next(iter(errors.items()))
        raise LegacyRowInvalid("invalid_answers", f"{key}: {messages[0]}")
    return cleaned


@dataclass(frozen=True)
class LegacyConsent:
    version: str
    given_at: datetime
    covers_photos: bool
    text: str


def consent_from_legacy(record: dict[str, Any], consent_texts: dict[str, str]) -> LegacyConsent:
    """The consent a legacy questionnaire was given under; `no_consent` when there was none."""
    consent = record.get("consent")
    if not consent:
        raise LegacyRowInvalid("no_consent", "the questionnaire has no recorded consent")
    if not isinstance(consent, dict) or consent.get("version") not in consent_texts:
        raise LegacyRowInvalid("no_consent", f"consent version {consent!r} has no text in the manifest")
    try:
        given_at = parse_time(str(consent.get("accepted_at", "")))
    except ValueError:
        raise LegacyRowInvalid("no_consent", "the consent has no valid time") from None
    return LegacyConsent(
        version=str(consent["version"]),
        given_at=given_at,
        covers_photos=consent.get("photos") is True,
        text=consent_texts[str(consent["version"])],
    )
