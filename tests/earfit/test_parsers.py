"""The photo upload's multipart parser reads the body from the server in one call and parses the
same form Django's parser does."""

import io
from typing import Any

import pytest
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.test import RequestFactory
from rest_framework.exceptions import ParseError

from bench.load import multipart
from earfit.api.parsers import WholeBodyMultiPartParser


class CountingStream(io.BytesIO):
    """A request body that counts how often it is read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.reads += 1
        return super().read(size)


def _parse(body: bytes, content_type: str) -> tuple[Any, CountingStream]:
    request = RequestFactory().post("/", data=body, content_type=content_type)
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    stream = CountingStream(body)
    parsed = WholeBodyMultiPartParser().parse(stream, content_type, {"request": request})
    return parsed, stream


def test_the_body_is_read_in_one_call_and_the_file_and_fields_come_out_whole() -> None:
    photo = bytes(range(256)) * 20_000  # 5 MB: many of Django's 64 KiB chunks
    call = multipart({"side": "left"}, "image", "ear.jpeg", photo, "image/jpeg")
    parsed, stream = _parse(call.body, call.headers["Content-Type"])
    assert stream.reads == 1
    assert parsed.data["side"] == "left"
    upload = parsed.files["image"]
    assert upload.name == "ear.jpeg"
    assert upload.read() == photo


def test_a_malformed_body_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="Multipart form parse error"):
        _parse(b"--x\r\nnot a part", "multipart/form-data; boundary=")
