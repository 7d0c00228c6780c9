"""The release record: what a deployment changed, written as it goes, so the rollback step can undo it.

One JSON file in the deployment's working directory. `roll_service` writes the services'
previous task definitions before it changes any; `publish_frontend` the previous `index.html`
and release manifest before it replaces them; `smoke_test` marks the release verified. The
rollback step (a final task: it runs whether the others passed or not) undoes what the record
says was changed, unless the release was verified.
"""

import json
from pathlib import Path
from typing import Any

from deploy.runtime import file_write_whole

VERSION = 1


def record_read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": VERSION}
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def record_update(path: Path, **changes: Any) -> dict[str, Any]:
    """Merge `changes` into the record and write it whole."""
    record = record_read(path)
    record.update(changes)
    file_write_whole(path, json.dumps(record, indent=2, sort_keys=True))
    return record
