"""One recommendation per fitting and inputs, one feedback per fitting and product.

Rows that two concurrent requests made before these constraints are removed first: the oldest
recommendation of each (fitting, inputs) pair stays (its items go with the others), and the
newest feedback of each (fitting, product) pair stays, the shopper's last word.
"""

from typing import Any

from django.db import migrations, models
from django.db.models import Count


def duplicates_remove(apps: Any, schema_editor: Any) -> None:
    Recommendation = apps.get_model("recommendations", "Recommendation")
    FitFeedback = apps.get_model("recommendations", "FitFeedback")
    doubled = (
        Recommendation.objects.values("fitting_id", "inputs_digest").annotate(n=Count("id")).filter(n__gt=1)
    )
    for pair in doubled.iterator():
        rows = Recommendation.objects.filter(fitting_id=pair["fitting_id"], inputs_digest=pair["inputs_digest"])
        keep = rows.order_by("created_at", "id").values_list("id", flat=True).first()
        rows.exclude(id=keep).delete()
    doubled = FitFeedback.objects.values("fitting_id", "product_id").annotate(n=Count("id")).filter(n__gt=1)
    for pair in doubled.iterator():
        rows = FitFeedback.objects.filter(fitting_id=pair["fitting_id"], product_id=pair["product_id"])
        keep = rows.order_by("-created_at", "-id").values_list("id", flat=True).first()
        rows.exclude(id=keep).delete()


class Migration(migrations.Migration):
    # The clean-up commits before the constraints are added: PostgreSQL refuses to ALTER a table
    # with deferred foreign-key checks still pending from deletes in the same transaction.
    atomic = False

    dependencies = [
        ("recommendations", "0005_legacy_records"),
    ]

    operations = [
        migrations.RunPython(duplicates_remove, migrations.RunPython.noop, atomic=True, elidable=True),
        migrations.AddConstraint(
            model_name="fitfeedback",
            constraint=models.UniqueConstraint(fields=("fitting", "product"), name="feedback_product_unique"),
        ),
        migrations.AddConstraint(
            model_name="recommendation",
            constraint=models.UniqueConstraint(fields=("fitting", "inputs_digest"), name="recommendation_inputs_unique"),
        ),
    ]
