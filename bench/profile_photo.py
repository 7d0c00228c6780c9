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
