"""Validating answers against one questionnaire version: pure, no database."""

from typing import Any

from recommendations.questionnaire.content import Question


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
        # Unanswered: absent or null, an empty list for a multiple choice, an empty string for a single one.
        if (
            value is None
            or (value == [] and question["kind"] == "multi")
            or (value == "" and question["kind"] == "single")
        ):
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
