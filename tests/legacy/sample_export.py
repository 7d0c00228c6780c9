"""A sample legacy export (docs/legacy-export.md), generated deterministically from a seed.

    python -m tests.legacy.sample_export OUT_DIR [--questionnaires 10000] [--photos 2000] [--seed 1] [--tar]

The same seed and export date give the same files, byte for byte. What it contains, and what an
import must make of it, is returned as `SampleExpectation`:
- products, some invalid (unknown category, unknown tip size, no price) and one listed twice;
- questionnaires with the legacy app's extra columns (e-mail, IP address: never imported), some
  without consent, some with answers v1 cannot hold, a duplicate id and a few unreadable lines;
- 3 to 5 recommended products per questionnaire, a few naming a product that is not imported,
  two with a rank given twice;
- photos with EXIF (capture time, GPS, camera), a quarter taken before the retention period,
  a few corrupt (truncated, empty, an HTML page named .jpg), one whose file is missing, one whose
  checksum does not match, some whose consent did not cover photos, some superseded by a later
  photo of the same ear.
Photos are rendered by the project's own renderer (ear and card); a pool of renders is reused,
and every file differs in its metadata, so the sample stays quick to make.
"""

import argparse
import csv
import hashlib
import io
import json
import random
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

CONSENT_TEXTS = {
    "2021-03": "I agree that FitFinder stores my answers to recommend headphones.",
    "2023-09": "I agree that FitFinder stores my answers and ear photos to recommend headphones that fit.",
}
CATEGORIES = ["in-ear", "earbuds", "over-ear", "on-ear", "open-ear", "ear-hook"]
BRANDS = ["Auralis", "Brindle", "Cobalt Audio", "Dunmore", "Elkhorn", "Fenwick", "Galena", "Harrow"]
USAGE = ["commute", "gym", "running", "office", "phone", "travel", "sleep"]
STYLES = [*CATEGORIES, "any"]
PROBLEMS = ["falls_out", "pressure", "pain", "none"]
TIPS = ["", "dont_know", "XS", "S", "M", "L", "XL"]
RENDER_POOL = 24
PHOTO_COLUMNS = ("id", "questionnaire_id", "side", "captured_at", "file", "sha256", "content_type")
CORRUPTIONS = ("truncated", "empty", "html", "truncated", "empty", "html")


@dataclass
class SampleExpectation:
    """What a correct import of this sample reports (photos: except what the quality gate refuses)."""

    read: dict[str, int]
    imported: dict[str, int]
    skipped: dict[str, Counter[str]] = field(default_factory=dict)
    # Photos that reach the measuring step: imported, or refused by its quality gate ("unusable").
    photos_measured: int = 0
    past_retention_ids: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)


