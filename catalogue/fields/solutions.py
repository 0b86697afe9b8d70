"""The field specification of solutions (Lösungen): every plain field once, with where it shows.

Adding a plain field means: one ``Field`` here, the model column and a migration. The form, the
service input and validation, the revision merge, the review page and its diff, the public
"Steckbrief", the API and its OpenAPI schema, the export, the spreadsheet import, the seed and
the search document all iterate ``SOLUTION_SPEC``.

Columns with behaviour of their own stay explicit and are listed in ``SPECIAL_COLUMNS`` with the
reason (a convention test fails for a column that is in neither): the title's slug is derived
explicitly, but the title itself is a plain field. Relations (tags, partner municipalities,
links, contact persons, attachments) are not columns and stay explicit everywhere.
"""

from __future__ import annotations

from catalogue.fields.spec import Api, ContentSpec, Field, Kind

CONTENT = "Worum geht es?"
CLASSIFICATION = "Einordnung"
TECHNICAL = "Technik, Aufwand und Kosten"

SOLUTION_FIELDS: tuple[Field, ...] = (
    Field(
        "title",
        "Titel",
        Kind.LINE,
        CONTENT,
        required="Bitte geben Sie einen Titel an.",
        max_length=200,
        too_long="Der Titel darf höchstens 200 Zeichen lang sein.",
        hint="Ein sprechender Name, z. B. „Online-Terminvergabe im Bürgerbüro“.",
        public=False,  # the page heading
        review=False,  # the review page heading
        api=Api.SUMMARY,
        table="Titel",
        export=True,
        spreadsheet=True,
        table_hint="Name der Lösung, höchstens 200 Zeichen.",
        search="title",
    ),
    Field(
        "summary",
        "Kurzbeschreibung",
        Kind.TEXT,
        CONTENT,
        required="Bitte fassen Sie die Lösung in ein bis zwei Sätzen zusammen.",
        max_length=600,
        too_long="Die Kurzbeschreibung darf höchstens 600 Zeichen lang sein.",
        hint="Ein bis zwei Sätze: Was leistet die Lösung?",
        rows=3,
        public=False,  # the lead paragraph
        review=False,
        api=Api.SUMMARY,
        table="Kurzbeschreibung",
        export=True,
        spreadsheet=True,
        table_hint="Ein bis zwei Sätze, höchstens 600 Zeichen.",
        search="summary",
    ),
    Field(
        "problem",
        "Ausgangslage: Welches Problem hatten Sie?",
        Kind.TEXT,
        CONTENT,
        max_length=5000,
        hint="Was lief vorher schlecht? Andere Kommunen erkennen ihr eigenes Problem daran wieder.",
        rows=4,
        short_label="Ausgangslage",
        public=False,  # a section of the page
        review=False,
        table="Ausgangslage",
        spreadsheet=True,
        table_hint="Welches Problem wurde gelöst?",
        search="body",
    ),
    Field(
        "description",
        "Beschreibung",
        Kind.MARKDOWN,
        CONTENT,
        required="Bitte beschreiben Sie die Lösung.",
        max_length=50000,
        hint="Wie funktioniert die Lösung? Formatierung mit Markdown: **fett**, *kursiv*, Listen "
        "mit „- “. Mit „Vorschau anzeigen“ sehen Sie das Ergebnis.",
        rows=12,
        public=False,  # a section of the page
        review=False,
        api_key="description_markdown",
        table="Beschreibung",
        spreadsheet=True,
        table_hint="Ausführliche Beschreibung (Markdown erlaubt).",
        search="body",
    ),
    Field(
        "lead_organisation",
        "Federführende Stelle",
        Kind.LINE,
        CLASSIFICATION,
        max_length=200,
        hint="Zum Beispiel ein Fachbereich oder ein Eigenbetrieb.",
        public=False,  # shown with the lead municipality
        review=False,  # shown with the lead municipality
        table="Federführende Organisation",
        export=True,
        spreadsheet=True,
        table_hint="Z. B. Amt oder Eigenbetrieb.",
    ),
    Field(
        "partner_organisations",
        "Weitere Beteiligte",
        Kind.LINES,
        CLASSIFICATION,
        max_length=2000,
        hint="Unternehmen, Hochschulen oder andere Stellen – eine pro Zeile.",
        rows=3,
        empty="keine",
    ),
    Field(
        "ozg_references",
        "OZG-Bezug",
        Kind.LINES,
        CLASSIFICATION,
        max_length=2000,
        hint="Zum Beispiel „OZG-Themenfeld Familie & Kind“ – einer pro Zeile.",
        rows=2,
        empty="keiner",
    ),
    Field(
        "leika_keys",
        "LeiKa-Schlüssel",
        Kind.LINES,
        CLASSIFICATION,
        max_length=2000,
        hint="14-stellige Leistungsschlüssel, einer pro Zeile.",
        rows=2,
        empty="keine",
        seed=False,
    ),
    Field(
        "technology",
        "Technik",
        Kind.TEXT,
        TECHNICAL,
        max_length=2000,
        rows=2,
        table="Technik",
        spreadsheet=True,
        table_hint="Eingesetzte Technik und Produkte.",
    ),
    Field(
        "products",
        "Eingesetzte Produkte",
        Kind.TEXT,
        TECHNICAL,
        max_length=2000,
        hint="Eingesetzte Produkte oder Dienstleister.",
        rows=2,
        short_label="Produkte",
        seed=False,
    ),
    Field(
        "licence",
        "Lizenz",
        Kind.LINE,
        TECHNICAL,
        max_length=120,
        hint="Bei Software, z. B. „EUPL-1.2“.",
        table="Lizenz",
        export=True,
        spreadsheet=True,
        table_hint="Möglichst als SPDX-Kennung, z. B. EUPL-1.2.",
    ),
    Field(
        "repository_url",
        "Quellcode-Repository",
        Kind.URL,
        TECHNICAL,
        max_length=500,
        hint="Adresse des Quellcodes, falls offen verfügbar.",
        short_label="Quellcode",
        table="Quellcode",
        export=True,
        spreadsheet=True,
        table_hint="Adresse des Code-Repositorys (https://…).",
    ),
    Field(
        "effort_person_days",
        "Aufwand in Personentagen",
        Kind.INT,
        TECHNICAL,
        width=4,
        short_label="Aufwand",
        diff_label="Aufwand (Personentage)",
        unit="Personentage",
    ),
    Field(
        "cost_eur",
        "Kosten in Euro",
        Kind.MONEY,
        TECHNICAL,
        width=4,
        short_label="Kosten",
        diff_label="Kosten (Euro)",
        note="cost_note",
        table="Kosten (EUR)",
        export=True,
        spreadsheet=True,
        table_hint="Ganze Zahl ohne Tausenderpunkte.",
    ),
    Field(
        "cost_note",
        "Hinweis zu den Kosten",
        Kind.LINE,
        TECHNICAL,
        max_length=500,
        hint="Zum Beispiel „jährliche Lizenzkosten“.",
        diff_label="Hinweis zu Kosten",
        public=False,  # in brackets after the cost (note="cost_note")
        review=False,
        api=Api.NONE,
    ),
    Field(
        "duration_months",
        "Dauer in Monaten",
        Kind.INT,
        TECHNICAL,
        width=2,
        short_label="Dauer",
        diff_label="Dauer (Monate)",
        unit="Monate",
        grouped=False,
        table="Dauer (Monate)",
        export=True,
        spreadsheet=True,
        table_hint="Ganze Zahl.",
    ),
    Field(
        "funding",
        "Förderung",
        Kind.TEXT,
        TECHNICAL,
        max_length=2000,
        rows=2,
        table="Förderung",
        export=True,
        spreadsheet=True,
        table_hint="Förderprogramm und Höhe.",
    ),
    Field(
        "review_by",
        "Inhalt prüfen bis",
        Kind.DATE,
        TECHNICAL,
        hint="Wann sollte der Eintrag überprüft werden?",
        short_label="Nächste Prüfung",
        public=False,  # the page shows the due date of the freshness rules instead
        review=False,  # explicit row: empty means the configured interval
        api=Api.NONE,
        seed=False,
    ),
)

# Columns of the ``solution`` table that are not plain fields, and why.
SPECIAL_COLUMNS: dict[str, str] = {
    "id": "identity",
    "slug": "derived from the title when the draft is created",
    "state": "workflow (catalogue.workflow)",
    "revision_of_id": "workflow: a revision points at the published entry",
    "version": "bumped on every change; the search index compares it",
    "category": "a choice from catalogue.categories, shown with its label",
    "kind": "enum with German labels (SolutionKind)",
    "project_status": "enum with German labels (ProjectStatus)",
    "readiness": "enum with German labels (Readiness)",
    "lead_municipality_ags": "relation; contributors get their own, curators choose",
    "confirmed_at": "freshness: set by 'Angaben sind aktuell' (services.freshness)",
    "source_note": "provenance of seeded model projects, written by the seed only",
    "is_demo": "marks fictional demo content, set by the seed",
    "created_by_id": "bookkeeping",
    "created_at": "bookkeeping",
    "updated_at": "bookkeeping",
    "published_at": "workflow: set on publication",
}

SOLUTION_SPEC = ContentSpec(SOLUTION_FIELDS, SPECIAL_COLUMNS)
SPEC = SOLUTION_SPEC  # the name the conventions test reads in every spec module
