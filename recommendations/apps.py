from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"

    def ready(self) -> None:
        from earfit.readiness import CHECKS
        from recommendations.measuring import model_ready

        CHECKS["model"] = model_ready
