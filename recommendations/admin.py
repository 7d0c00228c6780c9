"""Staff views: catalog managers edit products; auditors and managers read the rest.

Every change goes through a service (product save, activation, model activation, photo view).
Templates for the pages added here are in `templates/admin/` at the project root.
"""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, XLSX

from accounts.audit.selectors import audit_event_list_for_object
from accounts.audit.services import AuditActor
from recommendations.catalog.selectors import CatalogStatistics, catalog_statistics, product_annotate_statistics
from recommendations.catalog.services import (
    CatalogFile,
    catalog_export_record,
    catalog_import_apply,
    product_save_from_admin,
    product_set_active,
)
from recommendations.catalog.transfer import ProductResource
from recommendations.measuring.services import model_version_activate, model_versions_register_shipped
from recommendations.models import (
    EarPhoto,
    FitFeedback,
    ModelVersion,
    Product,
    Questionnaire,
    Recommendation,
    RecommendationItem,
)
from recommendations.photos.services.staff_view import ear_photo_staff_view
from recommendations.vocabulary import HEADBAND, TIP_SIZE_LABELS, TIP_SIZES, FormFactor


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ProductAdminForm(forms.ModelForm):
    """Tip sizes as one checkbox per size, in size order, instead of a JSON box."""

    tip_sizes = forms.MultipleChoiceField(
        label="Ear tips in the box",
        choices=[(size, f"{size} ({TIP_SIZE_LABELS[size].lower()})") for size in TIP_SIZES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick every size that comes with the product. In-ear products need at least one; "
        "over-ear and on-ear headphones have none.",
    )

    class Meta:
        model = Product
        # The admin's fieldsets choose the fields shown; this form only changes how tip sizes are edited.
        fields = ("tip_sizes",)

    def clean_tip_sizes(self) -> list[str]:
        chosen = set(self.cleaned_data.get("tip_sizes") or [])
        return [size for size in TIP_SIZES if size in chosen]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        form_factor, tips = cleaned.get("form_factor"), cleaned.get("tip_sizes") or []
        if form_factor == FormFactor.IN_EAR and not tips:
            self.add_error(
                "tip_sizes", "An in-ear product comes with at least one tip size: tick the sizes in the box."
            )
        if form_factor in HEADBAND and tips:
            self.add_error("tip_sizes", "Over-ear and on-ear headphones have no ear tips: untick every size.")
        return cleaned


class StatisticsPeriodForm(forms.Form):
    """The days a statistics page covers, both included, in UTC."""

    MAX_DAYS = 3 * 366

    # A date input's value is always ISO (YYYY-MM-DD), whatever the locale shows.
    since = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The first day must not be after the last.")
        if since and until and (until - since).days >= self.MAX_DAYS:
            raise forms.ValidationError("Choose a period of at most three years.")
        return cleaned


CHART_BARS = 15
CHART_WIDTH = 640
CHART_LABEL_WIDTH = 220
CHART_ROW = 26


def statistics_chart(statistics: CatalogStatistics) -> dict[str, Any]:
    """Bar geometry for the most recommended products (drawn as SVG by the template, no script):
    the whole bar is how often a product was recommended, its darker part how often it came first."""
    shown = [p for p in statistics.products if p.recommended][:CHART_BARS]
    top = max((p.recommended for p in shown), default=0)
    scale = (CHART_WIDTH - CHART_LABEL_WIDTH - 40) / top if top else 0
    bars = [
        {
            "name": p.name,
            "y": index * CHART_ROW,
            "recommended": p.recommended,
            "top_pick": p.top_pick,
            "width": round(p.recommended * scale, 1),
            "value_x": round(CHART_LABEL_WIDTH + p.recommended * scale + 6, 1),
            "top_width": round(p.top_pick * scale, 1),
        }
        for index, p in enumerate(shown)
    ]
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(1, len(bars)) * CHART_ROW + 4,
        "label_width": CHART_LABEL_WIDTH,
        "bar_height": CHART_ROW - 8,
    }


