"""publiccode.yml export: a catalogue software solution as a document of the standard.

Pure mapping and checking: takes plain values (an already loaded solution and the facts around
it), returns a dict / YAML text and a list of German problems. It never queries the database and
never imports Flask; services decide who may see what and hand in only what may be published.

Mapping decisions (documented in the README, section "publiccode.yml"):
- ``url`` is the code repository; without one, the catalogue page stands in for it (the standard
  requires a URL) and ``landingURL`` is always the catalogue page.
- ``legal.license`` must be an SPDX expression: free-text licences that are not SPDX become
  ``LicenseRef-unbekannt`` (a valid SPDX custom reference) rather than a guess.
- ``developmentStatus`` follows the project status, ``usedBy`` lists the lead municipality and
  every municipality that runs the solution (reuse "Pilot" or "im Betrieb").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

SCHEMA_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "publiccode" / "publiccode.schema.json"
)
PUBLICCODE_VERSION = "0.5.0"
UNKNOWN_LICENCE = "LicenseRef-unbekannt"
SHORT_MAX, LONG_MIN, LONG_MAX, FEATURE_MAX, GENERIC_MAX = 150, 150, 10_000, 100, 35

# Common open-source licences in the public sector (SPDX identifiers); others stay text.
SPDX_IDS = {
    i.lower(): i
    for i in (
        "EUPL-1.1",
        "EUPL-1.2",
        "AGPL-3.0-only",
        "AGPL-3.0-or-later",
        "GPL-2.0-only",
        "GPL-2.0-or-later",
        "GPL-3.0-only",
        "GPL-3.0-or-later",
        "LGPL-2.1-only",
        "LGPL-2.1-or-later",
        "LGPL-3.0-only",
        "LGPL-3.0-or-later",
        "MPL-2.0",
        "Apache-2.0",
        "MIT",
        "BSD-2-Clause",
        "BSD-3-Clause",
        "ISC",
        "EPL-2.0",
        "CC0-1.0",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "Unlicense",
        "0BSD",
    )
}
# Frequent German spellings that map unambiguously to one identifier.
LICENCE_ALIASES = {
    "eupl 1.2": "EUPL-1.2",
    "eupl v1.2": "EUPL-1.2",
    "eupl": "EUPL-1.2",
    "mit-lizenz": "MIT",
    "mit license": "MIT",
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "mpl 2.0": "MPL-2.0",
}

DEVELOPMENT_STATUS = {
    "planned": "concept",
    "in_progress": "development",
    "in_operation": "stable",
    "completed": "stable",
}
# Catalogue category -> publiccode.yml categories (only where the standard's list fits).
CATEGORY_MAP: dict[str, tuple[str, ...]] = {
    "buergerservice": ("digital-citizenship",),
    "bildung": ("educational-content",),
    "interne-verwaltung": ("document-management", "workflow-management"),
    "daten-smart-city": ("data-collection", "data-visualization"),
    "beteiligung": ("communications", "survey"),
    "infrastruktur-it": ("it-management",),
    "bauen-wohnen": ("property-management",),
    "kultur-freizeit": ("event-management",),
}
# Catalogue category -> intendedAudience.scope of the standard (besides "local-authorities").
SCOPE_MAP: dict[str, str] = {
    "mobilitaet": "transportation",
    "bildung": "education",
    "familie-soziales": "welfare",
    "gesundheit": "healthcare",
    "umwelt-klima": "environment",
    "wirtschaft-tourismus": "tourism",
    "kultur-freizeit": "culture",
    "sicherheit-ordnung": "security",
}
# Words in tags/technology -> publiccode.yml category.
KEYWORD_CATEGORIES = (
    ("termin", "appointment-scheduling"),
    ("payment", "payment-gateway"),
    ("bezahl", "payment-gateway"),
    ("geo", "geographic-information-systems"),
    ("dashboard", "data-visualization"),
    ("chatbot", "customer-service-and-support"),
    ("e-akte", "document-management"),
    ("dokumentenmanagement", "document-management"),
    ("umfrage", "survey"),
    ("buchung", "online-booking"),
)
PLATFORM_WORDS = (
    ("android", "android"),
    ("ios", "ios"),
    ("iphone", "ios"),
    ("windows", "windows"),
    ("macos", "mac"),
    ("linux", "linux"),
)
RUNNING_REUSE = {"pilot", "in_operation"}


@dataclass(frozen=True)
class ExportContact:
    """A person who agreed to share their contact details (profile setting)."""

    name: str
    email: str
    phone: str
    affiliation: str


@dataclass
class ExportFacts:
    """What the export needs besides the solution's own columns."""

    page_url: str
    lead_name: str
    users: list[str] = field(default_factory=list)
    contacts: list[ExportContact] = field(default_factory=list)


