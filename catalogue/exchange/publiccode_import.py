"""publiccode.yml import: a file of the standard as the fields of a solution draft, with a report.

Pure: text in, ``ImportPlan`` out (the draft's fields, what was mapped, what was dropped and
why, and — for invalid files — the German list of problems). Creating the draft is the job of the
contribution service; this module never touches the database.

German text is preferred (``description.de``, else ``de-*``); without it the first available
language fills the draft and is flagged for translation; every other language is kept as a
section "Weitere Sprachen" with its short description and documentation links.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from catalogue.exchange import publiccode

MAX_BYTES = 512 * 1024
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "Englisch",
    "it": "Italienisch",
    "fr": "Französisch",
    "nl": "Niederländisch",
    "es": "Spanisch",
    "pt": "Portugiesisch",
    "sv": "Schwedisch",
    "da": "Dänisch",
    "pl": "Polnisch",
}
STATUS = {
    "concept": "planned",
    "development": "in_progress",
    "beta": "in_progress",
    "stable": "in_operation",
    "obsolete": "completed",
}
PRIMARY_CATEGORIES = {codes[0]: key for key, codes in publiccode.CATEGORY_MAP.items()}
SCOPE_CATEGORIES = {scope: key for key, scope in publiccode.SCOPE_MAP.items()}
SECONDARY_CATEGORIES = {
    "workflow-management": "interne-verwaltung",
    "e-signature": "interne-verwaltung",
    "hr": "interne-verwaltung",
    "accounting": "interne-verwaltung",
    "data-visualization": "daten-smart-city",
    "data-analytics": "daten-smart-city",
    "geographic-information-systems": "daten-smart-city",
    "appointment-scheduling": "buergerservice",
    "payment-gateway": "buergerservice",
    "online-booking": "buergerservice",
    "learning-management-system": "bildung",
    "it-security": "infrastruktur-it",
    "identity-management": "infrastruktur-it",
    "content-management": "beteiligung",
    "website-builder": "beteiligung",
    "task-management": "interne-verwaltung",
    "whistleblowing": "interne-verwaltung",
    "it-development": "infrastruktur-it",
    "knowledge-management": "interne-verwaltung",
}
FALLBACK_CATEGORY = "interne-verwaltung"
COUNTRY_KEY = re.compile(r"^[a-zA-Z]{2}$")


@dataclass
class ImportPlan:
    """The outcome of reading a file: either ``problems`` or the draft's fields and a report."""

    problems: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    mapped: list[tuple[str, str]] = field(default_factory=list)  # (file key, German field)
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (file key, reason)
    notes: list[str] = field(default_factory=list)
    version: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def _plain(value: Any) -> Any:
    """YAML dates become ISO strings (the standard's schema expects strings)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def read_document(text: str) -> tuple[Any, list[str]]:
    """Parse YAML safely; German problems with line numbers on syntax errors."""
    if len(text.encode("utf-8")) > MAX_BYTES:
        return None, ["Die Datei ist größer als 512 KB; eine publiccode.yml ist viel kleiner."]
    if not text.strip():
        return None, ["Die Datei ist leer."]
    try:
        return _plain(yaml.safe_load(text)), []
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" in Zeile {mark.line + 1}, Spalte {mark.column + 1}" if mark else ""
        return None, [f"Die Datei ist kein gültiges YAML{where}: {error.problem}."]
    except yaml.YAMLError:
        return None, ["Die Datei ist kein gültiges YAML."]
    except (ValueError, TypeError, OverflowError) as error:
        # YAML that parses but holds impossible values, e.g. a date "2024-13-45".
        return None, [f"Die Datei enthält einen ungültigen Wert: {error}."]


def _pick_language(descriptions: dict[str, Any]) -> str | None:
    for code in descriptions:
        if code.lower() == "de" or code.lower().startswith("de-"):
            return code
    return next(iter(descriptions), None)


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.split("-")[0].lower(), code)


def _split_long_description(text: str) -> tuple[str, str]:
    """(problem, description): undo the export's marked "Ausgangslage" and origin sentence."""
    text = (text or "").strip()
    text = re.sub(
        r"\n*Dieser Eintrag stammt aus dem Lösungskatalog des .*?; Erfahrungsberichte und "
        r"weitere Angaben: \S+\s*$",
        "",
        text,
    ).strip()
    problem = ""
    if text.startswith(publiccode.PROBLEM_PREFIX):
        first, _, rest = text.partition("\n\n")
        problem, text = first[len(publiccode.PROBLEM_PREFIX) :].strip(), rest.strip()
    return problem, text


