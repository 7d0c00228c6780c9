"""Log records as JSON lines on stdout, the production format that CloudWatch Logs reads.

One object a line: `time` (UTC, ISO 8601), `level`, `logger`, `message`, `request_id` (the
request's, when there is one), and every field passed with `extra=` at the top level. A record
with `extra={"event": ...}` is a fact an alarm can count: its metric filter matches `$.event`
and reads its numeric fields (`{"event": "celery.queue_depth", "queue": "celery", "depth": 3}`).

No Django import: gunicorn's configuration loads this before Django is set up.
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from earfit.request_context import current_request_id

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def json_stdout_handler() -> logging.Handler:
    """A handler that writes JSON lines to stdout."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    return handler
