"""The active catalog, filterable."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from earfit.api.fields import QueryBooleanField
from earfit.throttling import AnonThrottle
from recommendations.api.common import ProductSerializer
from recommendations.api.examples import PRODUCT_EXAMPLE
from recommendations.catalog.selectors import product_list_active
from recommendations.vocabulary import FORM_FACTOR_CHOICES


class ProductListApi(ListAPIView):
    """The active catalog, paginated; a generic list view so the schema shows the pagination."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]
    serializer_class = ProductSerializer

    class FilterSerializer(serializers.Serializer[Any]):
        form_factor = serializers.ChoiceField(choices=FORM_FACTOR_CHOICES, required=False)
        wireless = QueryBooleanField(required=False)
        anc = QueryBooleanField(required=False)
        # Any precision: the schema says "a number from 0 to 1,000,000", and so does the check.
        max_price = serializers.DecimalField(
            max_digits=None,
            decimal_places=None,
            required=False,
            min_value=0,
            max_value=1_000_000,
            coerce_to_string=False,
        )
        # No NUL (PostgreSQL text cannot hold one); blank is no filter.
        search = serializers.RegexField(r"^[^\x00]*$", max_length=80, required=False, allow_blank=True)

    @extend_schema(
        operation_id="product_list",
        parameters=[FilterSerializer],
        examples=[OpenApiExample("The first page of the catalog", value=PRODUCT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        # A plain dict, not the QueryDict: DRF reads an empty form value of an optional field as
        # "not sent", where the schema says `wireless=` is not a boolean.
        filters = self.FilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return product_list_active(filters=dict(filters.validated_data))