def _category(doc: dict[str, Any]) -> tuple[str, bool]:
    categories = doc.get("categories") or []
    scopes = (doc.get("intendedAudience") or {}).get("scope") or []
    # The scope names a field of administration; categories often describe the technique.
    for scope in scopes:
        if scope in SCOPE_CATEGORIES:
            return SCOPE_CATEGORIES[scope], True
    for code in categories:
        if code in PRIMARY_CATEGORIES:
            return PRIMARY_CATEGORIES[code], True
    for code in categories:
        if code in SECONDARY_CATEGORIES:
            return SECONDARY_CATEGORIES[code], True
    return FALLBACK_CATEGORY, False


def _technology(doc: dict[str, Any]) -> str:
    parts = []
    if doc.get("platforms"):
        parts.append("Plattformen: " + ", ".join(str(p) for p in doc["platforms"]))
    if doc.get("softwareType"):
        parts.append(f"Softwaretyp: {doc['softwareType']}")
    depends = doc.get("dependsOn") or {}
    for key, label in (
        ("open", "Offene Abhängigkeiten"),
        ("proprietary", "Proprietäre Abhängigkeiten"),
    ):
        names = [d.get("name", "") for d in depends.get(key) or [] if d.get("name")]
        if names:
            parts.append(f"{label}: " + ", ".join(names))
    return "; ".join(parts)


