"""The harness's verdict (ratios, not absolute times), its Markdown table and its PNG chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TARGETS = {
    "in_process_over_floor": ("<=", 1.15),
    "http_cpu_over_floor": ("<=", 1.25),
    "earfit_over_legacy_12mp": (">=", 3.5),
    "earfit_over_floor_x_cores": (">=", 0.75),
    "earfit_over_legacy_client": (">=", 8.0),
    "scaling_2_over_1": (">=", 1.8),
    "worker_peak_rss_mib": ("<=", 300.0),
    "upload_handling_cpu_ms": ("<=", 8.0),
    "cold_start_s": ("<=", 3.0),
    "questionnaire_p99_ms": ("<=", 50.0),
    "purge_over_floor_max": ("<=", 1.15),
    "purge_slope": ("<=", 1.15),
    "export_memory_slope": ("<=", 0.1),
    "ranking_slope": ("<=", 1.15),
}


def _best(loads: list[dict[str, Any]]) -> float:
    return max((row["per_second"] for row in loads), default=0.0)


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    cores = result["machine"]["cores"]
    floor = result.get("floor", {}).get("formats", {})
    http = result.get("http", {})
    if "jpeg_12mp" in floor:
        out["in_process_over_floor"] = floor["jpeg_12mp"]["in_process_over_floor"]
    if http:
        big, small = http["earfit"]["jpeg_12mp"], http["earfit"]["client_1280"]
        if "jpeg_12mp" in floor:
            out["http_cpu_over_floor"] = round(big[0]["server_cpu_ms_per_request"] / floor["jpeg_12mp"]["floor_ms"], 2)
            capacity = floor["jpeg_12mp"]["floor_photos_per_s_per_core"] * cores
            out["earfit_over_floor_x_cores"] = round(_best(big) / capacity, 2)
        out["earfit_over_legacy_12mp"] = round(_best(big) / max(_best(http["legacy"]["jpeg_12mp"]), 1e-9), 2)
        out["earfit_over_legacy_client"] = round(_best(small) / max(_best(http["legacy"]["client_1280"]), 1e-9), 2)
        if len(big) > 1:
            out["scaling_2_over_1"] = round(big[1]["per_second"] / max(big[0]["per_second"], 1e-9), 2)
        if "upload_only" in result:
            out["upload_handling_cpu_ms"] = result["upload_only"]["jpeg_12mp"]["server_cpu_ms_per_request"]
        every = [row for app in http.values() for loads in app.values() for row in loads]
        out["errors_under_load"] = sum(row["errors"] for row in every)
        out["worker_peak_rss_mib"] = max(
            row["worker_peak_rss_mib"] for loads in http["earfit"].values() for row in loads
        )
    if "light" in result:
        out["questionnaire_p99_ms"] = result["light"]["recommendation_questionnaire_only"]["p99_ms"]
        capacity = result["light"].get("recommendation_questionnaire_only_capacity")
        if capacity:
            out["questionnaire_capacity_per_s"] = capacity["per_second"]
    if "cold_start" in result:
        out["cold_start_s"] = result["cold_start"]["to_first_photo_s"]
    if "purge" in result:
        out["purge_over_floor_max"] = max(
            (r["purge_over_floor"] for r in result["purge"]["rows"] if "error" not in r), default=0
        )
        out["purge_slope"] = result["purge"]["purge_slope"]
    if "audit_export" in result:
        out["export_memory_slope"] = result["audit_export"]["memory_slope"]
    if "ranking" in result:
        out["ranking_slope"] = result["ranking"]["slope"]
    met = {}
    for key, value in out.items():
        if key in TARGETS:
            op, target = TARGETS[key]
            met[key] = value <= target if op == "<=" else value >= target
    return {"ratios": out, "met": met}


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n"


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    text = f"# make bench ({result['mode']}), {result['when']}\n\n"
    text += (
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']}; load average {m['load_average_start']} at start,"
        f" {m.get('load_average_end')} at the end; {m['shared']}. Took {result.get('seconds')} s.\n\n"
    )
    if "note" in result:
        text += f"Note: {result['note']}.\n\n"
    v = result["verdict"]
    text += "## Verdict\n\n" + _table(
        ["ratio", "measured", "target", "met"],
        [
            [k, val, " ".join(map(str, TARGETS[k])) if k in TARGETS else "", v["met"].get(k, "")]
            for k, val in v["ratios"].items()
        ],
    )
    if "floor" in result:
        text += f"## Floor and in-process (model {result['floor']['model']}, one inference {result['floor']['inference_ms']} ms)\n\n"
        keys = [
            "bytes",
            "floor_decode_ms",
            "floor_ms",
            "in_process_p50_ms",
            "in_process_p95_ms",
            "in_process_over_floor",
        ]
        text += _table(
            ["photo", *keys], [[n, *(row[k] for k in keys)] for n, row in result["floor"]["formats"].items()]
        )
    if "http" in result:
        keys = [
            "per_second",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "errors",
            "server_cpu_ms_per_request",
            "machine_busy_ms_per_request",
            "machine_idle_ms_per_request",
            "worker_peak_rss_mib",
        ]
        rows = [
            [app, photo, row["connections"], row["requests"], *(row.get(k, "") for k in keys)]
            for app, photos in result["http"].items()
            for photo, loads in photos.items()
            for row in loads
        ]
        text += "## Photos over HTTP (gunicorn)\n\n" + _table(["app", "photo", "conns", "n", *keys], rows)
    if "upload_only" in result:
        keys = ["requests", "p50_ms", "p99_ms", "errors", "server_cpu_ms_per_request"]
        rows = [[name, *(row[k] for k in keys)] for name, row in result["upload_only"].items()]
        text += "## Upload handling alone (upload-only endpoint, 1 connection)\n\n" + _table(["photo", *keys], rows)
    if "light" in result:
        keys = ["connections", "pace_s", "requests", "per_second", "p50_ms", "p99_ms", "errors"]
        rows = [[name, *(row.get(k, "") for k in keys)] for name, row in result["light"].items()]
        text += "## Light requests\n\n" + _table(["request", *keys], rows)
    for name in ("cold_start", "model_switch", "model_switch_http"):
        if name in result:
            text += f"## {name.replace('_', ' ')}\n\n" + _table(list(result[name]), [list(result[name].values())])
    for name in ("purge", "audit_export", "ranking"):
        if name in result:
            rows = result[name]["rows"]
            slopes = {k: v for k, v in result[name].items() if k != "rows"}
            header = list(dict.fromkeys(key for row in rows for key in row))
            text += f"## {name.replace('_', ' ')} (slopes {slopes})\n\n" + _table(
                header, [[row.get(key, "") for key in header] for row in rows]
            )
    return text


def chart(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    ax = axes[0][0]
    if "floor" in result:
        formats = result["floor"]["formats"]
        names = list(formats)
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], [formats[n]["floor_ms"] for n in names], 0.4, label="floor")
        ax.bar([x + 0.2 for x in xs], [formats[n]["in_process_p50_ms"] for n in names], 0.4, label="in-process p50")
        ax.set_xticks(list(xs), names)
        ax.set_ylabel("ms per photo")
        ax.legend()
    ax.set_title("floor vs in-process")
    ax = axes[0][1]
    for app, photos in result.get("http", {}).items():
        for photo, loads in photos.items():
            ax.plot(
                [r["connections"] for r in loads], [r["per_second"] for r in loads], marker="o", label=f"{app} {photo}"
            )
    ax.set_title("photos/s over HTTP by connections")
    ax.set_xlabel("connections")
    ax.legend(fontsize=8)
    ax = axes[1][0]
    rows = [row for row in result.get("purge", {}).get("rows", []) if "error" not in row]
    if rows:
        ax.plot([r["photos"] for r in rows], [r["purge_s"] for r in rows], marker="o", label="purge")
        ax.plot([r["photos"] for r in rows], [r["raw_floor_s"] for r in rows], marker="o", label="raw list+delete")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.legend()
    ax.set_title("purge seconds by expired photos")
    ax = axes[1][1]
    if "audit_export" in result:
        rows = result["audit_export"]["rows"]
        ax.plot([r["events"] for r in rows], [r["peak_mib"] for r in rows], marker="o", label="export peak MiB")
    if "ranking" in result:
        rows = result["ranking"]["rows"]
        ax.plot([r["products"] for r in rows], [r["median_ms"] for r in rows], marker="s", label="ranking ms")
    if ax.lines:
        ax.set_xscale("log")
    ax.set_title("export memory (by events) and ranking time (by products)")
    ax.legend()
    fig.suptitle(f"make bench ({result['mode']}), {result['when']}, load avg {result['machine']['load_average_start']}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
