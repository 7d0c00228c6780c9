"""The client's address, as the API's throttles and the staff sign-in lockout both see it.

Behind proxies, REMOTE_ADDR is the nearest proxy (the ALB), and X-Forwarded-For is a list that
starts with whatever the client sent. Only the entries the trusted proxies appended are true, so
the client is read `TRUSTED_PROXY_COUNT` entries from the right (none: REMOTE_ADDR). Reading the
first entry instead would let a client choose its address and step around every limit.

A header with fewer entries than that did not come through every trusted proxy, so none of its
entries can be believed: the request counts as coming from the nearest proxy (REMOTE_ADDR), as
does one whose entry at that place is not an IP address. Every such request then shares one
count, rather than each looking like a fresh client. The answer is always an IP address (or
None when even REMOTE_ADDR is not one), never text a client wrote: django-axes stores it in an
IP address column, where anything else was a 500.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _ip_or_none(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address `TRUSTED_PROXY_COUNT` entries from the right of X-Forwarded-For, else REMOTE_ADDR."""
    nearest = _ip_or_none(str(request.META.get("REMOTE_ADDR") or ""))
    count = int(settings.TRUSTED_PROXY_COUNT)
    if count <= 0:
        return nearest
    entries = str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    if len(entries) < count:
        return nearest
    return _ip_or_none(entries[-count]) or nearest
