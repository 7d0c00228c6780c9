"""Ear photo upload and the owner's measurement overlay."""

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import OwnerChecksInSelector
from earfit.api.parsers import WholeBodyMultiPartParser
from earfit.api.serializers import ErrorSerializer
from earfit.exceptions import ApplicationError
from earfit.throttling import PhotoUploadThrottle
from recommendations.api import examples
from recommendations.api.common import (
    ERRORS,
    FITTING_ID,
    PHOTO_ID,
    EarPhotoSerializer,
    FittingResponseMixin,
    fitting_for_request,
    uuid_or_404,
)
from recommendations.api.throttles import FittingTokenThrottle
from recommendations.models import EarSide
from recommendations.photos.selectors import ear_photo_get_for_fitting, ear_photo_overlay
from recommendations.photos.services.upload import ear_photo_ingest

# The upload's limit as people read it, in the schema and in the 413: from the one setting.
_MAX_MB = settings.PHOTO_MAX_BYTES // (1024 * 1024)


def _reason(codes: tuple[str, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "code": {"type": "string", "enum": list(codes)},
            "message": {"type": "string", "description": "How to retake the photo, for people."},
        },
        "required": ["code", "message"],
    }


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "properties": {
            "reasons": {
                "type": "array",
                "items": _reason(examples.PHOTO_REJECTION_REASONS),
                "description": "Why the photo was refused, the primary reason first.",
            },
            "warnings": {
                "type": "array",
                "items": _reason(examples.PHOTO_WARNING_REASONS),
                "description": "What would not have refused the photo on its own.",
            },
            "guidance": {"type": "string", "description": "How to retake the photo."},
        },
    }
)
class PhotoRejectedExtraField(serializers.DictField):
    """`extra` of a refused photo: a map, as in every error, with the quality check's codes enumerated."""


PHOTO_REJECTED = inline_serializer(
    "PhotoRejected",
    {
        "message": serializers.CharField(help_text="The primary reason's retake advice, for people."),
        "code": serializers.ChoiceField(choices=examples.PHOTO_UNPROCESSABLE_CODES),
        "extra": PhotoRejectedExtraField(),
    },
)


def _example(summary: str, value: object, status: int) -> OpenApiExample:
    return OpenApiExample(summary, value=value, response_only=True, status_codes=[str(status)])


class EarPhotoCreateApi(FittingResponseMixin, APIView):
    permission_classes = [OwnerChecksInSelector]
    throttle_classes = [PhotoUploadThrottle, FittingTokenThrottle]
    parser_classes = [WholeBodyMultiPartParser]

    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "EarPhotoUpload"

        image = serializers.FileField(help_text=f"JPEG, PNG, WebP or HEIC; at most {_MAX_MB} MB.")
        side = serializers.ChoiceField(choices=EarSide.choices)

    @extend_schema(
        operation_id="ear_photo_create",
        parameters=[FITTING_ID],
        request={"multipart/form-data": InputSerializer},
        responses={
            201: EarPhotoSerializer,
            400: ERRORS[400],
            404: ERRORS[404],
            413: OpenApiResponse(ErrorSerializer, description="The file or its pixel count is too large."),
            415: OpenApiResponse(ErrorSerializer, description="Not a JPEG, PNG, WebP or HEIC photo."),
            429: ERRORS[429],
            422: OpenApiResponse(
                PHOTO_REJECTED,
                description="The photo cannot be measured (`photo_quality`: `extra.reasons` lists why, "
                "`extra.guidance` how to retake it), is past its retention period (`past_retention`), or the file "
                "cannot be used (`corrupt_image`, `polyglot`).",
            ),
            503: ERRORS[503],
        },
        examples=[
            OpenApiExample(
                "A photo of the left ear",
                request_only=True,
                media_type="multipart/form-data",
                value={"image": "(binary JPEG)", "side": "left"},
            ),
            _example("The photo is measured and kept", examples.EAR_PHOTO_EXAMPLE, 201),
            _example("The photo is too large", examples.FILE_TOO_LARGE_EXAMPLE, 413),
            _example("Not a photo", examples.UNSUPPORTED_TYPE_EXAMPLE, 415),
            _example("The photo is blurry", examples.PHOTO_REJECTED_EXAMPLE, 422),
            _example("The photo is past its retention period", examples.PHOTO_PAST_RETENTION_EXAMPLE, 422),
        ],
    )
    def post(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["image"]
        if upload.size > settings.PHOTO_MAX_BYTES:
            raise ApplicationError(
                f"The photo is larger than {_MAX_MB} MB. Please send a smaller copy.",
                code="file_too_large",
                status_code=413,
            )
        photo = ear_photo_ingest(fitting=fitting, data=upload.read(), side=serializer.validated_data["side"])
        return Response(EarPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class ImageResponseNegotiation(BaseContentNegotiation):
    """The overlay answers PNG, and errors in the one JSON shape, whatever the client accepts
    (a browser's `<img>` fetch asks for `image/*`, which DRF would refuse with 406)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class EarPhotoOverlayApi(FittingResponseMixin, APIView):
    permission_classes = [OwnerChecksInSelector]
    throttle_classes = [FittingTokenThrottle]
    content_negotiation_class = ImageResponseNegotiation

    @extend_schema(
        operation_id="ear_photo_overlay",
        parameters=[FITTING_ID, PHOTO_ID],
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: ERRORS[404], 503: ERRORS[503]},
        description="The stored photo with the measured keypoints and the card outline drawn. Owner only.",
        examples=[
            OpenApiExample(
                "The overlay", value="(binary PNG)", media_type="image/png", response_only=True, status_codes=["200"]
            )
        ],
    )
    def get(self, request: Request, fitting_id: str, photo_id: str) -> HttpResponse:
        fitting = fitting_for_request(request, fitting_id)
        photo = ear_photo_get_for_fitting(fitting=fitting, photo_id=uuid_or_404(photo_id))
        response = HttpResponse(ear_photo_overlay(photo=photo), content_type="image/png")
        response["Cache-Control"] = "private, no-store"
        return response
