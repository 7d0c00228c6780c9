from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from earfit.frontend import client_app
from earfit.views import ApiDocsView, LivenessApi, ReadinessApi

admin.site.site_header = "earfit administration"
admin.site.site_title = "earfit"

urlpatterns = [
    path("healthz", LivenessApi.as_view(), name="healthz"),  # answered by HealthCheckMiddleware first
    path("readyz", ReadinessApi.as_view(), name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include("recommendations.api.urls")),
    path("api/v1/", include("accounts.api.urls")),
    # The client's own routes (not API, admin or static paths) all load the single-page app.
    re_path(r"^(?!api/|admin/|static/)(?P<route>[\w/-]*)$", client_app, name="client"),
]

handler400 = "earfit.views.bad_request"
handler403 = "earfit.views.permission_denied"
handler404 = "earfit.views.not_found"
handler500 = "earfit.views.server_error"
