"""The schema class every API view is described by: each status an operation can answer is in it.

Views declare their own success and specific error responses (with `extend_schema`). What any
operation can answer by the way it is built is added here, in the one error shape, each with an
example: 400 for an operation that takes a body or query parameters, 415 for one with a body, 404
for one with a path parameter (no such object for this client, or a malformed id), 429 for a
throttled one, and 503 for every one (a dependency is down). A declared response without an
example gets the generic one of its status.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema

from earfit.api.serializers import ErrorSerializer

_THROTTLED = {
    "message": "Too many requests. Please wait 45 seconds and try again.",
    "code": "throttled",
    "extra": {"retry_after_seconds": 45},
}
# (description, example summary, example value) for each status the rules below add.
GENERIC_ERRORS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "400": (
        "Invalid input: `extra.fields` names each field and what is wrong with it.",
        "A field is not valid",
        {
            "message": "Some of the data sent is not valid: Must be a valid boolean.",
            "code": "invalid",
            "extra": {"fields": {"wireless": ["Must be a valid boolean."]}},
        },
    ),
    "401": (
        "Not signed in.",
        "Not signed in",
        {"message": "Sign in or present the fitting's access token.", "code": "not_authenticated", "extra": {}},
    ),
    "403": (
        "Signed in, but not allowed to do this.",
        "Not allowed",
        {"message": "You do not have permission to do this.", "code": "permission_denied", "extra": {}},
    ),
    "404": (
        "Not found: no such object for this client (a wrong token and a wrong id look the same), or an id that is not a UUID.",
        "No such fitting for this client",
        {"message": "Not found.", "code": "not_found", "extra": {}},
    ),
    "404-page": (
        "A page past the last one.",
        "No such page",
        {"message": "Invalid page.", "code": "not_found", "extra": {}},
    ),
    "413": (
        "The body is too large.",
        "Too large",
        {
            "message": "The photo is larger than 10 MB. Please send a smaller copy.",
            "code": "file_too_large",
            "extra": {},
        },
    ),
    "415": (
        "The body's media type is not one this operation reads.",
        "Wrong media type",
        {"message": "This request body format is not supported.", "code": "unsupported_media_type", "extra": {}},
    ),
    "422": (
        "Understood, but cannot be processed.",
        "Cannot be processed",
        {"message": "This cannot be processed.", "code": "invalid", "extra": {}},
    ),
    "429": (
        "Throttled: wait the seconds in the `Retry-After` header (also `extra.retry_after_seconds`).",
        "Throttled",
        _THROTTLED,
    ),
    "503": (
        "A dependency (database, cache, storage, broker or model) is down: retry after `Retry-After` seconds.",
        "The database is down",
        {
            "message": "The service is briefly unavailable. Please try again in a moment.",
            "code": "service_unavailable",
            "extra": {"dependency": "database"},
        },
    ),
}
BODY_METHODS = {"POST", "PUT", "PATCH"}


class ApiAutoSchema(AutoSchema):
    def _implied_error_statuses(self, operation: dict[str, Any]) -> list[str]:
        parameters = operation.get("parameters", [])
        statuses = ["503"]
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            statuses.append("400")
        if "requestBody" in operation:
            statuses.append("415")
        if any(p["in"] == "path" for p in parameters):
            statuses.append("404")
        elif self._is_list_view() and getattr(self.view, "pagination_class", None):
            statuses.append("404-page")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses

    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None or not self.path.startswith("/api/"):
            return operation
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for rule in self._implied_error_statuses(operation):
            status = rule.split("-")[0]
            if status not in responses:
                description, summary, value = GENERIC_ERRORS[rule]
                example = {summary.replace(" ", ""): {"value": value, "summary": summary}}
                content = {"schema": error_ref, "examples": example}
                responses[status] = {"content": {"application/json": content}, "description": description}
        for status, response in responses.items():
            for content in response.get("content", {}).values():
                if "examples" not in content and status in GENERIC_ERRORS:
                    _, summary, value = GENERIC_ERRORS[status]
                    content["examples"] = {summary.replace(" ", ""): {"value": value, "summary": summary}}
        operation["responses"] = dict(sorted(responses.items()))
        return operation
