"""The expected status of every API route, for every caller and every method.

tests/earfit/test_authorization_matrix.py walks the URL configuration and requires an entry here
for each route under `api/` (and each method of it), then checks every status. A new endpoint
without an entry fails that test: whoever adds one decides here who may call it.

Requests carry no body, so a write that reaches its serializer answers 400. `<any_id:photo_id>` is
a photo that does not exist, so even its owner gets 404 there.
"""

ROLES = ("anonymous", "shopper", "owner", "catalog_manager", "auditor", "superuser")
METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")  # DELETE last: it erases

Statuses = dict[str, int]


def everyone(status: int) -> Statuses:
    return dict.fromkeys(ROLES, status)


def owner_only(status: int) -> Statuses:
    """The owner's token opens the fitting; anyone else (signed-in staff too) gets 404."""
    return {**everyone(404), "owner": status}


def auditors_only(status: int) -> Statuses:
    """Anonymous 401; a fitting's token or a signed-in non-auditor 403; the auditor `status`."""
    return {**everyone(403), "anonymous": 401, "auditor": status}


def endpoint(**by_method: Statuses) -> dict[str, Statuses]:
    """Every method of a route; the methods not named answer 405 to everyone."""
    return {method: by_method.get(method, everyone(405)) for method in METHODS}


OPEN_READ = endpoint(GET=everyone(200), HEAD=everyone(200), OPTIONS=everyone(200))
OWNER_POST_400 = endpoint(OPTIONS=everyone(200), POST=owner_only(400))
AUDIT_READ = {method: auditors_only(200 if method in ("GET", "HEAD", "OPTIONS") else 403) for method in METHODS}

MATRIX: dict[str, dict[str, Statuses]] = {
    "api/schema/": OPEN_READ,
    "api/docs/": endpoint(GET=everyone(200), HEAD=everyone(200)),  # an HTML page: no DRF metadata
    "api/v1/questionnaire": OPEN_READ,
    "api/v1/products": OPEN_READ,
    "api/v1/fittings": endpoint(OPTIONS=everyone(200), POST=everyone(400)),
    "api/v1/fittings/<any_id:fitting_id>": endpoint(
        GET=owner_only(200), HEAD=owner_only(200), OPTIONS=everyone(200), DELETE=owner_only(204)
    ),
    "api/v1/fittings/<any_id:fitting_id>/recommendation": endpoint(
        GET=owner_only(200), HEAD=owner_only(200), OPTIONS=everyone(200)
    ),
    "api/v1/fittings/<any_id:fitting_id>/feedback": OWNER_POST_400,
    "api/v1/fittings/<any_id:fitting_id>/photos": OWNER_POST_400,
    "api/v1/fittings/<any_id:fitting_id>/photos/<any_id:photo_id>/overlay": endpoint(
        GET=everyone(404), HEAD=everyone(404), OPTIONS=everyone(200)
    ),
    "api/v1/audit/events": AUDIT_READ,
    "api/v1/audit/events.csv": AUDIT_READ,
}
