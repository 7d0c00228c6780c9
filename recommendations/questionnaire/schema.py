"""A questionnaire version's answers as a JSON schema (OpenAPI 3.0 dialect): what
`answers_validate` accepts, neither more nor less, so the API's documentation of the answers is
exact. A required question needs an answer; an optional one may be absent, null or empty."""

from typing import Any

from recommendations.questionnaire.content import Question


def _answer_schema(question: Question) -> dict[str, Any]:
    values = [choice["value"] for choice in question["choices"]]
    if question["kind"] == "boolean":
        schema: dict[str, Any] = {"type": "boolean"}
    elif question["kind"] == "single":
        schema = {"type": "string", "enum": values if question["required"] else [*values, ""]}
    else:
        schema = {"type": "array", "items": {"type": "string", "enum": values}}
        if question["required"]:
            schema["minItems"] = 1
    if not question["required"]:
        schema["nullable"] = True  # OpenAPI 3.0: an enum that allows null lists it
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    schema["description"] = question["text"]
    return schema


def answers_json_schema(questions: list[Question]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {question["key"]: _answer_schema(question) for question in questions},
        "required": [question["key"] for question in questions if question["required"]],
        "additionalProperties": False,
        "description": "Answers keyed by question key, as the active questionnaire defines them.",
    }
