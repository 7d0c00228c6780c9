"""The one application error: services raise it, one handler renders it."""

from typing import Any


class ApplicationError(Exception):
    """A failure the client should see: a message for people, a code for programs."""

    status_code = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        extra: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class DependencyUnavailable(ApplicationError):
    """A backing service (database, storage, broker, model) is down: 503 with Retry-After."""

    status_code = 503

    def __init__(self, dependency: str, message: str | None = None) -> None:
        super().__init__(
            message or "The service is briefly unavailable. Please try again in a moment.",
            code="service_unavailable",
            extra={"dependency": dependency},
        )
        self.dependency = dependency
