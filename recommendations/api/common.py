"""What the shopper API's views share: error responses, the fitting id, the owner's fitting, and
the output shapes more than one view returns (a product, an ear photo)."""

import logging
import uuid
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from accounts.authentication import FittingToken
from earfit.api.serializers import ErrorSerializer
from recommendations.fittings.selectors import fitting_get_for_owner
from recommendations.measuring.analysis import overlay_legend
from recommendations.models import EarPhoto, Fitting, Product
from recommendations.photos.selectors import ear_photo_shown
from recommendations.vocabulary import SCALE_CHOICES, UNITS, tip_sizes_problem

logger = logging.getLogger(__name__)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    404: OpenApiResponse(ErrorSerializer, description="No such fitting for this client."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; retry after Retry-After."),
    503: OpenApiResponse(ErrorSerializer, description="A dependency is down; retry after Retry-After."),
}
FITTING_ID = OpenApiParameter("fitting_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PHOTO_ID = OpenApiParameter("photo_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class AnyIdConverter:
    """A path segment for an id the view parses (`<any_id:...>`): one that is not a UUID answers
    the API's own 404 in the error shape, where the `uuid` converter left it to Django's page."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: Any) -> str:
        return str(value)


def uuid_or_404(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise NotFound from None


# Every answer about a fitting, errors included, carries personal data or says whether a fitting
# exists: no browser, proxy or CDN may keep a copy. (A comment, not a docstring: drf-spectacular
# would publish a docstring as each view's description.)
class FittingResponseMixin:
    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response


def fitting_for_request(request: Request, fitting_id: Any, *, include_erased: bool = False) -> Fitting:
    """The fitting this request's token (or signed-in user) owns; 404 for anyone else."""
    token = str(request.auth) if isinstance(request.auth, FittingToken) else None
    return fitting_get_for_owner(
        fitting_id=uuid_or_404(fitting_id), token=token, user=request.user, include_erased=include_erased
    )


class TipSizesField(serializers.ListField):
    """A product's tip sizes; a stored value no size can be read from (kept out by the database's
    constraint) is sent as no sizes and logged, so one product cannot fail the catalog's page."""

    def to_representation(self, data: Any) -> list[Any]:
        if tip_sizes_problem(data) is not None:
            logger.error("unreadable tip sizes %r sent as none", data)
            return []
        return super().to_representation(data)


class ProductSerializer(serializers.ModelSerializer[Product]):
    price = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=True)
    tip_sizes = TipSizesField(child=serializers.CharField())
    weight_g = serializers.FloatField()

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "brand",
            "model",
            "form_factor",
            "wireless",
            "anc",
            "water_resistance",
            "microphone",
            "price",
            "currency",
            "tip_sizes",
            "weight_g",
        ]
        # An output shape: every field is always sent, so the schema marks them all required.
        read_only_fields = fields


class MeasurementSerializer(serializers.Serializer[Any]):
    value = serializers.FloatField()
    uncertainty = serializers.FloatField()
    unit = serializers.ChoiceField(choices=UNITS)


class QualityReasonSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()


class QualitySerializer(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    reasons = QualityReasonSerializer(many=True)


# Built by name: a declared field called `label` would shadow the serializer's own `label`.
OVERLAY_LEGEND_ENTRY = inline_serializer(
    "OverlayLegendEntry",
    {
        "name": serializers.CharField(help_text="A measurement's name, or `card` for the card's outline."),
        "label": serializers.CharField(),
        "colour": serializers.RegexField(r"^#[0-9a-f]{6}$", help_text="The colour it is drawn in, `#rrggbb`."),
    },
)


class PointSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="The landmark (`helix_top`, …) or the card's corner (`card_top_left`, …).")
    x = serializers.FloatField(help_text="Pixels from the stored photo's left edge (its `width` is the frame).")
    y = serializers.FloatField(help_text="Pixels from the stored photo's top edge.")
    confidence = serializers.FloatField(
        min_value=0, max_value=1, help_text="0 to 1: how sharply the model (or the card's edge fit) placed it."
    )


class EarPhotoSerializer(serializers.ModelSerializer[EarPhoto]):
    scale = serializers.SerializerMethodField(help_text="`mm` only when the card passed the geometric check.")
    measurements = serializers.SerializerMethodField(
        help_text="Values in mm only with a geometrically verified card; otherwise ratios to the ear's length."
    )
    quality = QualitySerializer()
    width = serializers.IntegerField(help_text="The stored photo's width in pixels: the frame of every point.")
    height = serializers.IntegerField(help_text="The stored photo's height in pixels.")
    landmarks = serializers.SerializerMethodField(help_text="The ear's landmarks the measurements are taken between.")
    card_corners = serializers.SerializerMethodField(
        help_text="The card's corners (top-left, top-right, bottom-right, bottom-left); empty without a card."
    )
    card_verified = serializers.SerializerMethodField(
        help_text="The card's corners passed the geometric check (straight edges, right angles, the bank-card "
        "aspect); only then are there millimetres."
    )
    model_version = serializers.CharField(source="model_version.__str__")
    overlay_url = serializers.SerializerMethodField()
    overlay_legend = serializers.SerializerMethodField()

    class Meta:
        model = EarPhoto
        fields = [
            "id",
            "side",
            "created_at",
            "expires_at",
            "scale",
            "confidence",
            "measurements",
            "quality",
            "model_version",
            "width",
            "height",
            "landmarks",
            "card_corners",
            "card_verified",
            "overlay_url",
            "overlay_legend",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=SCALE_CHOICES))
    def get_scale(self, photo: EarPhoto) -> str:
        return ear_photo_shown(photo=photo).scale

    @extend_schema_field(serializers.DictField(child=MeasurementSerializer()))
    def get_measurements(self, photo: EarPhoto) -> dict[str, Any]:
        return ear_photo_shown(photo=photo).measurements

    @extend_schema_field(PointSerializer(many=True))
    def get_landmarks(self, photo: EarPhoto) -> list[dict[str, Any]]:
        return ear_photo_shown(photo=photo).landmarks

    @extend_schema_field(PointSerializer(many=True))
    def get_card_corners(self, photo: EarPhoto) -> list[dict[str, Any]]:
        return ear_photo_shown(photo=photo).card_corners

    def get_card_verified(self, photo: EarPhoto) -> bool:
        return ear_photo_shown(photo=photo).card_verified

    @extend_schema_field(serializers.ListField(child=OVERLAY_LEGEND_ENTRY))
    def get_overlay_legend(self, photo: EarPhoto) -> list[dict[str, str]]:
        return overlay_legend(photo.geometry)

    def get_overlay_url(self, photo: EarPhoto) -> str:
        return reverse("ear-photo-overlay", kwargs={"fitting_id": photo.fitting_id, "photo_id": photo.id})
