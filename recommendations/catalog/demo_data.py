"""A demo catalog of 44 products with plausible fit geometry, for `load_demo_catalog`.

The brands are invented so the demo makes no claims about real products; the figures are in the
ranges real products have (in-ear shells 15–24 mm, buds 16–18 mm, over-ear cup openings 50–65 mm
tall, clamp forces 2.5–6 N).
"""

from decimal import Decimal
from typing import Any

from recommendations.vocabulary import TIP_SIZES

_COLUMNS = [
    "brand",
    "model",
    "form_factor",
    "tip_sizes",
    "nozzle_diameter_mm",
    "shell_length_mm",
    "shell_width_mm",
    "cup_inner_height_mm",
    "cup_inner_width_mm",
    "weight_g",
    "clamp_force_n",
    "anc",
    "wireless",
    "water_resistance",
    "microphone",
    "price",
]

# Measured in mm, g or N, or priced: stored as decimals.
_DECIMALS = [name for name in _COLUMNS if name.endswith(("_mm", "_g", "_n")) or name == "price"]

_ALL = list(TIP_SIZES)
_SML = list(TIP_SIZES[1:4])
_XS_L = list(TIP_SIZES[:4])

# fmt: off
_ROWS: list[tuple[Any, ...]] = [
    # In-ear (sealed, with tips)
    ("Aurel", "Pulse Pro 2", "in_ear", _ALL, 5.8, 22.0, 18.5, None, None, 5.9, None, True, True, "IPX4", True, "229.00"),
    ("Aurel", "Pulse Lite", "in_ear", _SML, 5.5, 20.5, 17.0, None, None, 4.8, None, False, True, "IPX4", True, "79.00"),
    ("Northwind Audio", "Drift ANC", "in_ear", _XS_L, 6.0, 23.5, 19.5, None, None, 6.4, None, True, True, "IPX4", True, "179.00"),
    ("Northwind Audio", "Drift Mini", "in_ear", _ALL, 5.2, 18.0, 15.5, None, None, 3.9, None, False, True, "IPX5", True, "59.00"),
    ("Kestrel", "Run Buds", "in_ear", _ALL, 5.4, 19.5, 16.0, None, None, 5.1, None, False, True, "IP57", True, "99.00"),
    ("Kestrel", "Run Buds Wired", "in_ear", _SML, 5.0, 16.5, 12.0, None, None, 14.0, None, False, False, "IPX5", True, "29.00"),
    ("Solano", "Studio IEM 3", "in_ear", _ALL, 6.2, 21.0, 17.5, None, None, 6.0, None, False, False, "none", False, "149.00"),
    ("Solano", "Air NC", "in_ear", _SML, 5.9, 24.0, 20.0, None, None, 7.2, None, True, True, "IPX4", True, "269.00"),
    ("Vela", "Hush", "in_ear", _XS_L, 5.1, 17.0, 14.5, None, None, 3.4, None, False, True, "none", True, "69.00"),
    ("Vela", "Hush Sleep", "in_ear", _ALL, 4.8, 15.5, 13.0, None, None, 2.9, None, False, True, "none", False, "129.00"),
    ("Brightwave", "Commuter", "in_ear", _SML, 5.8, 22.5, 18.0, None, None, 5.6, None, True, True, "IPX4", True, "119.00"),
    ("Brightwave", "Basic", "in_ear", _SML, 5.5, 17.5, 13.5, None, None, 12.0, None, False, False, "none", True, "14.00"),
    ("Orrin", "Reference X", "in_ear", _ALL, 6.4, 23.0, 19.0, None, None, 6.8, None, True, True, "IPX4", True, "329.00"),
    ("Orrin", "Daily", "in_ear", _SML, 5.6, 20.0, 16.5, None, None, 4.9, None, False, True, "IPX4", True, "45.00"),
    ("Tamber", "Flex Fit", "in_ear", _ALL, 5.3, 19.0, 15.0, None, None, 4.4, None, True, True, "IPX5", True, "139.00"),
    # Earbuds (rest in the concha, no tips)
    ("Aurel", "Pod Open", "earbud", [], None, 19.0, 16.5, None, None, 4.2, None, False, True, "IPX4", True, "129.00"),
    ("Northwind Audio", "Shell", "earbud", [], None, 18.5, 17.5, None, None, 4.6, None, False, True, "IPX4", True, "69.00"),
    ("Kestrel", "Breeze", "earbud", [], None, 17.0, 15.5, None, None, 3.8, None, False, True, "IPX5", True, "49.00"),
    ("Vela", "Pebble", "earbud", [], None, 16.5, 16.0, None, None, 3.6, None, False, True, "none", True, "35.00"),
    ("Brightwave", "Classic Bud", "earbud", [], None, 18.0, 17.0, None, None, 11.0, None, False, False, "none", True, "12.00"),
    ("Solano", "Pod ANC", "earbud", [], None, 20.5, 18.0, None, None, 5.3, None, True, True, "IPX4", True, "199.00"),
    # Over-ear
    ("Aurel", "Quiet 900", "over_ear", [], None, None, None, 62.0, 44.0, 250.0, 3.4, True, True, "none", True, "379.00"),
    ("Aurel", "Quiet 500", "over_ear", [], None, None, None, 58.0, 42.0, 262.0, 3.9, True, True, "none", True, "229.00"),
    ("Northwind Audio", "Voyager", "over_ear", [], None, None, None, 60.0, 43.0, 285.0, 4.2, True, True, "none", True, "299.00"),
    ("Solano", "Monitor 7", "over_ear", [], None, None, None, 56.0, 40.0, 300.0, 5.6, False, False, "none", False, "159.00"),
    ("Solano", "Monitor 7 Wireless", "over_ear", [], None, None, None, 56.0, 40.0, 310.0, 5.4, False, True, "none", True, "199.00"),
    ("Orrin", "Lounge", "over_ear", [], None, None, None, 65.0, 47.0, 330.0, 2.9, False, False, "none", False, "449.00"),
    ("Orrin", "Lounge ANC", "over_ear", [], None, None, None, 64.0, 46.0, 320.0, 3.1, True, True, "none", True, "499.00"),
    ("Brightwave", "Cloud", "over_ear", [], None, None, None, 54.0, 39.0, 230.0, 4.5, False, True, "none", True, "89.00"),
    ("Tamber", "Transit", "over_ear", [], None, None, None, 59.0, 42.0, 248.0, 3.6, True, True, "none", True, "149.00"),
    ("Tamber", "Office Pro", "over_ear", [], None, None, None, 57.0, 41.0, 210.0, 3.8, False, True, "none", True, "129.00"),
    # On-ear
    ("Kestrel", "City", "on_ear", [], None, None, None, None, None, 165.0, 4.4, False, True, "none", True, "79.00"),
    ("Vela", "Fold", "on_ear", [], None, None, None, None, None, 150.0, 3.9, False, True, "none", True, "59.00"),
    ("Brightwave", "Kids Safe", "on_ear", [], None, None, None, None, None, 120.0, 3.0, False, False, "none", False, "25.00"),
    ("Northwind Audio", "Metro NC", "on_ear", [], None, None, None, None, None, 190.0, 4.8, True, True, "none", True, "169.00"),
    ("Orrin", "Call Center Duo", "on_ear", [], None, None, None, None, None, 140.0, 3.2, False, False, "none", True, "65.00"),
    # Open-ear (sits beside the canal, or bone conduction)
    ("Kestrel", "Open Run", "open", [], None, None, None, None, None, 26.0, None, False, True, "IP55", True, "129.00"),
    ("Vela", "Clip Air", "open", [], None, 21.0, 11.0, None, None, 5.6, None, False, True, "IPX4", True, "149.00"),
    ("Tamber", "Aware", "open", [], None, 24.0, 12.0, None, None, 8.1, None, False, True, "IPX4", True, "99.00"),
    ("Solano", "Open Office", "open", [], None, 26.0, 13.0, None, None, 9.5, None, False, True, "none", True, "179.00"),
    # Ear-hook (sport)
    ("Kestrel", "Hook Pro", "ear_hook", _ALL, 5.6, 24.0, 19.0, None, None, 9.3, None, False, True, "IPX7", True, "179.00"),
    ("Kestrel", "Hook", "ear_hook", _SML, 5.6, 23.0, 18.5, None, None, 8.8, None, False, True, "IPX5", True, "89.00"),
    ("Northwind Audio", "Trail", "ear_hook", _XS_L, 5.3, 22.0, 17.5, None, None, 8.0, None, False, True, "IP68", True, "119.00"),
    ("Brightwave", "Gym Hook", "ear_hook", _SML, 5.5, 21.0, 17.0, None, None, 7.5, None, False, True, "IPX5", True, "39.00"),
]
# fmt: on


def _slug(brand: str, model: str) -> str:
    return "-".join(f"{brand} {model}".lower().replace("/", " ").split())


def demo_products() -> list[dict[str, Any]]:
    products = []
    for row in _ROWS:
        fields = dict(zip(_COLUMNS, row, strict=True))
        for name in _DECIMALS:
            if fields[name] is not None:
                fields[name] = Decimal(str(fields[name]))
        fields["slug"] = _slug(fields["brand"], fields["model"])
        fields["tip_sizes"] = list(fields["tip_sizes"])
        products.append(fields)
    return products
