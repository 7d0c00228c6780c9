"""earfit's words, defined once: form factors, water resistance, tip sizes, measurements, units.

Django-free, so the pure ranking reads the same values as the models, the serializers and the
questionnaire. What a photo measures comes from `inference/vocabulary.py` (inference imports no
Django and no app); the product words are defined here. The web client's copies are checked against
the OpenAPI schema built from these (frontend/src/testing/contract.test.ts).
"""

from enum import StrEnum
from itertools import compress, product
from typing import Final, Self

from inference.vocabulary import (
    MEASUREMENT_LABELS,
    MEASUREMENT_NAMES,
    SCALES,
    TIP_SIZE_LABELS,
    TIP_SIZES,
    UNITS,
    Scale,
    TipSize,
    Unit,
)

__all__ = [
    "FORM_FACTOR_CHOICES",
    "HEADBAND",
    "IN_OR_ON_THE_EAR",
    "MEASUREMENT_LABELS",
    "MEASUREMENT_NAMES",
    "SCALES",
    "SCALE_CHOICES",
    "TIP_SIZES",
    "TIP_SIZE_CHOICES",
    "TIP_SIZE_LABELS",
    "TIP_SIZE_LISTS",
    "UNITS",
    "WATER_RESISTANCE_CHOICES",
    "FormFactor",
    "LabelledChoices",
    "Scale",
    "TipSize",
    "Unit",
    "WaterResistance",
    "tip_sizes_problem",
]


class LabelledChoices(StrEnum):
    """A string enum whose members carry a label for people: `IN_EAR = "in_ear", "In-ear"`."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs, as Django's `choices=` and DRF's `ChoiceField` take them."""
        return [(member.value, member.label) for member in cls]


class FormFactor(LabelledChoices):
    IN_EAR = "in_ear", "In-ear"
    EARBUD = "earbud", "Earbud"
    OVER_EAR = "over_ear", "Over-ear"
    ON_EAR = "on_ear", "On-ear"
    OPEN = "open", "Open-ear"
    EAR_HOOK = "ear_hook", "Ear-hook"


FORM_FACTOR_CHOICES: Final = FormFactor.choices()
# Worn in or on the outer ear, against worn on a headband: the two families a shopper's
# preference for one kind carries over to.
IN_OR_ON_THE_EAR: Final = frozenset({FormFactor.IN_EAR, FormFactor.EARBUD, FormFactor.OPEN, FormFactor.EAR_HOOK})
HEADBAND: Final = frozenset({FormFactor.OVER_EAR, FormFactor.ON_EAR})


class WaterResistance(LabelledChoices):
    NONE = "none", "None"
    IPX4 = "IPX4", "IPX4 (splashes)"
    IPX5 = "IPX5", "IPX5 (sweat, jets)"
    IP55 = "IP55", "IP55 (dust and jets)"
    IPX7 = "IPX7", "IPX7 (immersion)"
    IP57 = "IP57", "IP57 (dust and immersion)"
    IP68 = "IP68", "IP68 (dust and submersion)"


WATER_RESISTANCE_CHOICES: Final = WaterResistance.choices()

# Labels as the first migration recorded them (Django's default for an enum member named XS).
TIP_SIZE_CHOICES: Final = [(size, size.capitalize()) for size in TIP_SIZES]
SCALE_LABELS: Final[dict[Scale, str]] = {"mm": "Millimetres (card found)", "relative": "Relative (no card)"}
SCALE_CHOICES: Final = [(scale, SCALE_LABELS[scale]) for scale in SCALES]


# Every list of tip sizes a product can have, as the admin, the import and the demo catalog save it:
# each size once, smallest first (32 lists, the empty one included). The database's check
# constraint admits exactly these, so nothing the ranking cannot read is ever stored.
TIP_SIZE_LISTS: Final[tuple[list[str], ...]] = tuple(
    list(compress(TIP_SIZES, chosen)) for chosen in product((False, True), repeat=len(TIP_SIZES))
)


def tip_sizes_problem(value: object) -> str | None:
    """Why stored tip sizes cannot be read, in words for the catalog manager; None when they can."""
    if not isinstance(value, list) or not all(isinstance(size, str) for size in value):
        return f"Tip sizes must be a list of sizes such as {TIP_SIZES[1]}, {TIP_SIZES[2]} and {TIP_SIZES[3]}."
    unknown = [size for size in value if size not in TIP_SIZES]
    if unknown:
        return f"{', '.join(unknown)} is not a tip size; the sizes are {', '.join(TIP_SIZES)}."
    if value not in TIP_SIZE_LISTS:
        return "List each tip size once, smallest first."
    return None
