"""The client's address, as the API's throttles and the staff sign-in lockout both see it.

Behind proxies, REMOTE_ADDR is the nearest proxy (the ALB), and X-Forwarded-For is a list that
starts with whatever the client sent. Only the entries the trusted proxies appended are true, so
the client is read `TRUSTED_PROXY_COUNT` entries from the right (none: REMOTE_ADDR). Reading the
first entry instead would let a client choose its address and step around every limit.
"""

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str | None:
    """DRF's rule (`REST_FRAMEWORK["NUM_PROXIES"]`, set from TRUSTED_PROXY_COUNT), for django-axes too."""
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]
