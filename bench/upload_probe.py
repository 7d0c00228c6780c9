"""The upload-only endpoint `make bench` measures upload handling with; never part of earfit's URLs.

`POST /bench/upload-only` goes through everything the photo upload goes through before the photo
is looked at (gunicorn, every middleware, DRF, the photo view's multipart parser and input
serializer, reading the file's bytes) and answers 204. Its server CPU per request is the cost of
handling the upload itself. Served by `bench.upload_probe_settings` (the production settings with
this URL added), which only the benchmark's gunicorn uses.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from earfit.urls import urlpatterns as earfit_urlpatterns
from recommendations.api.photos import EarPhotoCreateApi

PATH = "/bench/upload-only"


class UploadOnlyApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    parser_classes = EarPhotoCreateApi.parser_classes

    def post(self, request: Request) -> Response:
        serializer = EarPhotoCreateApi.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data["image"].read()
        return Response(status=204, headers={"X-Upload-Bytes": str(len(data))})


urlpatterns = [path(PATH.lstrip("/"), UploadOnlyApi.as_view()), *earfit_urlpatterns]

__all__ = ["PATH", "UploadOnlyApi", "urlpatterns"]
