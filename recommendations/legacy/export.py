"""Reading the legacy system's export (docs/legacy-export.md): a folder, a .tar.gz or a .zip.

Nothing here writes to the database. Opening an export checks it as a whole first: the manifest's
format and version, and every listed file's SHA-256 and row count, so a truncated or altered
transfer is refused before anything is imported. Rows are then read one by one; a row that cannot
be parsed is still yielded (with `error` set) so the import can count it as skipped instead of
losing it from the reconciliation.
"""

import csv
import hashlib
import json
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from inference.registry import sha256_file

FORMAT_NAME: Final = "fitfinder-export"
FORMAT_VERSION: Final = 1
DATA_FILES: Final = ("products.csv", "questionnaires.jsonl", "recommendations.csv", "photos.csv")
# The columns each CSV file must have (more are allowed and ignored).
CSV_COLUMNS: Final = {
    "products.csv": frozenset({
        "id", "brand", "name", "category", "tips", "nozzle_mm", "shell_length_mm", "shell_width_mm",
        "cup_height_mm", "cup_width_mm", "weight_g", "clamp_force_n", "anc", "wireless", "ip_rating", "mic",
        "price_cents", "currency", "discontinued",
    }),
    "recommendations.csv": frozenset({"questionnaire_id", "rank", "product_id", "score", "tip_size", "created_at"}),
    "photos.csv": frozenset({"id", "questionnaire_id", "side", "captured_at", "file", "sha256", "content_type"}),
}  # fmt: skip


class LegacyExportInvalid(Exception):
    """The export as a whole cannot be trusted (manifest, checksums, row counts, layout)."""


