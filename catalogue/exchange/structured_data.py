"""schema.org JSON-LD for solution pages (pure: values in, dict out).

Type by kind: software → ``SoftwareApplication``, services → ``GovernmentService``, everything
else (organisational models, templates, data/infrastructure) → ``CreativeWork``. Only facts the
page itself shows; contact persons never appear. Rendered inside
``<script type="application/ld+json">``, a data block that browsers do not execute, so the CSP
(``script-src 'self'``) does not apply to it and stays strict.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from catalogue.exchange.publiccode import spdx_licence

SCHEMA_TYPES = {
    "software": "SoftwareApplication",
    "service": "GovernmentService",
}
DEFAULT_TYPE = "CreativeWork"


def _iso(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


def solution_jsonld(
    solution: Any, *, page_url: str, municipality_url: str, category_label: str
) -> dict[str, Any]:
    schema_type = SCHEMA_TYPES.get(solution.kind.value, DEFAULT_TYPE)
    organisation = {
        "@type": "GovernmentOrganization",
        "name": solution.lead_municipality.name,
        "url": municipality_url,
    }
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": schema_type,
        "@id": page_url,
        "name": solution.title,
        "description": solution.summary,
        "url": page_url,
    }
    if schema_type == "GovernmentService":
        data["serviceOperator"] = organisation
        data["provider"] = organisation
        data["areaServed"] = {
            "@type": "AdministrativeArea",
            "name": solution.lead_municipality.name,
        }
        data["category"] = category_label
    else:
        data["author"] = organisation
        data["inLanguage"] = "de"
        data["keywords"] = ", ".join(t.name for t in solution.tags)
        data["datePublished"] = _iso(solution.published_at)
        data["dateModified"] = _iso(solution.updated_at)
        spdx = spdx_licence(solution.licence)
        if spdx and " " not in spdx:
            data["license"] = f"https://spdx.org/licenses/{spdx}.html"
        if schema_type == "SoftwareApplication":
            data["applicationCategory"] = category_label
            if solution.repository_url:
                data["sameAs"] = solution.repository_url
    return {k: v for k, v in data.items() if v not in (None, "")}
