"""Writes data/places.tsv: countries and cities with their names in en, es, de, fr, pt, it.

Source: Unicode CLDR as shipped by the Python package `babel` (pip install babel==2.19.0):
territory display names (countries and world regions) and the exemplar cities of the time
zones. CLDR data is under the Unicode License v3 (see data/ATTRIBUTION.md).

    python3 tools/gen_places.py > data/places.tsv
"""
import unicodedata

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

LANGS = ["en", "es", "de", "fr", "pt", "it"]


def slug(s):
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in s).split())


def main():
    locales = {l: Locale(l) for l in LANGS}
    print("# id\tkind\tnames (en first, then es de fr pt it; '|' between forms). From Unicode CLDR via babel; see ATTRIBUTION.md")
    rows = []
    for code, en in sorted(locales["en"].territories.items()):
        if not (len(code) == 2 and code.isalpha()) or code in ("ZZ", "XA", "XB", "EU", "EZ", "UN", "QO"):
            continue
        names = []
        for l in LANGS:
            for key in (code, code + "-alt-short", code + "-alt-variant"):
                n = locales[l].territories.get(key)
                if n and n not in names:
                    names.append(n)
        rows.append(("country/" + slug(en), "country", names))
    seen = set()
    for zone, terr in sorted(get_global("zone_territories").items()):
        if zone.startswith("Etc/") or "/" not in zone:
            continue
        names = []
        for l in LANGS:
            try:
                n = get_timezone_location(zone, locale=l, return_city=True)
            except Exception:
                continue
            if n and n not in names and "Unknown" not in n:
                names.append(n)
        if not names:
            continue
        cid = "city/" + slug(names[0])
        if cid in seen:
            continue
        seen.add(cid)
        rows.append((cid, "city", names))
    for rid, kind, names in rows:
        print(f"{rid}\t{kind}\t{'|'.join(names)}")


if __name__ == "__main__":
    main()
