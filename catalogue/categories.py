"""The catalogue's category taxonomy (key → German name).

Shipped as data so the whole app, the seeds and the search layer agree on keys. The list follows
the categories of the municipal matching benchmark and roughly the OZG Themenfelder.
"""

CATEGORIES: dict[str, str] = {
    "buergerservice": "Bürgerservice & Verwaltungsleistungen",
    "bauen-wohnen": "Bauen & Wohnen",
    "mobilitaet": "Mobilität & Verkehr",
    "bildung": "Bildung & Schule",
    "familie-soziales": "Familie & Soziales",
    "gesundheit": "Gesundheit & Pflege",
    "umwelt-klima": "Umwelt, Klima & Energie",
    "wirtschaft-tourismus": "Wirtschaft & Tourismus",
    "kultur-freizeit": "Kultur & Freizeit",
    "sicherheit-ordnung": "Sicherheit & Ordnung",
    "interne-verwaltung": "Interne Verwaltung & E-Akte",
    "daten-smart-city": "Daten, Open Data & Smart City",
    "beteiligung": "Beteiligung & Kommunikation",
    "infrastruktur-it": "Infrastruktur & IT-Betrieb",
}


def category_label(key: str | None) -> str:
    return CATEGORIES.get(key or "", key or "")
