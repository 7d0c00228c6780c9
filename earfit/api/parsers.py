"""The JSON body parser every API view uses: DRF's, with nesting that cannot crash a worker.

Python's JSON decoder recurses once per `[` or `{`; a 200 KB body of brackets exhausts the
interpreter's recursion limit and raises `RecursionError`, which DRF's parser does not catch (it
catches `ValueError`). Here that is a 400 like any other malformed body. The body's size is
bounded before parsing: DRF reads `request.body`, which Django caps at
DATA_UPLOAD_MAX_MEMORY_SIZE (a 413 from the exception handler).
"""

from collections.abc import Mapping
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the body is nested too deeply.") from exc
