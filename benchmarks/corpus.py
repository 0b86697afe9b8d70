"""Synthetic German municipal catalogue for benchmarks (seeded, reproducible).

Owns the generator of `IndexDocument`s and need texts used by benchmarks/search_latency.py and
benchmarks/matching_latency.py. Must not be imported by the application.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

from search_index.documents import IndexDocument

HEADS = (
    "Terminvergabe Terminbuchung Antrag Anmeldung Portal Plattform Melder Kalender Verwaltung "
    "Management Beratung Karte Sensor Messung Zählung Datenbank Übersicht Vergabe Ausgabe "
    "Abholung Bescheinigung Zulassung Genehmigung Förderung Steuerung Erfassung Buchung "
    "Reservierung Information Kommunikation Dokumentation Planung Leitsystem Monitoring "
    "Dashboard Netz App Assistent Service Zentrum Stelle Büro Amt Konzept Strategie"
).split()
MODIFIERS = (
    "Online Bürger Kita Kinder Schul Sperrmüll Abfall Müll Kfz Park Verkehrs Rad Bus Energie "
    "Klima Wasser Hochwasser Baum Grün Friedhof Sport Kultur Tourismus Wirtschafts Gewerbe "
    "Personal Rechnungs Post Akten Daten Geo Ratsinformations Sitzungs Beteiligungs Wahl Hunde "
    "Melde Ausweis Pass Wohngeld Sozial Pflege Senioren Jugend Familien Feuerwehr Warn Straßen "
    "Beleuchtungs Spielplatz Fundsachen Veranstaltungs Leerstands Breitband WLAN Schulweg"
).split()
LINKS = {"Verkehrs", "Wirtschafts", "Ratsinformations", "Sitzungs", "Beteiligungs", "Beleuchtungs"}
WORDS = (
    "Verwaltung Bürgerinnen Bürger digital Lösung Einführung Kommune Stadt Gemeinde Kreis "
    "Mitarbeitende Fachbereich Prozess Anträge Formular online Daten Schnittstelle Software "
    "Betrieb Kosten Aufwand Zeit Wochen Monate Projekt Pilot Umsetzung Nachnutzung Erfahrung "
    "Schulung Akzeptanz Datenschutz Sicherheit Anbieter Ausschreibung Vergabe Förderung Land "
    "Bund Zusammenarbeit Rechenzentrum Cloud Open Source Lizenz App Smartphone Website "
    "Rückmeldung Wartezeit Termin Bürgerbüro Rathaus Öffnungszeiten Telefon E-Mail Portal "
    "Karte Standort Sensor Messwerte Ampel Parkplatz Straße Radweg Haltestelle Fahrplan "
    "Kindertagesstätte Eltern Schule Lehrkräfte Tablets Klima Energie Strom Heizung Gebäude "
    "Hochwasser Pegel Warnung Feuerwehr Einsatz Müll Tonne Abholung Kalender Friedhof Grab "
    "Veranstaltung Kultur Museum Bibliothek Tourismus Gäste Wirtschaft Unternehmen Gewerbe "
    "Leerstand Innenstadt Handel Ehrenamt Verein Senioren Pflege Beratung Jugend Beteiligung "
    "Umfrage Ratsinformationssystem Sitzung Protokoll Beschluss E-Akte Dokumentenmanagement "
    "Posteingang Rechnung Signatur Archiv Homeoffice Zeiterfassung Personal Bewerbung "
    "funktioniert gut schnell einfach wichtig entscheidend erfolgreich gemeinsam regelmäßig "
    "eingeführt umgesetzt genutzt beantragt gebucht gemeldet geprüft veröffentlicht "
    "die der das und mit für von auf im in ist sind wurde werden haben hat nach bei aus zu"
).split()
SYLLABLES = (
    "ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu "
    "ra re ri ro ru sa se si so su ta te ti to tu ver ge be an aus ein"
).split()
CATEGORIES = (
    "buergerservice bauen-wohnen mobilitaet bildung familie-soziales gesundheit umwelt "
    "wirtschaft kultur sicherheit interne-verwaltung daten beteiligung infrastruktur"
).split()
KINDS = ("software", "service", "organisation", "vorlage", "infrastruktur")
STATUSES = ("geplant", "in Umsetzung", "im Betrieb", "abgeschlossen")
READINESS = ("sofort", "mit Anpassung", "nur Konzept")


class Corpus:
    def __init__(self, seed: int = 42):
        self.rng = random.Random(seed)
        rng = self.rng
        self.pseudo = [
            "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(20000)
        ]
        # Zipf-like weights. Function words take the top ranks; domain words and some compounds
        # are spread over the next ~900 ranks, so that a typical search word occurs in roughly
        # 1-15 % of the documents (as in real catalogues), not in nearly all of them.
        function_words = [w for w in WORDS if w.islower() and len(w) <= 6][:40]
        content = [w for w in WORDS if w not in function_words]
        compounds = [self.compound() for _ in range(3000)]
        head = content + compounds[:600]
        rng.shuffle(head)
        tail = compounds[600:] + self.pseudo
        rng.shuffle(tail)
        vocab = function_words + head + tail
        self.vocab = vocab
        self.weights = [1.0 / (i + 1) ** 1.07 for i in range(len(vocab))]
        self.cum_weights = list(itertools.accumulate(self.weights))
        self.kreise = [f"0575{i}" for i in range(8)] + [f"0576{i}" for i in range(8)]
        self.municipalities = [(k, f"{k}{j:03d}") for k in self.kreise for j in range(30)]

    def compound(self) -> str:
        rng = self.rng
        mod = rng.choice(MODIFIERS)
        head = rng.choice(HEADS)
        link = "" if mod in LINKS or mod.endswith(("s", "e")) else rng.choice(["", "", "s"])
        word = mod + link + head.lower()
        if rng.random() < 0.15:
            word = mod + "-" + head
        return word

    def words(self, n: int) -> str:
        return " ".join(self.rng.choices(self.vocab, cum_weights=self.cum_weights, k=n))

    def document(self, i: int) -> IndexDocument:
        rng = self.rng
        is_report = rng.random() < 0.2
        kreis, municipality = rng.choice(self.municipalities)
        title = f"{self.compound()} {rng.choice(['für', 'im', 'mit', 'in der'])} {self.compound()}"
        body_len = max(60, int(rng.lognormvariate(5.35, 0.5)))
        return IndexDocument(
            doc_id=f"{'report' if is_report else 'solution'}:{i}",
            kind="report" if is_report else "solution",
            solution_id=max(1, i - rng.randint(0, 5)) if is_report else i,
            version=1,
            title=title,
            summary=self.words(rng.randint(15, 40)),
            body=self.words(body_len),
            lessons=self.words(rng.randint(20, 60)),
            reports_text="" if is_report else self.words(rng.randint(0, 80)),
            tags=tuple(rng.sample(MODIFIERS, rng.randint(2, 5))),
            category=rng.choice(CATEGORIES),
            kreis=kreis,
            municipality=municipality,
            solution_kind=rng.choice(KINDS),
            status=rng.choice(STATUSES),
            readiness=rng.choice(READINESS),
            published=datetime(2018, 1, 1) + timedelta(days=rng.randint(0, 2500)),
            reuse_count=rng.choice([0, 0, 0, 1, 1, 2, 3, 5, 8]),
            population=rng.choice([0, 5000, 12000, 25000, 60000, 120000, 330000]),
        )

    def documents(self, n: int):
        for i in range(1, n + 1):
            yield self.document(i)

    def queries(self, n: int) -> list[str]:
        rng = self.rng
        out = []
        fixed = [
            "Terminvergabe",
            "Kfz Zulassung",
            "Kita Platz Vergabe",
            "Open Source Verwaltung",
            "Sperrmüll",
            "Bürgerbüro Termin",
            "Mängelmelder",
            "E-Akte",
            "Parkplatz Sensor",
            "Ratsinformationssystem",
            "Hochwasser Warnung",
            "digitale Schule Tablets",
        ]
        for i in range(n):
            if i < len(fixed):
                out.append(fixed[i])
            else:
                k = rng.choice([1, 1, 2, 2, 2, 3])
                words = [w for w in WORDS if not (w.islower() and len(w) <= 6)]
                out.append(
                    " ".join(
                        rng.choice(words) if rng.random() < 0.7 else self.compound()
                        for _ in range(k)
                    )
                )
        return out

    def needs(self, n: int) -> list[str]:
        rng = self.rng
        return [
            " ".join(
                rng.choice(WORDS) if rng.random() < 0.6 else self.compound()
                for _ in range(rng.randint(20, 80))
            )
            for _ in range(n)
        ]
