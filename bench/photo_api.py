"""Benchmark: the 12 MP phone photo in process and through the real HTTP API, side by side.

    .venv/bin/python -m bench.photo_api [--runs 21]

Starts earfit (`manage.py runserver --noreload`, local settings) on a free loopback port with a
throw-away SQLite database and photo directory, creates a fitting over HTTP, then times
`POST /api/v1/fittings/{id}/photos` with the 4032x3024 JPEG beside the in-process paths of
`bench.photo_decode` (which draws the chart). The server is stopped by its own process id.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

from bench import photo_decode
from bench.http_bench import ANSWERS
from tests.embedded_server import embedded_earfit

ROOT = Path(__file__).resolve().parents[1]


def earfit_server() -> AbstractContextManager[str]:
    return embedded_earfit()


def _json(request: urllib.request.Request) -> dict[str, object]:
    with urllib.request.urlopen(request, timeout=60) as response:
        return dict(json.loads(response.read()))


def create_fitting(base: str) -> tuple[str, str]:
    body = json.dumps(
        {"questionnaire_version": 1, "answers": ANSWERS, "consent": {"version": "2026-11-01", "accepted": True}}
    ).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/fittings", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    created = _json(request)
    return str(created["id"]), str(created["access_token"])


def upload_through_api(base: str, fitting_id: str, token: str) -> photo_decode.PhotoPath:
    def post(data: bytes) -> object:
        boundary = uuid.uuid4().hex
        body = b"".join(
            [
                f'--{boundary}\r\nContent-Disposition: form-data; name="side"\r\n\r\nleft\r\n'.encode(),
                f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="ear.jpg"\r\n'.encode(),
                b"Content-Type: image/jpeg\r\n\r\n",
                data,
                f"\r\n--{boundary}--\r\n".encode(),
            ]
        )
        request = urllib.request.Request(
            f"{base}/api/v1/fittings/{fitting_id}/photos",
            data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        return _json(request)

    return post


def main(argv: list[str] | None = None) -> None:
    with earfit_server() as base:
        fitting_id, token = create_fitting(base)
        photo_decode.main(argv, extra_paths={"through the HTTP API": upload_through_api(base, fitting_id, token)})


if __name__ == "__main__":
    main()
