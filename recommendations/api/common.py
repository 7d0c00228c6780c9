"""What the shopper API's views share: error responses, the fitting id, the owner's fitting, and
the output shapes more than one view returns (a product, an ear photo)."""

import logging
from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request

from accounts.authentication import FittingToken
from earfit.api.serializers import ErrorSerializer
from recommendations.fittings.selectors import fitting_get_for_owner
from recommendations.measuring.analysis import overlay_legend
from recommendations.models import EarPhoto, Fitting, Product
from recommendations.vocabulary import UNITS, tip_sizes_problem

logger = logging.getLogger(__name__)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    404: OpenApiResponse(ErrorSerializer, description="No such fitting for this client."),
    503: OpenApiResponse(ErrorSerializer, description="A dependency is down; retry after Retry-After."),
}
FITTING_ID = OpenApiParameter("fitting_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def fitting_for_request(request: Request, fitting_id: Any, *, include_erased: bool = False) -> Fitting:
    """The fitting this request's token (or signed-in user) owns; 404 for anyone else."""
    token = str(request.auth) if isinstance(request.auth, FittingToken) else None
    return fitting_get_for_owner(fitting_id=fitting_id, token=token, user=request.user, include_erased=include_erased)


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


class EarPhotoSerializer(serializers.ModelSerializer[EarPhoto]):
    measurements = serializers.DictField(child=MeasurementSerializer())
    quality = QualitySerializer()
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
            "overlay_url",
            "overlay_legend",
        ]

    @extend_schema_field(serializers.ListField(child=OVERLAY_LEGEND_ENTRY))
    def get_overlay_legend(self, photo: EarPhoto) -> list[dict[str, str]]:
        return overlay_legend(photo.geometry)

    def get_overlay_url(self, photo: EarPhoto) -> str:
        return reverse("ear-photo-overlay", kwargs={"fitting_id": photo.fitting_id, "photo_id": photo.id})
