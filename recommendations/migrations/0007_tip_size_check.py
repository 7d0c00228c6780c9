"""Tip sizes the ranking can read, enforced by the database: every product's list is one of the
32 lists of known sizes, each once, smallest first.

Rows saved before the constraint are repaired first, never refused: a list keeps its known sizes
in size order; a string such as "S/M/L" is read the way the import reads it; anything else becomes
the empty list (the product then gets no tip size, and the catalog manager can tick them again).
Each repaired product is logged with what it held.
"""

import logging
import re
from typing import Any

from django.db import migrations, models

logger = logging.getLogger(__name__)

# Frozen here: a migration must not change when the vocabulary does.
TIP_SIZES = ("XS", "S", "M", "L", "XL")


def _readable(value: Any) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[/|,\s]+", value)
    if not isinstance(value, list):
        return []
    known = {str(size).strip().upper() for size in value if isinstance(size, str | int)}
    return [size for size in TIP_SIZES if size in known]


def repair_tip_sizes(apps: Any, schema_editor: Any) -> None:
    Product = apps.get_model("recommendations", "Product")
    for product in Product.objects.only("pk", "tip_sizes").iterator():
        readable = _readable(product.tip_sizes)
        if readable != product.tip_sizes:
            logger.warning("product %s: tip sizes %r stored as %r", product.pk, product.tip_sizes, readable)
            Product.objects.filter(pk=product.pk).update(tip_sizes=readable)


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0006_unique_recommendation'),
    ]

    operations = [
        migrations.RunPython(repair_tip_sizes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(('tip_sizes__in', ([], ['XL'], ['L'], ['L', 'XL'], ['M'], ['M', 'XL'], ['M', 'L'], ['M', 'L', 'XL'], ['S'], ['S', 'XL'], ['S', 'L'], ['S', 'L', 'XL'], ['S', 'M'], ['S', 'M', 'XL'], ['S', 'M', 'L'], ['S', 'M', 'L', 'XL'], ['XS'], ['XS', 'XL'], ['XS', 'L'], ['XS', 'L', 'XL'], ['XS', 'M'], ['XS', 'M', 'XL'], ['XS', 'M', 'L'], ['XS', 'M', 'L', 'XL'], ['XS', 'S'], ['XS', 'S', 'XL'], ['XS', 'S', 'L'], ['XS', 'S', 'L', 'XL'], ['XS', 'S', 'M'], ['XS', 'S', 'M', 'XL'], ['XS', 'S', 'M', 'L'], ['XS', 'S', 'M', 'L', 'XL']))), name='product_tip_sizes_known'),
        ),
    ]
