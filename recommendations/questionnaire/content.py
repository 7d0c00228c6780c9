"""The questionnaire's content: version 1's questions, and the consent text shown with it.

Version 1 is seeded by a data migration. A new version is a new row, never an edit: answers stay
valid against the version they were given for.
"""

from typing import Final, Literal, TypedDict, get_args

from recommendations.vocabulary import TIP_SIZE_LABELS, TIP_SIZES, FormFactor

QuestionKind = Literal["single", "multi", "boolean"]
QUESTION_KINDS: Final[tuple[QuestionKind, ...]] = get_args(QuestionKind)


class Choice(TypedDict):
    value: str
    label: str


class Question(TypedDict):
    key: str
    text: str
    help: str
    kind: QuestionKind
    required: bool
    choices: list[Choice]


def _choices(*pairs: tuple[str, str]) -> list[Choice]:
    return [{"value": str(value), "label": label} for value, label in pairs]


QUESTIONNAIRE_V1_TITLE = "Find earphones or a headset that fit you"
QUESTIONNAIRE_V1: list[Question] = [
    {
        "key": "uses",
        "text": "What will you use them for?",
        "help": "Pick all that apply.",
        "kind": "multi",
        "required": True,
        "choices": _choices(
            ("commute", "Commuting"),
            ("sport", "Sport and exercise"),
            ("office", "Office work"),
            ("calls", "Calls and meetings"),
            ("travel", "Travel and flights"),
            ("sleep", "Sleeping"),
        ),
    },
    {
        "key": "form_factor",
        "text": "Which kind do you prefer?",
        "help": "In-ear earphones seal the ear canal; earbuds rest in the outer ear; open-ear leave it free.",
        "kind": "single",
        "required": True,
        "choices": _choices(
            (FormFactor.IN_EAR, "In-ear (with tips)"),
            (FormFactor.EARBUD, "Earbuds (no tips)"),
            (FormFactor.OVER_EAR, "Over-ear headphones"),
            (FormFactor.ON_EAR, "On-ear headphones"),
            (FormFactor.OPEN, "Open-ear"),
            (FormFactor.EAR_HOOK, "Ear-hook (sport)"),
            ("no_preference", "No preference"),
        ),
    },
    {
        "key": "noise_cancelling",
        "text": "Do you want active noise cancelling?",
        "help": "",
        "kind": "single",
        "required": True,
        "choices": _choices(("must", "Yes, it is a must"), ("nice", "Nice to have"), ("no", "Not needed")),
    },
    {
        "key": "wireless",
        "text": "Wireless or wired?",
        "help": "",
        "kind": "single",
        "required": True,
        "choices": _choices(("wireless", "Wireless"), ("wired", "Wired"), ("either", "Either")),
    },
    {
        "key": "budget",
        "text": "What is your budget?",
        "help": "Prices in euros.",
        "kind": "single",
        "required": True,
        "choices": _choices(
            ("under_50", "Under 50"),
            ("50_150", "50 to 150"),
            ("150_300", "150 to 300"),
            ("over_300", "Over 300"),
        ),
    },
    {
        "key": "glasses",
        "text": "Do you wear glasses?",
        "help": "Headphone cushions press glasses' arms against the head.",
        "kind": "boolean",
        "required": True,
        "choices": [],
    },
    {
        "key": "past_problems",
        "text": "Have earphones or headphones given you trouble before?",
        "help": "Pick all that apply.",
        "kind": "multi",
        "required": False,
        "choices": _choices(
            ("falls_out", "They fall out"),
            ("pressure", "Pressure in the ear"),
            ("pain", "Pain or soreness"),
            ("none", "No trouble"),
        ),
    },
    {
        "key": "current_tip_size",
        "text": "Which ear-tip size do you use now, if you know?",
        "help": "",
        "kind": "single",
        "required": False,
        "choices": _choices(*((size, TIP_SIZE_LABELS[size]) for size in TIP_SIZES), ("unknown", "I don't know")),
    },
]

CONSENT_TEXT = (
    "I agree that earfit may use my answers and, if I upload one, a photo of my ear to measure my ear "
    "and recommend earphones or headphones that fit. My photo is stored privately, seen by no one "
    "outside earfit's service, and I can erase my data at any time."
)
CONSENT_PURPOSE = "Measuring your ear and recommending products that fit you."


def retention_statement(days: int) -> str:
    return (
        f"Your ear photos and measurements are deleted automatically {days} days after upload, "
        "or at once when you choose Erase my data."
    )
