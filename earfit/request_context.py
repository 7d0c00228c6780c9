"""The current request's id, readable anywhere in the request without passing the request.

`RequestIdMiddleware` sets it; services read it (the audit trail stores it on every row) so they
need not take the request as an argument. Outside a request (commands, tasks) it is None.
"""

from contextvars import ContextVar

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
