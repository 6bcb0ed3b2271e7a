"""Measurement unit names in the page's language, for the JGS-20 unit codes.

As with origin countries (catalog/countries.py): the SKU stores the customs code
(``unit``, ``legal_unit1``, …) and a page names it in its own language. The English
names are the msgids; their zh-Hans translations are the customs list's own names
(data/jgs20_units.json). Many Chinese units are classifiers (台, 只, 副) that English
counts differently: the English name says what the classifier counts.
"""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from shequn.catalog.validators import unit_codes

# JGS-20 code → its name (msgid in the "unit" context: "lot", "case" or "set" mean
# other things elsewhere on the pages); one entry per code of the customs list.
UNITS = {
    "001": pgettext_lazy("unit", "unit (machine)"),
    "002": pgettext_lazy("unit", "unit (structure)"),
    "003": pgettext_lazy("unit", "vehicle"),
    "004": pgettext_lazy("unit", "vessel"),
    "005": pgettext_lazy("unit", "unit (aircraft, frame)"),
    "006": pgettext_lazy("unit", "set"),
    "007": pgettext_lazy("unit", "piece"),
    "008": pgettext_lazy("unit", "piece (animal, single item)"),
    "009": pgettext_lazy("unit", "head"),
    "010": pgettext_lazy("unit", "sheet"),
    "011": pgettext_lazy("unit", "item"),
    "012": pgettext_lazy("unit", "stick"),
    "013": pgettext_lazy("unit", "stem"),
    "014": pgettext_lazy("unit", "rod"),
    "015": pgettext_lazy("unit", "strip"),
    "016": pgettext_lazy("unit", "piece (tool with a handle)"),
    "017": pgettext_lazy("unit", "block"),
    "018": pgettext_lazy("unit", "roll"),
    "019": pgettext_lazy("unit", "pair (set of two)"),
    "020": pgettext_lazy("unit", "slice"),
    "021": pgettext_lazy("unit", "group"),
    "022": pgettext_lazy("unit", "portion"),
    "023": pgettext_lazy("unit", "panel (picture, cloth)"),
    "025": pgettext_lazy("unit", "pair"),
    "026": pgettext_lazy("unit", "couple"),
    "027": pgettext_lazy("unit", "tree"),
    "028": pgettext_lazy("unit", "plant"),
    "029": pgettext_lazy("unit", "well"),
    "030": pgettext_lazy("unit", "metre"),
    "031": pgettext_lazy("unit", "reel"),
    "032": pgettext_lazy("unit", "square metre"),
    "033": pgettext_lazy("unit", "cubic metre"),
    "034": pgettext_lazy("unit", "tube"),
    "035": pgettext_lazy("unit", "kilogram"),
    "036": pgettext_lazy("unit", "gram"),
    "037": pgettext_lazy("unit", "pot"),
    "038": pgettext_lazy("unit", "10,000 pieces"),
    "039": pgettext_lazy("unit", "unit (apparatus)"),
    "040": pgettext_lazy("unit", "100 pairs (sets of two)"),
    "041": pgettext_lazy("unit", "100 sticks"),
    "042": pgettext_lazy("unit", "100 pieces (tools with a handle)"),
    "043": pgettext_lazy("unit", "100 pieces"),
    "044": pgettext_lazy("unit", "100 slices"),
    "045": pgettext_lazy("unit", "ream (100 sheets)"),
    "046": pgettext_lazy("unit", "bolt (cloth)"),
    "047": pgettext_lazy("unit", "quintal (100 kg)"),
    "048": pgettext_lazy("unit", "leaf (door, window)"),
    "049": pgettext_lazy("unit", "100 stems"),
    "050": pgettext_lazy("unit", "1,000 pieces (animals, single items)"),
    "051": pgettext_lazy("unit", "1,000 blocks"),
    "052": pgettext_lazy("unit", "1,000 boxes"),
    "053": pgettext_lazy("unit", "1,000 stems"),
    "054": pgettext_lazy("unit", "1,000 pieces"),
    "055": pgettext_lazy("unit", "100 million sticks"),
    "056": pgettext_lazy("unit", "100 million pieces"),
    "057": pgettext_lazy("unit", "10,000 sets"),
    "058": pgettext_lazy("unit", "1,000 sheets"),
    "059": pgettext_lazy("unit", "10,000 sheets"),
    "060": pgettext_lazy("unit", "kilovolt-ampere"),
    "061": pgettext_lazy("unit", "kilowatt"),
    "062": pgettext_lazy("unit", "kilowatt-hour"),
    "063": pgettext_lazy("unit", "kilolitre"),
    "067": pgettext_lazy("unit", "foot"),
    "070": pgettext_lazy("unit", "tonne"),
    "071": pgettext_lazy("unit", "long ton"),
    "072": pgettext_lazy("unit", "short ton"),
    "073": pgettext_lazy("unit", "picul"),
    "074": pgettext_lazy("unit", "catty"),
    "075": pgettext_lazy("unit", "jin (500 g)"),
    "076": pgettext_lazy("unit", "pound"),
    "077": pgettext_lazy("unit", "dan (50 kg)"),
    "078": pgettext_lazy("unit", "long hundredweight"),
    "079": pgettext_lazy("unit", "short hundredweight"),
    "080": pgettext_lazy("unit", "liang (50 g)"),
    "081": pgettext_lazy("unit", "shi dan (50 kg)"),
    "083": pgettext_lazy("unit", "ounce"),
    "084": pgettext_lazy("unit", "carat"),
    "085": pgettext_lazy("unit", "chi (1/3 m)"),
    "086": pgettext_lazy("unit", "yard"),
    "088": pgettext_lazy("unit", "inch"),
    "089": pgettext_lazy("unit", "cun (1/30 m)"),
    "095": pgettext_lazy("unit", "litre"),
    "096": pgettext_lazy("unit", "millilitre"),
    "097": pgettext_lazy("unit", "imperial gallon"),
    "098": pgettext_lazy("unit", "US gallon"),
    "099": pgettext_lazy("unit", "cubic foot"),
    "101": pgettext_lazy("unit", "cubic chi"),
    "110": pgettext_lazy("unit", "square yard"),
    "111": pgettext_lazy("unit", "square foot"),
    "112": pgettext_lazy("unit", "square chi"),
    "115": pgettext_lazy("unit", "imperial horsepower"),
    "116": pgettext_lazy("unit", "metric horsepower"),
    "118": pgettext_lazy("unit", "ream"),
    "120": pgettext_lazy("unit", "case"),
    "121": pgettext_lazy("unit", "lot"),
    "122": pgettext_lazy("unit", "can"),
    "123": pgettext_lazy("unit", "barrel"),
    "124": pgettext_lazy("unit", "bundle"),
    "125": pgettext_lazy("unit", "pack"),
    "126": pgettext_lazy("unit", "large basket"),
    "127": pgettext_lazy("unit", "dozen"),
    "128": pgettext_lazy("unit", "basket"),
    "129": pgettext_lazy("unit", "gross (144)"),
    "130": pgettext_lazy("unit", "bolt (fabric)"),
    "131": pgettext_lazy("unit", "volume"),
    "132": pgettext_lazy("unit", "copy (book)"),
    "133": pgettext_lazy("unit", "round (ammunition)"),
    "134": pgettext_lazy("unit", "piece (small flat item)"),
    "135": pgettext_lazy("unit", "bale"),
    "136": pgettext_lazy("unit", "bag"),
    "139": pgettext_lazy("unit", "grain (tablet, bead)"),
    "140": pgettext_lazy("unit", "box"),
    "141": pgettext_lazy("unit", "box (of a set)"),
    "142": pgettext_lazy("unit", "bottle"),
    "143": pgettext_lazy("unit", "1,000 sticks"),
    "144": pgettext_lazy("unit", "10,000 pairs"),
    "145": pgettext_lazy("unit", "10,000 grains"),
    "146": pgettext_lazy("unit", "1,000 grains"),
    "147": pgettext_lazy("unit", "kilometre"),
    "148": pgettext_lazy("unit", "1,000 feet"),
    "149": pgettext_lazy("unit", "megabecquerel"),
    "163": pgettext_lazy("unit", "unit (device)"),
}


def unit_name(code: object) -> str:
    """The name of a JGS-20 unit code in the active language ("" for no code;
    the customs list's own name, else the code, for one without an entry)."""
    text = str(code or "").strip()
    if not text:
        return ""
    name = UNITS.get(text)
    return str(name) if name is not None else unit_codes().get(text, text)


def unit_choices() -> list[tuple[str, str]]:
    """(code, name) for a select, in code order, names in the active language."""
    return [(code, unit_name(code)) for code in sorted(unit_codes())]
