"""gunicorn's own log lines (its errors and one access line per request) as JSON on stdout.

The access line carries the request id that `RequestIdMiddleware` put on the response, so a
request's access line and the application's lines about it share one `request_id`. It records
the path without the query string, and no client address: the load balancer's logs hold those.
"""

import logging
from datetime import timedelta
from typing import Any

from gunicorn.glogging import Logger

from earfit.json_logging import json_stdout_handler


def _header(headers: Any, name: str) -> str | None:
    pairs = headers.items() if hasattr(headers, "items") else headers
    for key, value in pairs:
        if key.lower() == name:
            return str(value)
    return None


class JsonLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.addHandler(json_stdout_handler())
            log.propagate = False

    def access(self, resp: Any, req: Any, wsgi_environ: dict[str, Any], request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method, path = wsgi_environ.get("REQUEST_METHOD"), wsgi_environ.get("PATH_INFO")
        fields = {
            "event": "http.request",
            "request_id": _header(resp.headers, "x-request-id"),
            "method": method,
            "path": path,
            "status": int(status),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "bytes": getattr(resp, "sent", None),
            "user_agent": wsgi_environ.get("HTTP_USER_AGENT"),
        }
        try:
            self.access_log.info("%s %s %s", method, path, status, extra=fields)
        except Exception:  # a log line must never fail the request it describes
            logging.getLogger(__name__).exception("access log line failed")
