"""Seed questionnaire version 1 and make it active. Content lives in `recommendations/questionnaire.py`."""

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from recommendations.questionnaire import QUESTIONNAIRE_V1, QUESTIONNAIRE_V1_TITLE

    Questionnaire = apps.get_model("recommendations", "Questionnaire")
    Questionnaire.objects.update_or_create(
        version=1, defaults={"title": QUESTIONNAIRE_V1_TITLE, "questions": QUESTIONNAIRE_V1, "active": True}
    )


def unseed(apps: Any, schema_editor: Any) -> None:
    apps.get_model("recommendations", "Questionnaire").objects.filter(version=1, fittings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
