from django.urls import path, register_converter

from recommendations.api.catalog import ProductListApi
from recommendations.api.common import AnyIdConverter
from recommendations.api.fittings import FitFeedbackCreateApi, FittingApi, FittingCreateApi, FittingRecommendationApi
from recommendations.api.photos import EarPhotoCreateApi, EarPhotoOverlayApi
from recommendations.api.questionnaire import QuestionnaireActiveApi

register_converter(AnyIdConverter, "any_id")

urlpatterns = [
    path("questionnaire", QuestionnaireActiveApi.as_view(), name="questionnaire"),
    path("products", ProductListApi.as_view(), name="products"),
    path("fittings", FittingCreateApi.as_view(), name="fitting-create"),
    path("fittings/<any_id:fitting_id>", FittingApi.as_view(), name="fitting"),
    path(
        "fittings/<any_id:fitting_id>/recommendation",
        FittingRecommendationApi.as_view(),
        name="fitting-recommendation",
    ),
    path("fittings/<any_id:fitting_id>/feedback", FitFeedbackCreateApi.as_view(), name="fitting-feedback"),
    path("fittings/<any_id:fitting_id>/photos", EarPhotoCreateApi.as_view(), name="ear-photo-create"),
    path(
        "fittings/<any_id:fitting_id>/photos/<any_id:photo_id>/overlay",
        EarPhotoOverlayApi.as_view(),
        name="ear-photo-overlay",
    ),
]