def spdx_licence(text: str) -> str | None:
    """The SPDX identifier for a licence field, or None if it is not clearly one."""
    value = (text or "").strip()
    if not value:
        return None
    if value.lower() in SPDX_IDS:
        return SPDX_IDS[value.lower()]
    if value.lower() in LICENCE_ALIASES:
        return LICENCE_ALIASES[value.lower()]
    # SPDX expressions of known identifiers ("EUPL-1.2 OR MIT")
    parts = re.split(r"\s+(AND|OR|WITH)\s+", value)
    if len(parts) > 1 and all(p in ("AND", "OR", "WITH") or p.lower() in SPDX_IDS for p in parts):
        return " ".join(SPDX_IDS.get(p.lower(), p) for p in parts)
    return None


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def _platforms(solution: Any) -> list[str]:
    words = f"{solution.technology} {solution.products}".lower()
    found = []
    for word, platform in PLATFORM_WORDS:
        if re.search(rf"\b{word}\b", words) and platform not in found:
            found.append(platform)
    mobile_only = found and set(found) <= {"android", "ios"} and "web" not in words
    if not mobile_only and ("web" not in found):
        found.insert(0, "web")
    return found


def _categories(solution: Any) -> list[str]:
    result = list(CATEGORY_MAP.get(solution.category, ()))
    words = " ".join([t.name for t in solution.tags] + [solution.technology]).lower()
    for word, category in KEYWORD_CATEGORIES:
        if word in words and category not in result:
            result.append(category)
    return result


def _features(solution: Any) -> list[str]:
    """Bullet points of the description, else the tags: the closest thing to a feature list."""
    bullets = [
        m.group(1).strip()
        for m in re.finditer(r"^\s*[-*]\s+(.+)$", solution.description or "", re.MULTILINE)
    ]
    items = bullets or [t.name for t in solution.tags]
    return [_shorten(item, FEATURE_MAX) for item in items if item.strip()][:20]


PROBLEM_PREFIX = "**Ausgangslage:** "
ORIGIN_SENTENCE = "Dieser Eintrag stammt aus dem Lösungskatalog des {operator}; Erfahrungsberichte und weitere Angaben: {url}"


def _long_description(solution: Any, facts: ExportFacts, operator: str) -> str:
    """Problem (marked, so that an import can split it off again) and the Markdown description;
    the summary stands in when the description is empty, and a sentence naming the catalogue pads
    texts below the standard's 150-character minimum."""
    parts = []
    if solution.problem and solution.problem.strip():
        parts.append(PROBLEM_PREFIX + " ".join(solution.problem.split()))
    parts.append((solution.description or solution.summary or "").strip())
    text = "\n\n".join(p for p in parts if p)
    if len(text) < LONG_MIN:
        text += "\n\n" + ORIGIN_SENTENCE.format(operator=operator, url=facts.page_url)
    if len(text) > LONG_MAX:
        text = text[: LONG_MAX - 1].rsplit(" ", 1)[0] + "…"
    return text.strip()


