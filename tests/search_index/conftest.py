"""Fixtures for the search_index tests: small German catalogues built with the production code."""

from __future__ import annotations

from datetime import datetime

import pytest

from search_index import CatalogueIndex, IndexDocument


def make_doc(n: int, title: str, summary: str = "", body: str = "", **kw) -> IndexDocument:
    kind = kw.pop("kind", "solution")
    return IndexDocument(
        doc_id=kw.pop("doc_id", f"{kind}:{n}"),
        kind=kind,
        solution_id=kw.pop("solution_id", n),
        version=kw.pop("version", 1),
        title=title,
        summary=summary,
        body=body,
        published=kw.pop("published", datetime(2020, 1, 1 + n % 28)),
        **kw,
    )


CATALOGUE = [
    make_doc(
        1,
        "Online-Termin-Buchung im Bürgeramt",
        "Bürgerinnen und Bürger buchen Termine online.",
        "Die **Terminbuchung** läuft über ein [Portal](https://example.org).",
        category="buergerservice",
        kreis="05754",
        municipality="05754008",
        status="im Betrieb",
        reuse_count=4,
        tags=("Termin", "Bürgerservice"),
    ),
    make_doc(
        2,
        "Onlineterminvergabe",
        "Termine für das Bürgerbüro vorab reservieren.",
        "Wartezeiten im Rathaus sinken deutlich.",
        category="buergerservice",
        kreis="05766",
        municipality="05766020",
        status="im Betrieb",
        reuse_count=1,
    ),
    make_doc(
        3,
        "Kita-Navigator",
        "Eltern finden einen Betreuungsplatz in der Kindertagesstätte.",
        "Die Anmeldung erfolgt digital, Plätze werden zentral vergeben.",
        category="familie",
        kreis="05754",
        municipality="05754028",
        status="in Umsetzung",
        reuse_count=7,
    ),
    make_doc(
        4,
        "Erfahrungen mit dem Kita-Portal",
        "Wir haben den Navigator nachgenutzt.",
        "Die Straße vor der Kita war gesperrt.",
        kind="report",
        solution_id=3,
        category="familie",
        kreis="05754",
        municipality="05754044",
    ),
    make_doc(
        5,
        "Terminvergabe für die Zulassungsstelle",
        "Kfz zulassen ohne Wartezeit.",
        "Fahrzeuge werden online angemeldet.",
        category="mobilitaet",
        kreis="05766",
        municipality="05766020",
        status="geplant",
    ),
    make_doc(
        6,
        "Sperrmüllabholung per App",
        "Abfall-Termine und Sperrmüll online anmelden.",
        "Der Abfallkalender erinnert an die Müllabfuhr.",
        category="umwelt",
        kreis="05758",
        municipality="05758012",
        status="im Betrieb",
        reuse_count=2,
    ),
    make_doc(
        7,
        "Mängelmelder für Straßenschäden",
        "Schlaglöcher mit Foto und Standort melden.",
        "Die Meldungen landen direkt beim Bauhof.",
        category="sicherheit",
        kreis="05758",
        municipality="05758012",
        status="abgeschlossen",
    ),
    make_doc(
        8,
        "Ratsinformationssystem mit App",
        "Sitzungsunterlagen digital für Ratsmitglieder.",
        "Vorlagen und Protokolle stehen im RIS bereit.",
        category="beteiligung",
        kreis="05766",
        municipality="05766008",
        status="im Betrieb",
    ),
]


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> CatalogueIndex:
    ix = CatalogueIndex(tmp_path_factory.mktemp("catalogue"))
    ix.rebuild(CATALOGUE, total=len(CATALOGUE))
    yield ix
    ix.close()


@pytest.fixture(autouse=True)
def _close_indexes(monkeypatch):
    """Close every CatalogueIndex a test opens (warnings are errors: no unclosed files)."""
    opened: list[CatalogueIndex] = []
    original = CatalogueIndex.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(CatalogueIndex, "__init__", init)
    yield
    for ix in opened:
        ix.close()