def plan_import(text: str) -> ImportPlan:
    """Read a publiccode.yml and plan the solution draft it describes."""
    plan = ImportPlan()
    doc, problems = read_document(text)
    if problems:
        plan.problems = problems
        return plan
    if not isinstance(doc, dict):
        plan.problems = [
            "Die Datei enthält kein publiccode.yml-Dokument (erwartet: Schlüssel: Wert)."
        ]
        return plan
    # Country sections other than the schema's own "IT" (e.g. the German "de" extension) are
    # part of the standard but unknown to the schema: check the core without them.
    countries = {k: v for k, v in doc.items() if COUNTRY_KEY.match(k) and k != "IT"}
    core = {k: v for k, v in doc.items() if k not in countries}
    plan.problems = publiccode.validate(core)
    if plan.problems:
        return plan
    plan.version = str(core["publiccodeYmlVersion"])
    descriptions: dict[str, Any] = core.get("description") or {}
    language = _pick_language(descriptions)
    main = (descriptions.get(language) if language else None) or {}
    if language and not language.lower().startswith("de"):
        plan.notes.append(
            f"Die Datei hat keine deutsche Beschreibung; übernommen wurde {_language_name(language)} "
            f"({language}). Bitte übersetzen Sie Titel, Kurzbeschreibung und Beschreibung."
        )
    problem, description = _split_long_description(main.get("longDescription", ""))
    features = [str(f) for f in main.get("features") or []]
    tags: list[str] = []
    if features:
        bullets = set(re.findall(r"^\s*[-*]\s+(.+?)\s*$", description, re.MULTILINE))
        missing = [f for f in features if f not in bullets]
        if missing and all(len(f) <= 40 for f in missing):
            tags = missing[:15]
            plan.mapped.append((f"description.{language}.features", "Schlagworte"))
        elif missing:
            description += "\n\n**Funktionen:**\n\n" + "\n".join(f"- {f}" for f in missing)
            plan.mapped.append((f"description.{language}.features", "Beschreibung (Funktionen)"))
    links: list[dict[str, str]] = []
    if core.get("landingURL") and core["landingURL"] != core["url"]:
        links.append({"title": "Projektseite", "url": core["landingURL"]})
    for code, texts in descriptions.items():
        suffix = f" ({_language_name(code)})"
        for key, title in (
            ("documentation", "Dokumentation"),
            ("apiDocumentation", "API-Dokumentation"),
        ):
            if texts.get(key):
                links.append({"title": title + suffix, "url": texts[key]})
        for video in texts.get("videos") or []:
            links.append({"title": "Video" + suffix, "url": video})
    if core.get("roadmap"):
        links.append({"title": "Roadmap", "url": core["roadmap"]})
    others = [code for code in descriptions if code != language]
    if others:
        lines = [
            f"- {_language_name(code)} ({code}): {descriptions[code].get('shortDescription', '')}"
            for code in others
        ]
        description += "\n\n**Weitere Sprachen** (aus der publiccode.yml):\n\n" + "\n".join(lines)
        plan.mapped.append(("description.<weitere Sprachen>", "Beschreibung (Weitere Sprachen)"))
    owner = ((core.get("legal") or {}).get("repoOwner") or "").strip()
    users = [u for u in core.get("usedBy") or [] if u.strip() != owner]  # the owner is implied
    if users:
        description += "\n\n**Im Einsatz bei** (laut publiccode.yml): " + ", ".join(users)
        plan.mapped.append(("usedBy", "Beschreibung (Im Einsatz bei)"))
    category, recognised = _category(core)
    if not recognised:
        plan.notes.append(
            "Aus »categories« und »intendedAudience.scope« ließ sich keine Kategorie ableiten; "
            "vorläufig gewählt: Interne Verwaltung. Bitte prüfen Sie die Kategorie."
        )
    legal = core.get("legal") or {}
    organisation = core.get("organisation") or {}
    contacts = [
        {
            "name": c.get("name", ""),
            "role": "Technischer Kontakt"
            + (f" ({c['affiliation']})" if c.get("affiliation") else ""),
            "email": c.get("email", ""),
            "phone": str(c.get("phone", "")),
        }
        for c in (core.get("maintenance") or {}).get("contacts") or []
    ]
    leika = [
        str(entry.get("leika-id") or entry.get("leikaId") or "")
        for entry in (countries.get("de") or {}).get("leika") or []
        if isinstance(entry, dict)
    ]
    products = core["name"] + (f" {core['softwareVersion']}" if core.get("softwareVersion") else "")
    funded = [f.get("name") or f.get("uri", "") for f in core.get("fundedBy") or []]
    plan.fields = {
        "title": (main.get("localisedName") or core["name"])[:200],
        "summary": main.get("shortDescription", "") or core["name"],
        "problem": problem,
        "description": description.strip() or main.get("shortDescription", "") or core["name"],
        "category": category,
        "kind": "software",
        "project_status": STATUS.get(core["developmentStatus"], "in_operation"),
        "readiness": "documented" if main.get("documentation") else "on_request",
        "tags": tags,
        "lead_organisation": (
            legal.get("repoOwner")
            or organisation.get("name")
            or legal.get("mainCopyrightOwner")
            or ""
        )[:200],
        "technology": _technology(core),
        "products": products,
        "licence": legal.get("license", "")[:120],
        "repository_url": core["url"] if core["url"].startswith(("http://", "https://")) else "",
        "funding": ", ".join(n for n in funded if n),
        "leika_keys": "\n".join(k for k in leika if k),
        "links": links,
        "contacts": contacts,
    }
    plan.mapped.extend(
        [
            ("name / description.*.localisedName", "Titel"),
            (f"description.{language}.shortDescription", "Kurzbeschreibung"),
            (f"description.{language}.longDescription", "Beschreibung"),
            ("developmentStatus", "Projektstand"),
            ("categories / intendedAudience.scope", "Kategorie"),
            ("legal.license", "Lizenz"),
            ("url", "Quellcode"),
            ("legal.repoOwner / organisation", "Federführende Organisation"),
            ("platforms / softwareType / dependsOn", "Technik"),
            ("name / softwareVersion", "Produkte"),
        ]
    )
    if contacts:
        plan.mapped.append(("maintenance.contacts", "Ansprechpersonen"))
    if links:
        plan.mapped.append(("landingURL / documentation / videos / roadmap", "Links"))
    if funded:
        plan.mapped.append(("fundedBy", "Förderung"))
    if leika:
        plan.mapped.append(("de.leika", "LeiKa-Schlüssel"))
    if not plan.fields["repository_url"] and core["url"]:
        plan.dropped.append(("url", f"»{core['url']}« ist keine Web-Adresse (https://…)."))
    reasons = {
        "logo": "Logos werden im Katalog nicht angezeigt.",
        "monochromeLogo": "Logos werden im Katalog nicht angezeigt.",
        "releaseDate": "Der Katalog führt kein Veröffentlichungsdatum einer Softwareversion.",
        "inputTypes": "Dateiformate führt der Katalog nicht.",
        "outputTypes": "Dateiformate führt der Katalog nicht.",
        "localisation": "Sprachfähigkeiten der Software führt der Katalog nicht.",
        "applicationSuite": "Der Katalog kennt keine Software-Pakete.",
        "isBasedOn": "Abstammung (Fork) führt der Katalog nicht.",
        "IT": "Die italienische Ländererweiterung hat im Katalog keine Entsprechung.",
    }
    for key, reason in reasons.items():
        if key in core:
            plan.dropped.append((key, reason))
    for code, texts in descriptions.items():
        for key in ("screenshots", "awards", "genericName"):
            if texts.get(key):
                plan.dropped.append(
                    (f"description.{code}.{key}", "Dafür hat der Katalog kein Feld.")
                )
    for key in ("contractors",):
        if (core.get("maintenance") or {}).get(key):
            plan.dropped.append(
                (
                    "maintenance.contractors",
                    "Dienstleister werden nicht als Ansprechpersonen übernommen.",
                )
            )
    hardware = (core.get("dependsOn") or {}).get("hardware")
    if hardware:
        plan.dropped.append(
            ("dependsOn.hardware", "Hardware-Abhängigkeiten führt der Katalog nicht.")
        )
    for code in countries:
        if code == "de" and leika:
            continue
        plan.dropped.append(
            (code, f"Die Ländererweiterung »{code}« hat im Katalog keine Entsprechung.")
        )
    return plan
