"""The photo path profiled (pyinstrument): `POST /api/v1/fittings/{id}/photos` through Django's
whole stack (middleware, multipart parsing, the view, decode, model, S3 put, the rows) in process,
against the benchmark's database and S3 server. Saves <out>/photo_profile.html and .txt.
Needs Django set up against the benchmark's database (the harness does it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.stack import Stack


def profile(stack: Stack, images: dict[str, tuple[bytes, str]], runs: int, out: Path) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from pyinstrument import Profiler

    from bench.http_bench import FITTING
    from tests.s3 import photos_storage_settings

    setup_test_environment()
    client = Client()
    storage = photos_storage_settings(endpoint=stack.s3.endpoint, bucket=stack.bucket)
    result: dict[str, Any] = {}
    with override_settings(PHOTO_STORAGE="s3", STORAGES=storage):
        created = client.post("/api/v1/fittings", FITTING, content_type="application/json").json()
        auth = {"Authorization": f"Bearer {created['access_token']}"}
        path = f"/api/v1/fittings/{created['id']}/photos"

        def upload(name: str, side: str) -> None:
            data, kind = images[name]
            image = SimpleUploadedFile(f"ear.{kind.split('/')[1]}", data, content_type=kind)
            answer = client.post(path, {"side": side, "image": image}, headers=auth)
            assert answer.status_code == 201, answer.content

        for side in ("left", "right", "left"):  # warm-up: the model session, the S3 clients, a replaced photo
            upload("jpeg_12mp", side)
        profiler = Profiler(interval=0.001)
        profiler.start()
        for n in range(runs):
            upload("jpeg_12mp", ("left", "right")[n % 2])
        profiler.stop()
    out.mkdir(parents=True, exist_ok=True)
    (out / "photo_profile.html").write_text(profiler.output_html())
    (out / "photo_profile.txt").write_text(profiler.output_text(unicode=False, color=False))
    session = profiler.last_session
    if session is not None:
        result = {"uploads": runs, "seconds": round(session.duration, 3), "cpu_seconds": round(session.cpu_time, 3)}
    print(f"  profile of {runs} uploads: {out / 'photo_profile.html'}", flush=True)
    return result


def profile_gunicorn(stack: Stack, images: dict[str, tuple[bytes, str]], runs: int, out: Path) -> dict[str, Any]:
    """py-spy on a gunicorn worker (production settings, one worker) while `runs` phone photos are
    posted on one connection: what the in-process profile cannot see (reading the body from the
    socket, gunicorn, the allocator's page faults). Saves <out>/photo_flame_gunicorn.svg and a
    text summary of the functions that hold the most samples (photo_flame_gunicorn.txt)."""
    import shutil
    import signal
    import subprocess
    import sys
    import time

    from bench.http_bench import EARFIT_APP, earfit_photo_script
    from bench.load import run_load

    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return {"note": "py-spy is not installed (requirements-dev.txt): no flame graph of the gunicorn worker"}
    out.mkdir(parents=True, exist_ok=True)
    data, kind = images["jpeg_12mp"]
    with stack.gunicorn(EARFIT_APP, "earfit-profiled", WEB_CONCURRENCY="1") as server:
        server.wait_ready()
        script = earfit_photo_script(server, 1, data, kind)
        run_load(server, script, connections=1, count=3, seconds=60)  # warm-up
        results: dict[str, Any] = {}
        for fmt, name in (("flamegraph", "photo_flame_gunicorn.svg"), ("raw", "photo_flame_gunicorn.raw")):
            pid = str(server.workers()[0])
            recorder = subprocess.Popen(
                [spy, "record", "--pid", pid, "--rate", "250", "--nonblocking", "--format", fmt, "-o", str(out / name)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            time.sleep(1.0)  # attached
            load = run_load(server, script, connections=1, count=runs, seconds=120).summary()
            recorder.send_signal(signal.SIGINT)
            _, err = recorder.communicate(timeout=60)
            if recorder.returncode != 0 and not (out / name).exists():
                return {"note": f"py-spy could not record the worker: {err.decode(errors='replace')[-300:]}"}
            results[fmt] = load
    raw = out / "photo_flame_gunicorn.raw"
    summary = _inclusive_summary(raw.read_text())
    raw.unlink()
    (out / "photo_flame_gunicorn.txt").write_text(summary)
    print(f"  py-spy of the gunicorn worker over {runs} uploads: {out / 'photo_flame_gunicorn.svg'}", flush=True)
    return {"uploads": runs, "server_cpu_ms_per_request": results["raw"]["server_cpu_ms_per_request"]}


def _inclusive_summary(raw: str, top: int = 60) -> str:
    """Share of samples each earfit, Django, DRF, gunicorn or library function is on the stack for."""
    from collections import Counter

    total = 0
    inclusive: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        for frame in set(stack.split(";")):
            inclusive[frame] += int(count)
    lines = [f"{total} samples (py-spy, 250 Hz, non-idle); share of samples each function is on the stack for\n"]
    lines += [f"{100 * n / max(total, 1):5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines) + "\n"
