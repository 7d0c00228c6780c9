"""The committed OpenAPI snapshot is the server's contract with the web client.

frontend/openapi.json is what the client's contract test (frontend/src/testing/contract.test.ts)
checks its zod schemas against. If the server's schema changes, this test fails until the snapshot
is regenerated and committed, so a contract change always shows up in a diff and reaches the
client's test.
"""

import json
from pathlib import Path
from typing import Any

import pytest

SNAPSHOT = Path(__file__).resolve().parents[2] / "frontend" / "openapi.json"
REGENERATE = (
    "DJANGO_SETTINGS_MODULE=earfit.settings.test .venv/bin/python manage.py spectacular "
    "--validate --fail-on-warn --format openapi-json --file frontend/openapi.json"
)


def generated_schema() -> Any:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    # Render and parse as `manage.py spectacular` does, so lazy strings, decimals and the like
    # compare as the JSON that lands in the file.
    return json.loads(OpenApiJsonRenderer().render(schema, renderer_context={}))


def test_the_committed_openapi_snapshot_matches_the_server() -> None:
    assert SNAPSHOT.is_file(), f"{SNAPSHOT} is missing; create it with:\n  {REGENERATE}"
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    current = generated_schema()
    if committed != current:
        changed = sorted(
            name
            for name in set(committed.get("components", {}).get("schemas", {}))
            | set(current.get("components", {}).get("schemas", {}))
            if committed.get("components", {}).get("schemas", {}).get(name)
            != current.get("components", {}).get("schemas", {}).get(name)
        )
        paths = sorted(
            path
            for path in set(committed.get("paths", {})) | set(current.get("paths", {}))
            if committed.get("paths", {}).get(path) != current.get("paths", {}).get(path)
        )
        pytest.fail(
            "The API schema no longer matches frontend/openapi.json "
            f"(changed components: {changed or 'none'}; changed paths: {paths or 'none'}).\n"
            f"Regenerate it, then run the client's contract test (make frontend-test):\n  {REGENERATE}"
        )