def _row_digest(row: Any) -> str:
    return hashlib.sha256(json.dumps(row, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_time(value: str) -> datetime:
    """An ISO 8601 time with its zone (the legacy app wrote UTC with a `Z`); ValueError otherwise."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return parsed


@dataclass(frozen=True)
class LegacyRow:
    """One row of a data file: its legacy id, the fields as read, and the digest of those fields.

    `error` is set when the row could not be read at all (bad JSON, no id); `fields` is then empty.
    """

    legacy_id: str
    fields: dict[str, Any]
    sha256: str
    error: str = ""


@dataclass
class LegacyExport:
    """An opened, verified export. Use as a context manager: an archive is unpacked to a temporary
    folder that is removed again on exit."""

    root: Path
    manifest: dict[str, Any]
    _cleanup: Path | None = field(default=None, repr=False)

    def __enter__(self) -> "LegacyExport":
        return self

    def __exit__(self, *exc: object) -> None:
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)

    @property
    def exported_at(self) -> str:
        return str(self.manifest.get("exported_at", ""))

    def rows_expected(self, name: str) -> int:
        return int(self.manifest["files"][name]["rows"])

    def products(self) -> Iterator[LegacyRow]:
        return self._csv("products.csv")

    def recommendations(self) -> Iterator[LegacyRow]:
        """One row per recommended product; the legacy id is `<questionnaire id>:<rank>`."""
        yield from self._csv("recommendations.csv", id_of=lambda r: f"{r['questionnaire_id']}:{r['rank']}")

    def photos(self) -> Iterator[LegacyRow]:
        return self._csv("photos.csv")

    def questionnaires(self) -> Iterator[LegacyRow]:
        with (self.root / "questionnaires.jsonl").open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    if not isinstance(record, dict) or record.get("id") in (None, ""):
                        raise ValueError("a questionnaire needs an id")
                except ValueError as exc:
                    digest = hashlib.sha256(line.encode()).hexdigest()
                    yield LegacyRow(f"line:{number}", {}, digest, error=f"line {number}: {exc}")
                    continue
                yield LegacyRow(str(record["id"]), record, _row_digest(record))

    def photo_file(self, name: str) -> Path | None:
        """The photo file named in photos.csv, or None when it is missing or points outside photos/."""
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return None
        path = self.root / "photos" / Path(*relative.parts)
        return path if path.is_file() else None

    def _csv(self, name: str, id_of: Any = None) -> Iterator[LegacyRow]:
        with (self.root / name).open(encoding="utf-8", newline="") as handle:
            for number, record in enumerate(csv.DictReader(handle), start=2):
                if None in record or any(value is None for value in record.values()):
                    digest = _row_digest({str(k): v for k, v in record.items()})
                    yield LegacyRow(
                        f"line:{number}", {}, digest, error=f"{name} line {number}: wrong number of columns"
                    )
                    continue
                legacy_id = id_of(record) if id_of else record.get("id", "")
                if not legacy_id:
                    yield LegacyRow(f"line:{number}", {}, _row_digest(record), error=f"{name} line {number}: no id")
                    continue
                yield LegacyRow(str(legacy_id), dict(record), _row_digest(record))


def _count_rows(path: Path) -> int:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            return sum(1 for line in handle if line.strip())
    with path.open(encoding="utf-8", newline="") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)


def _header(path: Path) -> frozenset[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(next(csv.reader(handle), []))


def _member_check(archive: Path, name: str, *, plain: bool) -> None:
    """An archive member must be a file or folder that stays inside the export (no link, no device)."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not plain:
        raise LegacyExportInvalid(f"{archive.name}: the member {name!r} is not a file inside the export")


def _unpack(archive: Path) -> tuple[Path, Path]:
    target = Path(tempfile.mkdtemp(prefix="earfit-legacy-"))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as bundle:
                for name in bundle.namelist():
                    _member_check(archive, name, plain=True)
                bundle.extractall(target)  # noqa: S202 -- every member was checked to stay inside, above  # nosec B202
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as bundle:
                # Checked here rather than by extractall's "data" filter, which the Python 3.11 of
                # the image's Debian base (3.11.2) does not have yet.
                members = bundle.getmembers()
                for member in members:
                    _member_check(archive, member.name, plain=member.isfile() or member.isdir())
                bundle.extractall(target, members=members)  # noqa: S202 -- every member was checked, above  # nosec B202
        else:
            raise LegacyExportInvalid(f"{archive.name} is neither a folder, a .tar.gz nor a .zip")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise LegacyExportInvalid(f"{archive.name} cannot be unpacked: {exc}") from exc
    except LegacyExportInvalid:
        shutil.rmtree(target, ignore_errors=True)
        raise
    manifests = list(target.glob("manifest.json")) or list(target.glob("*/manifest.json"))
    if len(manifests) != 1:
        shutil.rmtree(target, ignore_errors=True)
        raise LegacyExportInvalid(f"{archive.name} holds no manifest.json (or more than one)")
    return manifests[0].parent, target


def legacy_export_open(*, path: Path) -> LegacyExport:
    """Open and verify an export; raises LegacyExportInvalid naming the first problem found."""
    if not path.exists():
        raise LegacyExportInvalid(f"{path} does not exist")
    root, cleanup = (path, None) if path.is_dir() else _unpack(path)
    try:
        manifest = _verified_manifest(root)
    except LegacyExportInvalid:
        if cleanup is not None:
            shutil.rmtree(cleanup, ignore_errors=True)
        raise
    return LegacyExport(root=root, manifest=manifest, _cleanup=cleanup)


def _verified_manifest(root: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise LegacyExportInvalid(f"manifest.json cannot be read: {exc}") from exc
    if manifest.get("format") != FORMAT_NAME or manifest.get("format_version") != FORMAT_VERSION:
        raise LegacyExportInvalid(
            f"manifest.json says {manifest.get('format')!r} version {manifest.get('format_version')!r}; "
            f"this importer reads {FORMAT_NAME!r} version {FORMAT_VERSION}"
        )
    files = manifest.get("files", {})
    for name in DATA_FILES:
        listed = files.get(name)
        path = root / name
        if not listed or not path.is_file():
            raise LegacyExportInvalid(f"{name} is missing from the export or from its manifest")
        if sha256_file(path) != listed.get("sha256"):
            raise LegacyExportInvalid(f"{name} does not match the SHA-256 in manifest.json: incomplete or altered")
        if _count_rows(path) != listed.get("rows"):
            raise LegacyExportInvalid(f"{name} has {_count_rows(path)} rows; manifest.json says {listed.get('rows')}")
        missing = CSV_COLUMNS.get(name, frozenset()) - _header(path)
        if missing:
            raise LegacyExportInvalid(f"{name} lacks the column(s) {', '.join(sorted(missing))}")
    if not isinstance(manifest.get("consent_texts"), dict):
        raise LegacyExportInvalid("manifest.json lists no consent_texts")
    return dict(manifest)
