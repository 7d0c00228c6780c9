"""smoke_test against a small HTTP server on loopback whose answers each test sets: retries until
a check passes, and the failures a stale or wrongly cached release shows. (Its run through a
local CloudFront in front of Django's live server is in test_pipeline.py.)"""

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from deploy import smoke_test
from deploy.publish_frontend import IMMUTABLE, NO_CACHE
from deploy.release_record import record_read
from tests.deploy.conftest import FakeClock, write_build


class Site:
    """Answers from `routes` (path → list of (status, headers, body), the last one repeated)."""

    def __init__(self) -> None:
        self.routes: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                answers = site.routes.get(self.path, [(404, {}, b"")])
                status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    served = Site()
    build = write_build(tmp_path / "dist", version="b2")
    ok_json = {"Content-Type": "application/json"}
    served.routes = {
        "/healthz": [(200, ok_json, b'{"status": "ok"}')],
        "/readyz": [(200, ok_json, b'{"status": "ready"}')],
        "/api/v1/questionnaire": [(200, ok_json, json.dumps({"version": 1, "questions": [{"id": "uses"}]}).encode())],
        "/": [
            (
                200,
                {"Content-Type": "text/html; charset=utf-8", "Cache-Control": NO_CACHE},
                (build / "index.html").read_bytes(),
            )
        ],
        "/assets/index-000000B2.js": [(200, {"Content-Type": "text/javascript", "Cache-Control": IMMUTABLE}, b"x")],
    }
    yield served
    served.server.shutdown()
    served.server.server_close()


def smoke(site: Site, tmp_path: Path, clock: FakeClock) -> tuple[int, str]:
    out = io.StringIO()
    argv = ["--base-url", site.url, "--index", str(tmp_path / "dist" / "index.html"), "--record", str(tmp_path / "record.json"),
            "--timeout", "60", "--poll-interval", "10"]  # fmt: skip
    return smoke_test.main(argv, clock=clock, out=out), out.getvalue()


def test_checks_are_retried_until_they_pass_and_the_release_is_marked_verified(
    site: Site, tmp_path: Path, clock: FakeClock
) -> None:
    ready = b'{"status": "ready", "checks": {}}'
    site.routes["/readyz"] = [(503, {"Retry-After": "30"}, b"{}"), (503, {}, b"{}"), (200, {}, ready)]
    code, out = smoke(site, tmp_path, clock)
    assert code == 0, out
    assert site.hits.count("/readyz") == 3
    assert site.hits.count("/healthz") == 1  # a check that passed is not asked again
    assert clock.sleeps == [10, 10]
    assert record_read(tmp_path / "record.json")["verified"] is True


@pytest.mark.parametrize(
    ("path", "answer", "message"),
    [
        (
            "/",
            (200, {"Content-Type": "text/html", "Cache-Control": NO_CACHE}, b"<html>the release before</html>"),
            "/ is not this release's index.html (a stale copy?)",
        ),
        (
            "/",
            (200, {"Content-Type": "text/html", "Cache-Control": "max-age=3600"}, b""),
            "/ has Cache-Control 'max-age=3600', not no-cache",
        ),
        (
            "/assets/index-000000B2.js",
            (200, {"Cache-Control": "no-cache"}, b"x"),
            "/assets/index-000000B2.js has Cache-Control 'no-cache'",
        ),
        (
            "/api/v1/questionnaire",
            (200, {"Content-Type": "text/html"}, b"<html>"),
            "/api/v1/questionnaire did not answer JSON",
        ),
        ("/readyz", (503, {}, b"{}"), "/readyz answered 503, expected 200"),
        # CloudFront's client-route rewrite answers an extensionless path it does not route to the ALB.
        (
            "/healthz",
            (200, {"Content-Type": "text/html"}, b"<!doctype html><div id=root></div>"),
            "/healthz did not answer JSON (text/html): not routed to the application?",
        ),
        (
            "/readyz",
            (200, {"Content-Type": "application/json"}, b'{"status": "starting"}'),
            "/readyz answered status 'starting', expected 'ready'",
        ),
    ],
)
def test_a_failing_check_fails_the_step_at_the_bound(
    site: Site, tmp_path: Path, clock: FakeClock, path: str, answer: tuple[int, dict[str, str], bytes], message: str
) -> None:
    site.routes[path] = [answer]
    code, out = smoke(site, tmp_path, clock)
    assert code == 1
    assert out.splitlines()[-1] == f"smoke_test: FAILED — 1 check(s) still failing after 60 s: {message}"
    assert "verified" not in record_read(tmp_path / "record.json")
