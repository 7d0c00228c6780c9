"""The audit trail in the admin: read-only for everyone (superusers too), filterable, exportable.

There is no add, change or delete here by design: the trail is append-only, and the only way in
is `audit_event_record`. Exporting is an admin action that is itself audited.
"""

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html

from accounts.audit.export import audit_csv_lines
from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor, audit_export_record


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("seq", "occurred_at", "actor_type", "actor_id", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "actor_type", "occurred_at")
    search_fields = ("=actor_id", "=object_id", "=request_id")
    date_hierarchy = "occurred_at"
    ordering = ("-seq",)
    list_per_page = 100
    show_full_result_count = False  # counting a large trail on every page view is slow and says little
    actions = ["export_csv"]
    # The detail page shows every field of the row, the chain's links included, read-only.
    fields = (
        "seq",
        "occurred_at",
        "action",
        "actor_type",
        "actor_id",
        "actor_label",
        "object_type",
        "object_id",
        "request_id",
        "payload_pretty",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields

    @admin.display(description="Payload")
    def payload_pretty(self, obj: AuditEvent) -> str:
        return format_html(
            '<pre data-testid="audit-payload">{}</pre>', json.dumps(obj.payload, indent=2, sort_keys=True)
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Export selected events as CSV (audited)", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> StreamingHttpResponse:
        # The changelist's own filters (time, actor, action) narrow `queryset`; record them as asked.
        filters: dict[str, Any] = {key: value for key, value in request.GET.items() if key not in {"o", "p"}}
        filters["rows_selected"] = queryset.count()
        audit_export_record(actor=AuditActor.for_user(request.user), via="admin", filters=filters)
        now = timezone.now()
        response = StreamingHttpResponse(
            audit_csv_lines(events=queryset, generated_at=now, filters=filters), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="earfit-audit-{now:%Y%m%dT%H%M%SZ}.csv"'
        return response