def _exif_jpeg(image: Image.Image, captured: datetime, rng: random.Random) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "LegacyCam"  # Make
    exif[0x0110] = f"Model {rng.randint(1, 9)}"
    exif[0x0131] = "FitFinder 3.2"  # Software
    exif.get_ifd(0x8769)[0x9003] = captured.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 31.0, float(rng.randint(0, 59))), 3: "E", 4: (13.0, 24.0, 7.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def _png(image: Image.Image, captured: datetime) -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Creation Time", captured.isoformat())
    info.add_text("Comment", "uploaded with FitFinder")
    buffer = io.BytesIO()
    image.save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def _render_pool(count: int, seed: int) -> list[Image.Image]:
    from inference.training.renderer import render_photo

    return [render_photo(seed * 1000 + i, size=(640, 480), ear=True, card=True).image for i in range(count)]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _products(rng: random.Random, count: int) -> tuple[list[dict[str, Any]], list[str], Counter[str]]:
    rows, valid, skipped = [], [], Counter[str]()
    for number in range(1, count + 1):
        category = CATEGORIES[number % len(CATEGORIES)]
        cup = category in ("over-ear", "on-ear")
        row = {
            "id": str(number),
            "sku": f"FF-{number:05d}",
            "brand": BRANDS[number % len(BRANDS)],
            "name": f"{category.title()} {100 + number}",
            "category": category,
            "tips": "S/M/L" if category == "in-ear" else "",
            "nozzle_mm": f"{rng.uniform(4.5, 6.5):.1f}" if category == "in-ear" else "",
            "shell_length_mm": "" if cup else f"{rng.uniform(17, 24):.1f}",
            "shell_width_mm": "" if cup else f"{rng.uniform(14, 20):.1f}",
            "cup_height_mm": f"{rng.uniform(50, 65):.1f}" if cup else "",
            "cup_width_mm": f"{rng.uniform(38, 48):.1f}" if cup else "",
            "weight_g": f"{rng.uniform(4, 320):.1f}",
            "clamp_force_n": f"{rng.uniform(2, 6):.1f}" if cup else "",
            "anc": rng.choice("01"),
            "wireless": rng.choice("01"),
            "ip_rating": rng.choice(["", "IPX4", "IPX5", "IP55"]),
            "mic": "1",
            "price_cents": str(rng.randint(19, 450) * 100 + 99),
            "currency": "EUR",
            "discontinued": "1" if number % 9 == 0 else "0",
        }
        rows.append(row)
        valid.append(row["id"])
    # Rows the import must refuse, and a brand and model listed twice.
    broken = [("category", "helmet"), ("tips", "S/XXL"), ("price_cents", "")]
    for offset, (column, value) in enumerate(broken):
        rows[offset + 1][column] = value
        if column == "tips":
            rows[offset + 1]["category"] = "in-ear"
        valid.remove(rows[offset + 1]["id"])
        skipped["invalid_product"] += 1
    twin = dict(rows[10], id=str(count + 1), sku="FF-TWIN")
    rows.append(twin)
    skipped["duplicate"] += 1
    return rows, valid, skipped


def _answers(rng: random.Random) -> dict[str, Any]:
    return {
        "usage": rng.sample(USAGE, rng.randint(1, 3)),
        "style": rng.choice(STYLES),
        "anc": rng.choice(["required", "optional", "not_needed"]),
        "connection": rng.choice(["bluetooth", "cable", "any"]),
        "budget": rng.choice([30, 49, 80, 150, 220, 299, 400]),
        "glasses": rng.choice(["yes", "no"]),
        "problems": rng.sample(PROBLEMS, rng.randint(0, 2)),
        "tip_size": rng.choice(TIPS),
    }


def generate_sample_export(
    out: Path,
    *,
    questionnaires: int = 10_000,
    photos: int = 2_000,
    products: int = 60,
    seed: int = 1,
    exported_at: datetime | None = None,
    retention_days: int = 90,
) -> SampleExpectation:
    """Write the export into `out` (created) and return what its import must report."""
    if photos > questionnaires:
        raise ValueError("at most one photo per questionnaire is planned, plus a few retakes")
    rng = random.Random(seed)  # noqa: S311 -- sample data, reproducible from the seed; nothing secret
    exported_at = (exported_at or datetime.now(UTC)).replace(microsecond=0)
    out.mkdir(parents=True, exist_ok=True)
    (out / "photos").mkdir(exist_ok=True)
    product_rows, valid_products, product_skips = _products(rng, products)

    # Questionnaires: which ones the import keeps, and why the others go.
    q_rows: list[str] = []
    q_skips: Counter[str] = Counter()
    imported_q: list[str] = []
    photo_consent: dict[str, bool] = {}
    for number in range(1, questionnaires + 1):
        qid = str(100_000 + number)
        created = exported_at - timedelta(days=rng.uniform(1, 900), seconds=rng.randint(0, 86_399))
        version = "2023-09" if number % 3 else "2021-03"
        record: dict[str, Any] = {
            "id": int(qid),
            "created_at": _iso(created),
            "form_version": 3,
            "answers": _answers(rng),
            "consent": {"version": version, "accepted_at": _iso(created), "photos": version == "2023-09"},
            "email": f"shopper{number}@example.invalid",
            "ip_address": f"192.0.2.{number % 250}",
        }
        if number % 97 == 0:
            record["consent"] = None
            q_skips["no_consent"] += 1
        elif number % 211 == 0:
            record["answers"]["style"] = "helmet"
            q_skips["invalid_answers"] += 1
        else:
            imported_q.append(qid)
            photo_consent[qid] = record["consent"]["photos"]
        q_rows.append(json.dumps(record, sort_keys=True))
    q_rows.insert(len(q_rows) // 3, '{"id": 7, "created_at": "2024-01-0')  # cut short by the old app
    q_rows.insert(len(q_rows) // 2, "not json at all")
    q_rows.insert(2 * len(q_rows) // 3, json.dumps({"answers": {}}))  # no id
    q_skips["invalid_row"] += 3
    q_rows.append(q_rows[5] if json.loads(q_rows[5]).get("id") else q_rows[6])  # the same id twice
    q_skips["duplicate"] += 1

    # Recommendations: 3 to 5 products for every questionnaire the legacy app answered.
    r_rows: list[dict[str, str]] = []
    r_skips: Counter[str] = Counter()
    r_imported = 0
    bad_product = str(2)  # refused above (unknown category)
    imported_set = set(imported_q)
    for number in range(1, questionnaires + 1):
        qid = str(100_000 + number)
        chosen = rng.sample(valid_products, rng.randint(3, 5))
        recommended_at = _iso(exported_at - timedelta(days=rng.uniform(1, 900)))
        reason = ""
        if qid not in imported_set:
            reason = "questionnaire_not_imported"
        elif number % 149 == 0:
            chosen[-1] = bad_product
            reason = "unknown_product"
        ranks = list(range(1, len(chosen) + 1))
        if not reason and number % 733 == 0:
            ranks[-1] = 1
            reason = "invalid_row"
        for rank, product in zip(ranks, chosen, strict=True):
            r_rows.append(
                {
                    "questionnaire_id": qid,
                    "rank": str(rank),
                    "product_id": product,
                    "score": f"{rng.uniform(40, 99):.1f}",
                    "tip_size": rng.choice(["", "S", "M", "L"]),
                    "created_at": recommended_at,
                }
            )
        if reason:
            r_skips[reason] += len(chosen)
        else:
            r_imported += len(chosen)

    # Photos: one per chosen questionnaire and ear, a quarter before the retention period.
    pool = _render_pool(min(RENDER_POOL, max(photos, 1)), seed)
    with_photos = [qid for qid in imported_q if photo_consent[qid]]
    without_photo_consent = [qid for qid in imported_q if not photo_consent[qid]]
    p_rows: list[dict[str, str]] = []
    p_skips: Counter[str] = Counter()
    measured = 0
    past_ids: list[str] = []
    past_count = photos // 4
    special = ["no_photo_consent", "no_photo_consent", "questionnaire_not_imported", "superseded", "superseded"]
    special += ["missing_file", "checksum_mismatch", *CORRUPTIONS]
    if photos < 4 * len(special):  # too few photos for the odd cases: plain ones only
        special = []
    plain = photos - len(special)
    # One questionnaire per photo (each its own ear), but the two superseded photos share one.
    targets = rng.sample(with_photos, photos)
    for number in range(photos):
        pid = str(500_000 + number)
        kind = "plain" if number < plain else special[number - plain]
        qid, side = targets[number], rng.choice("LR")
        if kind == "no_photo_consent":
            qid = without_photo_consent[number % len(without_photo_consent)]
        elif kind == "questionnaire_not_imported":
            qid = "100097"  # no consent, so not imported
        elif kind == "superseded":
            qid, side = targets[plain], "R"
        if kind == "plain" and number < past_count:
            captured = exported_at - timedelta(days=retention_days + rng.uniform(2, 700))
            past_ids.append(pid)
        elif kind == "superseded":
            captured = exported_at - timedelta(days=10 + number - plain)  # the later one wins
        else:
            captured = exported_at - timedelta(days=rng.uniform(2, retention_days - 3))
        image = pool[number % len(pool)]
        png = number % 10 == 3 and kind == "plain"
        data = _png(image, captured) if png else _exif_jpeg(image, captured, rng)
        listed_sha = hashlib.sha256(data).hexdigest()
        name = f"{pid}.{'png' if png else 'jpg'}"
        if kind == "truncated":
            data = data[: len(data) // 3]
            listed_sha = hashlib.sha256(data).hexdigest()
        elif kind == "empty":
            data, listed_sha = b"", hashlib.sha256(b"").hexdigest()
        elif kind == "html":
            data = b"<!DOCTYPE html><html><body>Session expired. Please log in.</body></html>\n"
            listed_sha = hashlib.sha256(data).hexdigest()
        elif kind == "checksum_mismatch":
            listed_sha = "0" * 64
        if kind != "missing_file":
            (out / "photos" / name).write_bytes(data)
        p_rows.append(
            {
                "id": pid,
                "questionnaire_id": qid,
                "side": side,
                "captured_at": _iso(captured),
                "file": name,
                "sha256": listed_sha,
                "content_type": "image/png" if png else "image/jpeg",
            }
        )
        if kind == "plain" and number < past_count:
            p_skips["past_retention"] += 1
        elif kind == "plain":
            measured += 1
        elif kind == "superseded":
            pass
        else:
            p_skips["corrupt" if kind in CORRUPTIONS else kind] += 1
    if special:  # of the two photos of one ear, the earlier is superseded and the later measured
        p_skips["superseded"] += 1
        measured += 1
    p_rows.sort(key=lambda row: row["id"])

    files = {
        "products.csv": _write_csv(out / "products.csv", product_rows),
        "questionnaires.jsonl": _write_lines(out / "questionnaires.jsonl", q_rows),
        "recommendations.csv": _write_csv(out / "recommendations.csv", r_rows),
        "photos.csv": _write_csv(out / "photos.csv", p_rows, PHOTO_COLUMNS),
    }
    counts = {
        "products.csv": len(product_rows),
        "questionnaires.jsonl": len(q_rows),
        "recommendations.csv": len(r_rows),
        "photos.csv": len(p_rows),
    }
    manifest = {
        "format": "fitfinder-export",
        "format_version": 1,
        "exported_at": _iso(exported_at),
        "source": "FitFinder 3.2 (Flask), flask export-data",
        "consent_texts": CONSENT_TEXTS,
        "files": {name: {"sha256": files[name], "rows": counts[name]} for name in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return SampleExpectation(
        read={
            "product": len(product_rows),
            "questionnaire": len(q_rows),
            "recommendation": len(r_rows),
            "photo": len(p_rows),
        },
        imported={
            "product": len(valid_products),
            "questionnaire": len(imported_q),
            "recommendation": r_imported,
        },
        skipped={"product": product_skips, "questionnaire": q_skips, "recommendation": r_skips, "photo": p_skips},
        photos_measured=measured,
        past_retention_ids=past_ids,
        files=files,
    )


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: tuple[str, ...] = ()) -> str:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns or rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_lines(path: Path, lines: list[str]) -> str:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pack_tar(folder: Path, archive: Path) -> Path:
    """The export as the legacy data centre hands it over: one .tar.gz holding the folder."""
    with tarfile.open(archive, "w:gz") as bundle:
        bundle.add(folder, arcname=folder.name)
    return archive


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a sample legacy export (docs/legacy-export.md).")
    parser.add_argument("out", type=Path)
    parser.add_argument("--questionnaires", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--tar", action="store_true", help="Also pack it as OUT.tar.gz.")
    args = parser.parse_args()
    expected = generate_sample_export(args.out, questionnaires=args.questionnaires, photos=args.photos, seed=args.seed)
    if args.tar:
        pack_tar(args.out, args.out.with_name(args.out.name + ".tar.gz"))
    print(
        json.dumps({"read": expected.read, "imported": expected.imported, "photos_measured": expected.photos_measured})
    )


if __name__ == "__main__":
    main()
