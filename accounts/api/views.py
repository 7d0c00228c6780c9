"""The auditors' API: read the trail, export it. One APIView per operation; auditors only read.

Catalog managers and other signed-in users get 403, anonymous callers 401, always in the one
error shape.
"""

from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.audit.export import COLUMNS, audit_csv_lines
from accounts.audit.models import ActorType, AuditAction, AuditEvent
from accounts.audit.selectors import AuditFilter, audit_event_list
from accounts.audit.services import AuditActor, audit_export_record
from accounts.permissions import IsAuditor
from earfit.api.serializers import ErrorSerializer

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="A filter is not valid."),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Not an auditor, or not a read."),
}


EVENT_EXAMPLE = {
    "seq": 1042,
    "occurred_at": "2026-12-07T11:26:16.400291Z",
    "actor_type": "fitting",
    "actor_id": "3ec62651-465e-419b-8b25-bb2a45665959",
    "actor_label": "Shopper (by fitting)",
    "action": "fitting.created",
    "object_type": "fitting",
    "object_id": "3ec62651-465e-419b-8b25-bb2a45665959",
    "request_id": "5f0c6e2a9d7b4c1e8a3f2b1c0d9e8f7a",
    "payload": {"questionnaire_version": 1},
    "prev_hash": "9d1c3f0e6b2a4d8c7e5f1a3b9c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d",
    "hash": "2b4d6f8a0c1e3a5c7e9b1d3f5a7c9e0b2d4f6a8c0e1b3d5f7a9c1e3b5d7f9a0c",
}
CSV_EXAMPLE = (
    '"# earfit audit trail export; times are UTC (ISO 8601); generated 2026-12-07T12:00:00.000000Z; filters {}"\r\n'
    + ",".join(COLUMNS)
    + "\r\n1042,2026-12-07T11:26:16.400291Z,fitting,3ec62651-...,Shopper (by fitting),fitting.created,...\r\n"
    + '"# chain verification for seq 1042..1042: OK: 1 rows, seq 1042..1042, head hash 2b4d6f8a..."\r\n'
)


class AuditFilterSerializer(serializers.Serializer[Any]):
    since = serializers.DateTimeField(
        required=False, help_text="From this time (inclusive); ISO 8601, UTC if no offset."
    )
    until = serializers.DateTimeField(
        required=False, help_text="Up to this time (exclusive); ISO 8601, UTC if no offset."
    )
    actor_type = serializers.ChoiceField(choices=ActorType.choices, required=False)
    actor_id = serializers.CharField(max_length=64, required=False, help_text="User id, fitting id or job name.")
    action = serializers.ChoiceField(choices=AuditAction.choices, required=False)

    def to_filter(self) -> AuditFilter:
        self.is_valid(raise_exception=True)
        return AuditFilter(**self.validated_data)


class AuditEventListApi(ListAPIView):
    """The trail, newest first, paginated."""

    permission_classes = [IsAuditor]

    class OutputSerializer(serializers.ModelSerializer[AuditEvent]):
        class Meta:
            model = AuditEvent
            fields = list(COLUMNS)

    serializer_class = OutputSerializer

    @extend_schema(
        operation_id="audit_event_list",
        parameters=[AuditFilterSerializer],
        responses={200: OutputSerializer, **ERRORS},
        examples=[OpenApiExample("The newest events first", value=EVENT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return audit_event_list(
            filters=AuditFilterSerializer(data=self.request.query_params.dict()).to_filter()
        ).order_by("-seq")


class CsvRenderer(BaseRenderer):
    """Lets clients ask for `text/csv`; the export view streams its own body."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return JSONRenderer().render(data)  # only errors are rendered; they keep the error shape


class AuditEventExportApi(APIView):
    """The filtered trail as CSV, streamed oldest first, ending with the chain check for the range.

    The export is itself audited (`audit.exported`, with the filter) before the first byte is sent.
    """

    permission_classes = [IsAuditor]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="audit_event_export_csv",
        parameters=[AuditFilterSerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="CSV, UTF-8, UTC times.",
                examples=[OpenApiExample("The trail as CSV", value=CSV_EXAMPLE, media_type="text/csv")],
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        filters = AuditFilterSerializer(data=request.query_params.dict()).to_filter()
        audit_export_record(actor=AuditActor.for_user(request.user), via="api", filters=filters.as_payload())
        now = timezone.now()
        lines = audit_csv_lines(
            events=audit_event_list(filters=filters), generated_at=now, filters=filters.as_payload()
        )
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="earfit-audit-{now:%Y%m%dT%H%M%SZ}.csv"'
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(exclude=True)
    def head(self, request: Request) -> HttpResponse:
        """What a GET would answer, without the body, and not an export: nothing is read or audited
        (Django would otherwise run `get` for a HEAD, recording an export nobody received)."""
        AuditFilterSerializer(data=request.query_params).to_filter()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Cache-Control"] = "no-store"
        return response
