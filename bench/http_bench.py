"""Sections 2-5 of `make bench`: earfit and the legacy app under gunicorn, photos over HTTP at 1,
2 and 4 connections; questionnaire-only recommendations and the product list at many clients;
cold start and the first photo after a model switch (in process, and over HTTP after an activation)."""

from __future__ import annotations

import http.client
import io
import json
import time
from dataclasses import replace
from typing import Any

from PIL import Image

from bench.load import Call, LoadResult, json_call, multipart, run_load
from bench.stack import Gunicorn, Stack, json_request

ANSWERS = {
    "uses": ["commute"],
    "form_factor": "in_ear",
    "noise_cancelling": "nice",
    "wireless": "wireless",
    "budget": "50_150",
    "glasses": False,
}
FITTING = {"questionnaire_version": 1, "answers": ANSWERS, "consent": {"version": "2026-11-01", "accepted": True}}
EARFIT_APP = "earfit.wsgi:application"
# The production settings with the upload-only endpoint added (bench/upload_probe.py).
PROBE_SETTINGS = "bench.upload_probe_settings"
LEGACY_APP = "bench.legacy_app:app"
PHOTO_KINDS = ("jpeg_12mp", "client_1280")


def fitting(base: str) -> tuple[str, str]:
    created = json_request(base, "POST", "/api/v1/fittings", FITTING)
    return str(created["id"]), str(created["access_token"])


def photo_call(path: str, data: bytes, content_type: str, side: str, token: str = "") -> Call:
    call = multipart({"side": side}, "image", "ear" + content_type.replace("image/", "."), data, content_type)
    headers = call.headers | ({"Authorization": f"Bearer {token}"} if token else {})
    return replace(call, path=path, headers=headers)


def earfit_photo_script(server: Gunicorn, connections: int, data: bytes, content_type: str) -> Any:
    """One fitting per connection; each sends its photo again and again, left and right in turn
    (a new photo of a side replaces the last one, as a shopper's retake does)."""
    fittings = [fitting(server.base) for _ in range(connections)]
    calls = [
        [photo_call(f"/api/v1/fittings/{fid}/photos", data, content_type, side, token) for side in ("left", "right")]
        for fid, token in fittings
    ]
    return lambda index, n: calls[index][n % 2]


def legacy_photo_script(data: bytes, content_type: str) -> Any:
    return _same_call(photo_call("/photos", data, content_type, "left"))


def photo_loads(
    server: Gunicorn, script_for: Any, conns: list[int], count: int, seconds: float
) -> list[dict[str, Any]]:
    out = []
    for connections in conns:
        script = script_for(connections)
        run_load(server, script, connections=connections, count=max(2, connections), seconds=seconds)  # warm-up
        result: LoadResult = run_load(server, script, connections=connections, count=count, seconds=seconds)
        summary = result.summary()
        out.append(summary)
        print(
            f"    {connections} conn: {summary['per_second']} photos/s, p50 {summary['p50_ms']} ms,"
            f" p99 {summary['p99_ms']} ms, errors {summary['errors']}, CPU {summary['server_cpu_ms_per_request']} ms/photo,"
            f" peak RSS {summary['worker_peak_rss_mib']} MiB",
            flush=True,
        )
    return out


