"""The access-token throttle: requests that present a fitting's token, counted per fitting.

A token is 256 random bits, so guessing one is hopeless already; the count per fitting (not per
address) still caps how fast anyone, from however many addresses, can try tokens on one fitting.
Requests without a token (a signed-in owner) are not counted here.
"""

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from accounts.authentication import FittingToken


class FittingTokenThrottle(SimpleRateThrottle):
    scope = "fitting_token"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, FittingToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": str(view.kwargs.get("fitting_id", ""))}
