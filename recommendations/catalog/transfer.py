"""The catalog as a file: the columns of a CSV or XLSX import and export, and how each is read.

`ProductResource` (django-import-export) matches rows to products by `slug`. Every imported row is
checked as the admin's form checks it, and more strictly: the model's `full_clean()` (form
factors and water resistance from `vocabulary.py`, lengths, ranges, and the model's own `clean()`),
tip sizes against `TIP_SIZES`, and booleans only as true/false, 1/0 or yes/no: a value it cannot
read is an error on that row, never a guess.
"""

from decimal import Decimal, InvalidOperation
from typing import Any, Final

from import_export import fields, resources, widgets

from earfit.csv_safety import csv_safe, csv_unsafe
from recommendations.models import Product
from recommendations.vocabulary import TIP_SIZES

COLUMNS: Final = (
    "slug", "brand", "model", "form_factor", "description", "tip_sizes", "nozzle_diameter_mm",
    "shell_length_mm", "shell_width_mm", "cup_inner_height_mm", "cup_inner_width_mm", "weight_g",
    "clamp_force_n", "anc", "wireless", "water_resistance", "microphone", "price", "currency", "active",
)  # fmt: skip
TRUE_WORDS: Final = frozenset({"true", "1", "yes"})
FALSE_WORDS: Final = frozenset({"false", "0", "no"})


def tip_sizes_parse(value: str) -> list[str]:
    """`S/M/L` (also `S|M|L` or `S, M, L`) → ["S", "M", "L"], smallest first; ValueError for a size
    that is not one of earfit's tip sizes. The legacy import reads tip sizes the same way."""
    parts = [part.strip().upper() for part in value.replace("|", "/").replace(",", "/").split("/") if part.strip()]
    unknown = [part for part in parts if part not in TIP_SIZES]
    if unknown:
        raise ValueError(f"tip size(s) {', '.join(unknown)} not one of {', '.join(TIP_SIZES)}")
    return sorted(set(parts), key=TIP_SIZES.index)


class TipSizesWidget(widgets.Widget):
    """Tip sizes as one cell, `S/M/L`; a list (XLSX, JSON) is read too."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, list):
            value = "/".join(str(item) for item in value)
        return tip_sizes_parse(str(value))

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "/".join(value or [])


class StrictBooleanWidget(widgets.BooleanWidget):
    """true/false, 1/0, yes/no (any case); anything else is an error, not False."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower() if value is not None else ""
        if isinstance(value, int | float) and not isinstance(value, bool) and value in (0, 1):
            return bool(value)
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{value!r} is not a yes/no value (use true or false)")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "true" if value else "false"


class StrictDecimalWidget(widgets.DecimalWidget):
    """A number with a point (never a thousands separator); empty is no value."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if value is None or str(value).strip() == "":
            return None
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number (write it with a point, e.g. 5.5)") from None


def _boolean(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=StrictBooleanWidget())


def _decimal(name: str) -> fields.Field:
    return fields.Field(attribute=name, column_name=name, widget=StrictDecimalWidget())


class ProductResource(resources.ModelResource):
    tip_sizes = fields.Field(attribute="tip_sizes", column_name="tip_sizes", widget=TipSizesWidget())
    anc = _boolean("anc")
    wireless = _boolean("wireless")
    microphone = _boolean("microphone")
    active = _boolean("active")
    nozzle_diameter_mm = _decimal("nozzle_diameter_mm")
    shell_length_mm = _decimal("shell_length_mm")
    shell_width_mm = _decimal("shell_width_mm")
    cup_inner_height_mm = _decimal("cup_inner_height_mm")
    cup_inner_width_mm = _decimal("cup_inner_width_mm")
    weight_g = _decimal("weight_g")
    clamp_force_n = _decimal("clamp_force_n")
    price = _decimal("price")

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        # A spreadsheet's empty cell reads as None; the catalog's text columns mean "". A cell the
        # export made spreadsheet-safe (a leading apostrophe) reads back as it was.
        for column, value in list(row.items()):
            if value is None:
                row[column] = ""
            elif isinstance(value, str):
                row[column] = csv_unsafe(value)

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        """Every exported text cell spreadsheet-safe: one starting with = + - @ TAB or CR is not a formula."""
        value = super().export_field(field, instance, **kwargs)
        return csv_safe(value) if isinstance(value, str) else value

    class Meta:
        model = Product
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("slug",)
        # The model's validation (choices, ranges, clean()) runs on every imported row.
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