def cold_start(server: Gunicorn, images: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    """gunicorn started -> /healthz answered -> first photo answered (the fitting made in between)."""
    healthy = server.wait_ready(timeout=120)
    fid, token = fitting(server.base)
    data, kind = images["client_1280"]
    call = photo_call(f"/api/v1/fittings/{fid}/photos", data, kind, "left", token)
    result = run_load(server, lambda index, n: call, connections=1, count=1, seconds=120)
    out = {
        "to_healthz_s": round(healthy, 2),
        "to_first_photo_s": round(time.monotonic() - server.started_at, 2),
        "first_photo_ms": round(result.latencies[0] * 1000, 1) if result.latencies else None,
        "errors": result.errors,
    }
    print(
        f"  cold start: healthz {out['to_healthz_s']} s, first photo answered {out['to_first_photo_s']} s", flush=True
    )
    return out


def _same_call(call: Call) -> Any:
    return lambda index, n: call


def upload_only(server: Gunicorn, images: dict[str, tuple[bytes, str]], count: int, seconds: float) -> dict[str, Any]:
    """Upload handling alone: each photo kind posted to the upload-only endpoint on 1 connection,
    the server's CPU per request (gunicorn, middleware, the multipart parser, the form checks)."""
    from bench.upload_probe import PATH

    out = {}
    for name in PHOTO_KINDS:
        data, kind = images[name]
        script = _same_call(photo_call(PATH, data, kind, "left"))
        run_load(server, script, connections=1, count=2, seconds=seconds)  # warm-up
        summary = run_load(server, script, connections=1, count=count, seconds=seconds).summary()
        out[name] = summary
        print(
            f"  upload only, {name}: {summary['server_cpu_ms_per_request']} ms server CPU per request,"
            f" p50 {summary['p50_ms']} ms, errors {summary['errors']}",
            flush=True,
        )
    return out


def light_requests(server: Gunicorn, clients: int, count: int, seconds: float, pace: float) -> dict[str, Any]:
    """Questionnaire-only recommendations (each client its own fitting) and the product list, each
    measured twice: `clients` shoppers who each ask once every `pace` seconds (the latency a
    shopper sees when that many use earfit at once), and the same connections asking back to back
    (`<name>_capacity`: the most requests per second the server answers, and the queueing then)."""
    out = {}
    fittings = [fitting(server.base) for _ in range(clients)]
    reads = [json_call("GET", f"/api/v1/fittings/{fid}/recommendation", token=token) for fid, token in fittings]
    scripts = {
        "recommendation_questionnaire_only": lambda index, n: reads[index],
        "product_list": lambda index, n: json_call("GET", "/api/v1/products"),
    }
    for name, script in scripts.items():
        run_load(server, script, connections=clients, count=clients, seconds=seconds)  # warm-up, first reads
        for label, every in ((name, pace), (f"{name}_capacity", 0.0)):
            summary = run_load(server, script, connections=clients, count=count, seconds=seconds, pace=every).summary()
            out[label] = {**summary, "pace_s": every}
            print(
                f"  {label} at {clients} clients{f', each every {every} s' if every else ', back to back'}:"
                f" {summary['per_second']} req/s, p99 {summary['p99_ms']} ms, errors {summary['errors']}",
                flush=True,
            )
    return out


def _other_shipped_version() -> tuple[str, str | None]:
    """The release's default version, and the newest other shipped one (None when there is none)."""
    from inference.registry import available_versions, default_spec

    current = default_spec().version
    others = [v for v in available_versions() if v != current]
    return current, (others[-1] if others else None)


def _photo_once(server: Gunicorn, call: Call) -> tuple[float, int, str]:
    """One photo on a new connection: seconds to the answer, its status, the version that measured it."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        started = time.perf_counter()
        conn.request(call.method, call.path, body=call.body, headers=call.headers)
        answer = conn.getresponse()
        body = answer.read()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    version = json.loads(body).get("model_version") if answer.status == 201 else None
    return elapsed, answer.status, str(version or "")


def model_switch_http(stack: Stack, server: Gunicorn, images: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    """The first photo after an activation, over HTTP: photos on the active version, then the other
    shipped version activated as the admin does (`bench.activate`, outside the timing), then
    photos again (the first one's worker reads the active version anew, loads the other model's
    file, verifies it and makes its session); the original version is activated again after.

    A 422 counts (the other version may refuse the photo: it has measured it all the same); the
    version that measured a 201 shows the switch happened. A new connection per photo, so either
    worker may take it."""
    current, other = _other_shipped_version()
    if other is None:
        return {"note": "only one shipped model version: nothing to switch to"}
    fid, token = fitting(server.base)
    data, kind = images["client_1280"]
    call = photo_call(f"/api/v1/fittings/{fid}/photos", data, kind, "left", token)
    # Warm first: after the light requests a worker may just have been replaced (max_requests),
    # and a fresh worker's first photo loads the model; the steady figure is the median of the last 3.
    before = [_photo_once(server, call) for _ in range(6)][3:]
    stack.run_as_earfit("bench.activate", other)
    after = [_photo_once(server, call) for _ in range(4)]
    stack.run_as_earfit("bench.activate", current)
    out = {
        "from": current,
        "to": other,
        "steady_before_ms": round(1000 * sorted(s for s, _, _ in before)[1], 1),
        "first_after_ms": round(1000 * after[0][0], 1),
        "next_after_ms": [round(1000 * s, 1) for s, _, _ in after[1:]],
        "statuses_after": [status for _, status, _ in after],
        "measured_by_after": [version for _, _, version in after],
    }
    print(
        f"  model switch over HTTP {current} -> {other}: steady {out['steady_before_ms']} ms, first after "
        f"{out['first_after_ms']} ms, then {out['next_after_ms']} ms ({out['statuses_after']})",
        flush=True,
    )
    return out


def http_sections(stack: Stack, images: dict[str, tuple[bytes, str]], sizes: dict[str, Any]) -> dict[str, Any]:
    """One earfit gunicorn (its start is the cold start), then the legacy app: each photo kind at
    each connection count; on earfit also the light requests at many clients."""
    conns, count, seconds = sizes["connections"], sizes["photo_count"], sizes["photo_seconds"]
    out: dict[str, Any] = {"http": {"earfit": {}, "legacy": {}}}
    with stack.gunicorn(EARFIT_APP, "earfit", DJANGO_SETTINGS_MODULE=PROBE_SETTINGS) as server:
        out["cold_start"] = cold_start(server, images)
        print("  upload handling alone (the upload-only endpoint)", flush=True)
        out["upload_only"] = upload_only(server, images, count, seconds)
        for name in PHOTO_KINDS:
            data, kind = images[name]
            print(f"  earfit {name}", flush=True)
            out["http"]["earfit"][name] = photo_loads(
                server, lambda c, d=data, k=kind: earfit_photo_script(server, c, d, k), conns, count, seconds
            )
        print("questionnaire-only recommendations and the product list", flush=True)
        out["light"] = light_requests(
            server, sizes["light_clients"], sizes["light_count"], sizes["light_seconds"], sizes["light_pace"]
        )
        print("the first photo after a model switch, over HTTP", flush=True)
        out["model_switch_http"] = model_switch_http(stack, server, images)
    (stack.directory / "legacy-photos").mkdir(exist_ok=True)
    with stack.gunicorn(LEGACY_APP, "legacy", LEGACY_PHOTO_DIR=str(stack.directory / "legacy-photos")) as server:
        server.wait_ready()
        for name in PHOTO_KINDS:
            data, kind = images[name]
            print(f"  legacy {name}", flush=True)
            out["http"]["legacy"][name] = photo_loads(
                server, lambda c, d=data, k=kind: legacy_photo_script(d, k), conns, count, seconds
            )
    return out


def model_switch(images: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    """The first photo on another shipped model version, in process: that version's file read,
    verified and its session made, as a process does on the first photo after an activation."""
    from inference.predict import analyse_photo
    from inference.registry import default_spec, spec_for_version
    from recommendations.measuring.analysis import photo_measure

    current = default_spec()
    _, other_version = _other_shipped_version()
    if other_version is None:
        return {"note": "only one shipped model version: nothing to switch to"}
    stored = photo_measure(images["client_1280"][0], spec=current).stored_jpeg
    image = Image.open(io.BytesIO(stored)).convert("RGB")
    started = time.perf_counter()
    analyse_photo(image, spec=current)
    steady = time.perf_counter() - started
    started = time.perf_counter()
    other = spec_for_version(other_version)  # reads and verifies the file (sha256), then the session
    analyse_photo(image, spec=other)
    first = time.perf_counter() - started
    out = {
        "from": current.label,
        "to": other.label,
        "first_photo_after_switch_ms": round(first * 1000, 1),
        "steady_photo_ms": round(steady * 1000, 1),
        "note": "in process: the other shipped version read, verified and its session made,"
        " as a process does on its first photo after an activation",
    }
    print(
        f"  model switch {out['from']} -> {out['to']}: first photo {out['first_photo_after_switch_ms']} ms", flush=True
    )
    return out
