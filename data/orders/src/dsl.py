"""Tiny helper used by the hand-written order files in this folder.

Each order is written as ``o(text, items, ...)``. ``items`` is a compact string,
one order line per ``;``-separated part::

    "HOOD 3 black L; MUG 2 box; ?laptop_stand 1"

* first token: catalog key (see KEYS) or ``?name_with_underscores`` for a product
  that is not in the catalog (sku null, name as written, underscores -> spaces)
* second token: quantity (integer, after corrections)
* further tokens: a size (XS..XXL), a unit (each/pack/box) or a color
  (lowercase, ``heather_grey`` -> ``heather grey``). Defaults: unit each, no color/size.

The expansion into full gold JSON happens in ../build.py.
"""

KEYS = {
    "HOOD": "PB-HOOD", "TEE": "PB-TEE", "CAP": "PB-CAP", "BEANIE": "PB-BEANIE",
    "SOCKS": "PB-SOCKS", "MUG": "PB-MUG", "TUMB": "PB-TUMB", "NOTE": "PB-NOTE",
    "PEN": "PB-PEN", "STKL": "PB-STK-LOGO", "STKT": "PB-STK-TILE", "LANY": "PB-LANY",
    "TOTE": "PB-TOTE", "BAG": "PB-BAG", "DESKMAT": "PB-DESKMAT", "CLEAN": "PB-CLEAN",
    "D32": "PB-DSP-32", "D43": "PB-DSP-43", "D55": "PB-DSP-55", "D65": "PB-DSP-65",
    "FIX": "PB-MNT-FIX", "TILT": "PB-MNT-TILT", "ARM": "PB-MNT-ARM", "STAND": "PB-STAND",
    "STICK": "PB-STICK", "H2": "PB-HDMI-2", "H5": "PB-HDMI-5", "USBC": "PB-USBC",
}


def o(text, items, n=None, c=None, city=None, country=None, addr=None, date=None,
      notes=None, tags=""):
    return {
        "text": text, "items": items, "customer_name": n, "company": c,
        "city": city, "country": country, "address": addr, "date": date,
        "notes": notes, "tags": tags.split(),
    }