@admin.register(Product)
class ProductAdmin(ImportExportMixin, admin.ModelAdmin):
    """Products, and the catalog as a CSV or XLSX file: "Import" previews every row (new, changed,
    unchanged, or its errors) in a dry run that writes nothing, and writes only when confirmed;
    "Export" downloads the catalog in the same columns. Both are audited with the file's SHA-256.
    The import and export buttons wrap the product list's own template (django-import-export
    keeps it as its base)."""

    form = ProductAdminForm
    change_list_template = "admin/recommendations/product/change_list.html"
    object_history_template = "admin/recommendations/product/object_history.html"
    resource_classes = [ProductResource]
    import_formats = [CSV, XLSX]
    export_formats = [CSV, XLSX]
    list_display = (
        "brand",
        "model",
        "form_factor",
        "price",
        "active",
        "times_recommended",
        "times_top_pick",
        "feedback_right_share",
    )
    list_filter = ("active", "form_factor", "wireless", "anc", "water_resistance", "brand")
    search_fields = ("brand", "model", "slug")
    prepopulated_fields = {"slug": ("brand", "model")}
    actions = ["activate", "retire"]
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("brand", "model", "slug", "form_factor", "description", "active")}),
        (
            "Fit geometry",
            {
                "fields": (
                    "tip_sizes",
                    "nozzle_diameter_mm",
                    ("shell_length_mm", "shell_width_mm"),
                    ("cup_inner_height_mm", "cup_inner_width_mm"),
                    "weight_g",
                    "clamp_force_n",
                )
            },
        ),
        ("Features and price", {"fields": ("anc", "wireless", "water_resistance", "microphone", "price", "currency")}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Products are retired, not deleted: past recommendations and feedback point at them.
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        product_save_from_admin(
            product=obj,
            changed_fields=list(form.changed_data),
            created=not change,
            actor=AuditActor.for_user(request.user),
        )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return product_annotate_statistics(products=super().get_queryset(request))

    def has_import_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm("recommendations.add_product") and user.has_perm("recommendations.change_product")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("recommendations.view_product")

    def process_dataset(self, dataset: Any, form: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """The confirmed import, through the catalog's service (one transaction, audited)."""
        stored = self.get_tmp_storage_class()(name=form.cleaned_data["import_file_name"], read_mode="rb")
        data = stored.read()
        file = CatalogFile(
            name=form.cleaned_data["original_file_name"],
            file_format=self.get_import_formats()[int(form.cleaned_data["format"])]().get_title(),
            sha256=hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest(),
        )
        resource = self.choose_import_resource_class(form, request)(
            **self.get_import_resource_kwargs(request, form=form, **kwargs)
        )
        options = self.get_import_data_kwargs(request=request, form=form, **kwargs)
        return catalog_import_apply(
            resource=resource,
            dataset=dataset,
            file=file,
            actor=AuditActor.for_user(request.user),
            user=request.user,
            retain_instance_in_row_result=True,
            **options,
        )

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request, "The import was refused and nothing was written: a row has errors.", messages.ERROR
            )
            return HttpResponseRedirect(reverse("admin:recommendations_product_import"))
        response: HttpResponse = super().process_result(result, request)
        return response

    def get_export_data(self, file_format: Any, request: HttpRequest, queryset: Any, **kwargs: Any) -> Any:
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        catalog_export_record(
            file=CatalogFile(
                name=self.get_export_filename(request, queryset, file_format),
                file_format=file_format.get_title(),
                sha256=hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest(),
            ),
            rows=queryset.count(),
            actor=AuditActor.for_user(request.user),
        )
        return data

    @admin.display(description="Shown", ordering="_recommended")
    def times_recommended(self, obj: Any) -> int:
        """In how many fittings' first recommendations it appeared (re-ranks not counted)."""
        return int(obj._recommended)

    @admin.display(description="First", ordering="_top")
    def times_top_pick(self, obj: Any) -> int:
        return int(obj._top)

    @admin.display(description="Fit right")
    def feedback_right_share(self, obj: Any) -> str:
        return "—" if obj._right is None else f"{100 * float(obj._right):.0f} %"

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.statistics_view)
        return [path("statistics/", view, name="recommendations_product_statistics"), *super().get_urls()]

    def statistics_view(self, request: HttpRequest) -> TemplateResponse:
        """Recommendation statistics for catalog managers, over a chosen period (default: the last 30 days)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = datetime.now(UTC).date()
        form = StatisticsPeriodForm(request.GET or {"since": today - timedelta(days=29), "until": today})
        valid = form.is_valid()
        since: date = form.cleaned_data["since"] if valid else today - timedelta(days=29)
        until: date = form.cleaned_data["until"] if valid else today
        statistics = catalog_statistics(
            since=datetime.combine(since, time.min, tzinfo=UTC),
            until=datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Recommendation statistics",
            "opts": self.model._meta,
            "form": form,
            "since": since,
            "until": until,
            "statistics": statistics,
            "chart": statistics_chart(statistics),
        }
        return TemplateResponse(
            request, "admin/recommendations/product/statistics.html", context, status=200 if valid else 400
        )

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        """The product's history from the audit trail: created, changed (which fields), activated and
        retired, by whom and when, including what admin actions and the demo loader did, which
        Django's own change log never records."""
        events = audit_event_list_for_object(object_type="product", object_id=str(object_id))
        return super().history_view(request, object_id, extra_context={**(extra_context or {}), "audit_events": events})

    @admin.action(description="Activate selected products", permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._set_active(request, queryset, active=True)

    @admin.action(description="Retire selected products", permissions=["change"])
    def retire(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._set_active(request, queryset, active=False)

    def _set_active(self, request: HttpRequest, queryset: QuerySet[Product], *, active: bool) -> None:
        changed = product_set_active(
            product_ids=list(queryset.values_list("pk", flat=True)),
            active=active,
            actor=AuditActor.for_user(request.user),
        )
        verb = "activated" if active else "retired"
        self.message_user(request, f"{changed} product(s) {verb}.", messages.SUCCESS)


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin):
    list_display = ("version", "title", "active", "created_at")


class RecommendationItemInline(admin.TabularInline):
    model = RecommendationItem
    fields = ("rank", "product", "score", "tip_size", "reasons")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    """Statistics view: what was recommended, on what basis, with which versions. No answers shown."""

    list_display = ("created_at", "basis", "tip_size", "ranking_version", "model_version")
    list_filter = ("basis", "tip_size", "ranking_version", "model_version")
    date_hierarchy = "created_at"
    fields = ("created_at", "basis", "tip_size", "tip_size_confidence", "ranking_version", "model_version")
    inlines = [RecommendationItemInline]


@admin.register(FitFeedback)
class FitFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product", "fit", "comfort")
    list_filter = ("fit", "comfort", "product__form_factor")
    fields = ("created_at", "product", "fit", "comfort", "comment")


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    """Model versions are registered from their cards, never typed in; activation is the one change."""

    list_display = ("name", "version", "active", "licence", "sha256", "activated_at")
    list_filter = ("active", "name")
    fields = ("name", "version", "sha256", "licence", "provenance", "metrics", "active", "activated_at", "created_at")
    actions = ["activate"]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # The versions this release ships are registered from their cards (idempotent), so a new
        # one is listed, ready to activate, without a setup step.
        model_versions_register_shipped()
        return super().changelist_view(request, extra_context)

    @admin.action(description="Activate the selected model version", permissions=["activate"])
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one model version to activate.", messages.ERROR)
            return
        version = model_version_activate(model_version=queryset.get(), actor=AuditActor.for_user(request.user))
        self.message_user(
            request,
            f"{version} is now the active model: the next photo is measured with it, in every process within "
            f"{settings.MODEL_ACTIVE_CACHE_SECONDS} s at the most. Photos stored before keep their measurements "
            f"until `manage.py remeasure --model {version.version}` is run.",
            messages.SUCCESS,
        )

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return bool(getattr(request.user, "is_superuser", False))


@admin.register(EarPhoto)
class EarPhotoAdmin(ReadOnlyAdmin):
    """Ear photos are personal data: staff see only facts here, and the picture only through
    "View photo", which writes a `photo.viewed` audit event and hands out a one-minute link.
    Only users holding `view_earphoto` (no staff role has it by default) see this page."""

    list_display = ("id", "side", "scale", "model_version", "created_at", "expires_at", "purged_at", "view_link")
    list_filter = ("side", "scale", ("purged_at", admin.EmptyFieldListFilter))
    fields = ("fitting", "side", "scale", "confidence", "model_version", "created_at", "expires_at", "purged_at")
    date_hierarchy = "created_at"

    @admin.display(description="Photo")
    def view_link(self, obj: EarPhoto) -> str:
        if obj.purged_at is not None:
            return "purged"
        url = reverse("admin:recommendations_earphoto_view_photo", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">View photo</a>', url)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.view_photo)
        return [
            path("<uuid:photo_id>/view-photo/", view, name="recommendations_earphoto_view_photo"),
            *super().get_urls(),
        ]

    def view_photo(self, request: HttpRequest, photo_id: Any) -> HttpResponse:
        photo = get_object_or_404(EarPhoto, pk=photo_id)
        if not self.has_view_permission(request, photo):
            raise PermissionDenied
        shown = ear_photo_staff_view(photo=photo, user=request.user)
        if shown.url:
            response: HttpResponse = HttpResponseRedirect(shown.url)
        else:
            response = HttpResponse(shown.data, content_type="image/jpeg")
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response
