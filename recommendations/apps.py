from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    """The shopper's side of earfit: catalog, questionnaire, fittings, photos, ranking.

    `ready()` is where the app's parts are wired to what they must not import: the project's
    readiness probe gets this app's dependencies, and the catalog's changes get the re-rank.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"

    def ready(self) -> None:
        from earfit.readiness import readiness_check_register
        from earfit.task_queue import broker_ping
        from recommendations.catalog.services import catalog_change_subscribe
        from recommendations.measuring.active import model_active_ready
        from recommendations.photos.storage import photo_storage_ping
        from recommendations.tasks import fittings_rescore_after_catalog_change

        # The work this app sends to Celery needs the broker; the order is /readyz's.
        readiness_check_register(name="storage", probe=photo_storage_ping)
        readiness_check_register(name="broker", probe=broker_ping)
        readiness_check_register(name="model", probe=model_active_ready)
        catalog_change_subscribe(callback=fittings_rescore_after_catalog_change)