def build_publiccode(solution: Any, facts: ExportFacts, *, operator: str) -> dict[str, Any]:
    """The publiccode.yml document (as a dict) for one published software solution."""
    platforms = _platforms(solution)
    if "web" in platforms:
        software_type = "standalone/web"
    elif set(platforms) <= {"android", "ios"}:
        software_type = "standalone/mobile"
    else:
        software_type = "standalone/desktop"
    german: dict[str, Any] = {
        "localisedName": solution.title,
        "shortDescription": _shorten(solution.summary or solution.title, SHORT_MAX),
        "longDescription": _long_description(solution, facts, operator),
        "features": _features(solution),
    }
    doc: dict[str, Any] = {
        "publiccodeYmlVersion": PUBLICCODE_VERSION,
        "name": solution.title,
        "url": solution.repository_url or facts.page_url,
        "landingURL": facts.page_url,
        "platforms": platforms,
        "categories": _categories(solution),
        "developmentStatus": DEVELOPMENT_STATUS[solution.project_status.value],
        "softwareType": software_type,
        "intendedAudience": {
            "scope": ["local-authorities"]
            + ([SCOPE_MAP[solution.category]] if solution.category in SCOPE_MAP else [])
        },
        "description": {"de": german},
        "legal": {
            "license": spdx_licence(solution.licence) or UNKNOWN_LICENCE,
            "mainCopyrightOwner": solution.lead_organisation or facts.lead_name,
            "repoOwner": facts.lead_name,
        },
        "maintenance": {"type": "internal"},
        "localisation": {"localisationReady": False, "availableLanguages": ["de"]},
    }
    if facts.users:
        doc["usedBy"] = facts.users
    if facts.contacts:
        doc["maintenance"]["contacts"] = [
            {
                key: value
                for key, value in (
                    ("name", c.name),
                    ("email", c.email),
                    ("phone", c.phone),
                    ("affiliation", c.affiliation),
                )
                if value
            }
            for c in facts.contacts
        ]
    if not doc["categories"]:
        del doc["categories"]  # optional since 0.5; an empty list says nothing
    return doc


def dump_publiccode(doc: dict[str, Any], *, notes: list[str] | None = None) -> str:
    """YAML text with a comment header (source, notes); key order as built."""
    header = [
        "# publiccode.yml – erzeugt aus dem Lösungskatalog (https://yml.publiccode.tools/)",
        *(f"# Hinweis: {note}" for note in notes or []),
    ]
    body = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    return "\n".join(header) + "\n" + body


def export_notes(doc: dict[str, Any], solution: Any) -> list[str]:
    """German notes that say where the export had to fill a gap of the catalogue entry."""
    notes = []
    if not solution.repository_url:
        notes.append("Kein Code-Repository bekannt; »url« verweist auf die Katalogseite.")
    if doc["legal"]["license"] == UNKNOWN_LICENCE:
        notes.append(
            "Die Lizenz ist im Katalog nicht als SPDX-Kennung angegeben"
            + (f" (»{solution.licence}«)." if solution.licence else ".")
        )
    return notes


@cache
def schema() -> dict[str, Any]:
    with open(SCHEMA_FILE, encoding="utf-8") as f:
        return json.load(f)


TYPE_NAMES = {
    "string": "Text",
    "array": "eine Liste",
    "object": "ein Abschnitt (Schlüssel: Wert)",
    "boolean": "true oder false",
    "number": "eine Zahl",
    "integer": "eine ganze Zahl",
}


def _path(error) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(Dokument)"


def _german(error) -> str:
    where = _path(error)
    validator = error.validator
    if validator == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        key = missing.group(1) if missing else "?"
        prefix = f"{where}." if where != "(Dokument)" else ""
        return f"Pflichtfeld »{prefix}{key}« fehlt."
    if validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value[:12])
        more = " …" if len(error.validator_value) > 12 else ""
        return f"»{where}«: Wert »{error.instance}« ist nicht erlaubt (erlaubt: {allowed}{more})."
    if validator == "type":
        expected = TYPE_NAMES.get(str(error.validator_value), str(error.validator_value))
        hint = " (Zahlen wie 0.4 bitte in Anführungszeichen setzen)" if expected == "Text" else ""
        return f"»{where}«: erwartet wird {expected}{hint}."
    if validator == "maxLength":
        return f"»{where}«: höchstens {error.validator_value} Zeichen erlaubt."
    if validator == "minLength":
        return f"»{where}«: mindestens {error.validator_value} Zeichen nötig."
    if validator == "additionalProperties":
        extra = re.findall(r"'([^']+)'", error.message)
        return f"»{where}«: unbekannte Angabe(n) {', '.join(extra)}."
    if validator == "format":
        return f"»{where}«: »{error.instance}« ist kein gültiges Format ({error.validator_value})."
    return f"»{where}«: {error.message}"


def validate(doc: Any) -> list[str]:
    """Problems of a publiccode.yml document against the standard's JSON schema, in German."""
    if not isinstance(doc, dict):
        return ["Die Datei enthält kein publiccode.yml-Dokument (erwartet wird eine Zuordnung)."]
    validator = Draft7Validator(schema(), format_checker=Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message))
    return [_german(e) for e in errors]
