"""Findable on the web: robots.txt, sitemap.xml and the JSON-LD of solution pages.

Absolute links come from BASE_URL (like feeds and e-mails). Private areas (contributing,
review, administration, accounts, downloads) are excluded from crawling.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Blueprint, Response, current_app, url_for

from catalogue.categories import category_label
from catalogue.exchange.structured_data import solution_jsonld
from catalogue.models import ContentState, SolutionKind
from catalogue.services import open_data

bp = Blueprint("findability", __name__)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PRIVATE_PREFIXES = (
    "/mitwirken/",
    "/pruefung/",
    "/verwaltung/",
    "/vermittlung",
    "/anmelden",
    "/konto",
    "/anhaenge/",
    "/export/",
    "/suche",
)


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES]
    lines.append(f"Sitemap: {_absolute('findability.sitemap')}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    ET.register_namespace("", SITEMAP_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for entry in open_data.sitemap_entries():
        url = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = _absolute(entry.endpoint, **entry.values)
        if entry.lastmod:
            ET.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = entry.lastmod.date().isoformat()
    body = ET.tostring(urlset, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/xml")


@bp.app_template_global("solution_jsonld")
def solution_structured_data(solution) -> dict | None:
    """JSON-LD for a published solution page (None for drafts and revisions)."""
    if solution.state != ContentState.PUBLISHED or solution.revision_of_id is not None:
        return None
    return solution_jsonld(
        solution,
        page_url=_absolute("public.solution", slug=solution.slug),
        municipality_url=_absolute("public.municipality", ags=solution.lead_municipality_ags),
        category_label=category_label(solution.category),
    )


@bp.app_template_global("has_publiccode")
def has_publiccode(solution) -> bool:
    """Whether the solution page links a publiccode.yml (published software, not a revision)."""
    return (
        solution.kind == SolutionKind.SOFTWARE
        and solution.state == ContentState.PUBLISHED
        and solution.revision_of_id is None
    )
