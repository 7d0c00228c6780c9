from django.urls import path

from recommendations.api.catalog import ProductListApi
from recommendations.api.fittings import FitFeedbackCreateApi, FittingApi, FittingCreateApi, FittingRecommendationApi
from recommendations.api.photos import EarPhotoCreateApi, EarPhotoOverlayApi
from recommendations.api.questionnaire import QuestionnaireActiveApi

urlpatterns = [
    path("questionnaire", QuestionnaireActiveApi.as_view(), name="questionnaire"),
    path("products", ProductListApi.as_view(), name="products"),
    path("fittings", FittingCreateApi.as_view(), name="fitting-create"),
    path("fittings/<uuid:fitting_id>", FittingApi.as_view(), name="fitting"),
    path(
        "fittings/<uuid:fitting_id>/recommendation",
        FittingRecommendationApi.as_view(),
        name="fitting-recommendation",
    ),
    path("fittings/<uuid:fitting_id>/feedback", FitFeedbackCreateApi.as_view(), name="fitting-feedback"),
    path("fittings/<uuid:fitting_id>/photos", EarPhotoCreateApi.as_view(), name="ear-photo-create"),
    path(
        "fittings/<uuid:fitting_id>/photos/<uuid:photo_id>/overlay",
        EarPhotoOverlayApi.as_view(),
        name="ear-photo-overlay",
    ),
]
