"""Schemathesis hooks for tests/earfit/test_schemathesis.py (loaded through SCHEMATHESIS_HOOKS).

Two shoppers own one fitting each (EARFIT_SCHEMATHESIS_OWNERS: their ids and tokens, and the
catalog's product ids). Each generated request is sent as one of them, about a fitting that is
theirs or the other's: a well-formed fitting id becomes one of the two real ones, so the
generated requests reach the views' logic instead of stopping at "no such fitting". A check then
holds every request made with one shopper's token about the other's fitting to a 404 with nothing
of the fitting in it. An erase is only ever sent about the other shopper's fitting, so both
fittings live through the run and every later request still has something to find.
Each cross-owner request is logged (EARFIT_SCHEMATHESIS_LOG) so the test can count them.
"""

import json
import os
import random
import uuid
from typing import Any

import schemathesis

_CONFIG = json.loads(os.environ.get("EARFIT_SCHEMATHESIS_OWNERS", '{"owners": [], "products": []}'))
OWNERS: list[dict[str, str]] = _CONFIG["owners"]
PRODUCTS: list[int] = _CONFIG["products"]
_RANDOM = random.Random(int(os.environ.get("EARFIT_SCHEMATHESIS_SEED", "17")))  # noqa: S311 -- test data, not secrets


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _owner_of_token(headers: Any) -> int | None:
    value = (headers or {}).get("Authorization", "")
    return next((i for i, owner in enumerate(OWNERS) if value == f"Bearer {owner['token']}"), None)


def _owner_of_fitting(case: Any) -> int | None:
    fitting = (case.path_parameters or {}).get("fitting_id")
    return next((i for i, owner in enumerate(OWNERS) if fitting == owner["id"]), None)


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if not OWNERS:
        return
    holder = _RANDOM.randrange(len(OWNERS))
    # Always one of the two shoppers: a generated token would only ever meet a 404.
    case.headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    case.headers["Authorization"] = f"Bearer {OWNERS[holder]['token']}"
    parameters = case.path_parameters or {}
    if "fitting_id" in parameters and _is_uuid(parameters["fitting_id"]):
        others = [i for i in range(len(OWNERS)) if i != holder]
        erase = case.method == "DELETE" and others
        target = _RANDOM.choice(others) if erase else _RANDOM.randrange(len(OWNERS))
        parameters["fitting_id"] = OWNERS[target]["id"]
    body = case.body
    if PRODUCTS and isinstance(body, dict) and type(body.get("product_id")) is int and body["product_id"] >= 1:
        body["product_id"] = _RANDOM.choice(PRODUCTS)


@schemathesis.check
def another_shoppers_fitting_is_404(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.request.method != case.operation.method.upper():
        return None  # a probe of another method (unsupported_method's TRACE or OPTIONS), not this operation
    holder, owner = _owner_of_token(case.headers), _owner_of_fitting(case)
    if holder is None or owner is None or holder == owner:
        return None
    log = os.environ.get("EARFIT_SCHEMATHESIS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{case.method} {case.formatted_path} {response.status_code}\n")
    if response.status_code != 404:
        raise AssertionError(
            f"{case.method} {case.formatted_path} with another shopper's token answered {response.status_code}, not 404"
        )
    if OWNERS[owner]["id"].encode() in response.content:
        raise AssertionError(f"{case.method} {case.formatted_path} with another shopper's token shows the fitting")
    return None
