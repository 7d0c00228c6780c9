"""The active catalog, filterable."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from earfit.api.fields import QueryBooleanField
from earfit.throttling import AnonThrottle
from recommendations.api.common import ProductSerializer
from recommendations.catalog.selectors import product_list_active
from recommendations.vocabulary import FORM_FACTOR_CHOICES


class ProductListApi(ListAPIView):
    """The active catalog, paginated; a generic list view so the schema shows the pagination."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]
    serializer_class = ProductSerializer

    class FilterSerializer(serializers.Serializer[Any]):
        form_factor = serializers.ChoiceField(choices=FORM_FACTOR_CHOICES, required=False)
        wireless = QueryBooleanField(required=False, allow_null=True, default=None)
        anc = QueryBooleanField(required=False, allow_null=True, default=None)
        max_price = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, min_value=0)
        search = serializers.CharField(max_length=80, required=False)

    @extend_schema(operation_id="product_list", parameters=[FilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return product_list_active(filters=dict(filters.validated_data))
