"""The API's body parsers: DRF's JSON parser with nesting that cannot crash a worker, and a
multipart parser that reads the body from the socket in one call.

**JSON.** Python's JSON decoder recurses once per `[` or `{`; a 200 KB body of brackets exhausts the
interpreter's recursion limit and raises `RecursionError`, which DRF's parser does not catch (it
catches `ValueError`). Here that is a 400 like any other malformed body. The body's size is
bounded before parsing: DRF reads `request.body`, which Django caps at
DATA_UPLOAD_MAX_MEMORY_SIZE (a 413 from the exception handler).

**Multipart (the photo upload).** Django's multipart parser pulls the body from the WSGI stream
64 KiB at a time; under gunicorn each of those reads copies the server's read-ahead buffer (up to
1 MiB) twice, so reading a 3.5 MB phone photo cost about 40 ms of CPU, more than decoding it
(py-spy on a gunicorn worker, `make bench`). ``WholeBodyMultiPartParser`` reads the declared
length in one call and parses from memory (about 2.5 ms for the same photo). The body is bounded
before it is read: ``RequestBodyLimitMiddleware`` refuses a declared length over REQUEST_MAX_BYTES,
and the file part is held in memory anyway (FILE_UPLOAD_MAX_MEMORY_SIZE is above the photo limit).
"""

import io
from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import DataAndFiles, JSONParser, MultiPartParser


class BoundedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc


class WholeBodyMultiPartParser(MultiPartParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> "DataAndFiles[Any, Any]":
        body = stream.read() if stream is not None else b""
        return super().parse(io.BytesIO(body), media_type, parser_context)
