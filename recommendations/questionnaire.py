"""The questionnaire's content and the pure validation of answers against one version.

Version 1 is seeded by a data migration. A new version is a new row, never an edit: answers stay
valid against the version they were given for.
"""

from typing import Any, Literal, TypedDict

QuestionKind = Literal["single", "multi", "boolean"]


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
    return [{"value": value, "label": label} for value, label in pairs]


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
            ("in_ear", "In-ear (with tips)"),
            ("earbud", "Earbuds (no tips)"),
            ("over_ear", "Over-ear headphones"),
            ("on_ear", "On-ear headphones"),
            ("open", "Open-ear"),
            ("ear_hook", "Ear-hook (sport)"),
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
        "choices": _choices(
            ("XS", "Extra small"),
            ("S", "Small"),
            ("M", "Medium"),
            ("L", "Large"),
            ("XL", "Extra large"),
            ("unknown", "I don't know"),
        ),
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


def answers_validate(questions: list[Question], answers: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Check `answers` against one questionnaire version.

    Returns the cleaned answers (only known keys, multi-choice de-duplicated in the order given)
    and the errors per question key; the answers are valid when the errors are empty.
    """
    if not isinstance(answers, dict):
        return {}, {"answers": ["Answers must be an object keyed by question."]}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    by_key = {question["key"]: question for question in questions}
    for key in answers:
        if key not in by_key:
            errors[key] = ["This question is not part of this questionnaire version."]
    for key, question in by_key.items():
        value = answers.get(key)
        if value is None or value == [] or value == "":
            if question["required"]:
                errors[key] = ["Please answer this question."]
            continue
        allowed = {choice["value"] for choice in question["choices"]}
        if question["kind"] == "boolean":
            if not isinstance(value, bool):
                errors[key] = ["Answer yes or no (true or false)."]
                continue
            cleaned[key] = value
        elif question["kind"] == "single":
            if not isinstance(value, str) or value not in allowed:
                errors[key] = [f"Choose one of: {', '.join(sorted(allowed))}."]
                continue
            cleaned[key] = value
        else:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                errors[key] = ["Answer with a list of choices."]
                continue
            unknown = [item for item in value if item not in allowed]
            if unknown:
                errors[key] = [f"Unknown choice(s): {', '.join(unknown)}."]
                continue
            cleaned[key] = list(dict.fromkeys(value))
    return cleaned, errors
