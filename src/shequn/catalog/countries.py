"""Country names in the page's language, for the JGS-20 origin codes.

A country is interface text, not data a brand enters: the product stores its JGS-20
code (``origin_country``) and a page shows the name in its own language. The English
names are the msgids; their zh-Hans translations are the customs list's own names
(data/jgs20_countries.json), which are also shown on a Chinese page whose catalogue
has no entry yet, so the default language never falls back to English. The codes are
the customs numbering, not ISO 3166, so no ISO library would map them without a
second table anyway.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

from shequn.catalog.validators import country_codes

# JGS-20 code → English name (gettext msgid); one entry per code of the customs list.
COUNTRIES: dict[str, str] = {
    "101": _("Afghanistan"), "102": _("Bahrain"), "103": _("Bangladesh"),
    "104": _("Bhutan"), "105": _("Brunei"), "106": _("Myanmar"), "107": _("Cambodia"),
    "108": _("Cyprus"), "110": _("Hong Kong, China"), "111": _("India"),
    "112": _("Indonesia"), "113": _("Iran"), "114": _("Iraq"), "115": _("Israel"),
    "116": _("Japan"), "117": _("Jordan"), "118": _("Kuwait"), "119": _("Laos"),
    "120": _("Lebanon"), "121": _("Macao, China"), "122": _("Malaysia"),
    "123": _("Maldives"), "124": _("Mongolia"), "125": _("Nepal"), "126": _("Oman"),
    "127": _("Pakistan"), "129": _("Philippines"), "130": _("Qatar"),
    "131": _("Saudi Arabia"), "132": _("Singapore"), "133": _("South Korea"),
    "134": _("Sri Lanka"), "136": _("Thailand"), "137": _("Türkiye"),
    "138": _("United Arab Emirates"), "141": _("Vietnam"), "142": _("China"),
    "143": _("Taiwan, China"),
    "244": _("South Africa"),
    "301": _("Belgium"), "302": _("Denmark"), "303": _("United Kingdom"),
    "304": _("Germany"), "305": _("France"), "306": _("Ireland"), "307": _("Italy"),
    "308": _("Luxembourg"), "309": _("Netherlands"), "310": _("Greece"),
    "311": _("Portugal"), "312": _("Spain"), "315": _("Austria"), "316": _("Bulgaria"),
    "318": _("Finland"), "321": _("Hungary"), "322": _("Iceland"), "324": _("Malta"),
    "326": _("Norway"), "327": _("Poland"), "328": _("Romania"), "330": _("Sweden"),
    "331": _("Switzerland"), "334": _("Estonia"), "335": _("Latvia"),
    "336": _("Lithuania"), "344": _("Russia"), "347": _("Ukraine"),
    "350": _("Slovenia"), "351": _("Croatia"), "352": _("Czechia"),
    "353": _("Slovakia"),
    "404": _("Argentina"), "410": _("Brazil"), "412": _("Chile"), "429": _("Mexico"),
    "501": _("Canada"), "502": _("United States"),
    "601": _("Australia"), "609": _("New Zealand"),
}


def country_name(code: object) -> str:
    """The name of a JGS-20 country code in the active language ("" for no code;
    the code itself for one the list does not know)."""
    text = str(code or "").strip()
    if not text:
        return ""
    english = COUNTRIES.get(text)
    if english is None:
        return text
    name = gettext(english)
    if name == english and (translation.get_language() or "").lower().startswith("zh"):
        return country_codes().get(text, english)
    return name


def country_choices() -> list[tuple[str, str]]:
    """(code, name) for a select, in code order, names in the active language."""
    return [(code, country_name(code)) for code in sorted(country_codes())]

