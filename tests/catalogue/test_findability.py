"""robots.txt, sitemap.xml and schema.org JSON-LD on solution pages (strict CSP kept)."""

import json
import re
from xml.etree import ElementTree as ET

import pytest
import sqlalchemy as sa

from catalogue.db import db
from catalogue.models import Role, Solution, SolutionKind
from catalogue.services import contributions
from tests.factories import LAGE, make_user, solution_input

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# schema.org properties used per type (schema.org 29.x: own and inherited from CreativeWork /
# Service / Thing); anything else in our output is a mistake.
ALLOWED = {
    "SoftwareApplication": {
        "@context",
        "@type",
        "@id",
        "name",
        "description",
        "url",
        "author",
        "inLanguage",
        "keywords",
        "datePublished",
        "dateModified",
        "license",
        "applicationCategory",
        "sameAs",
    },
    "GovernmentService": {
        "@context",
        "@type",
        "@id",
        "name",
        "description",
        "url",
        "serviceOperator",
        "provider",
        "areaServed",
        "category",
    },
    "CreativeWork": {
        "@context",
        "@type",
        "@id",
        "name",
        "description",
        "url",
        "author",
        "inLanguage",
        "keywords",
        "datePublished",
        "dateModified",
        "license",
    },
}


def _jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(b) for b in blocks]


def test_robots_txt_points_to_sitemap_and_hides_private_areas(client, app):
    text = client.get("/robots.txt").get_data(as_text=True)
    assert text.startswith("User-agent: *")
    assert "Disallow: /mitwirken/" in text and "Disallow: /verwaltung/" in text
    assert f"Sitemap: {app.config['BASE_URL'].rstrip('/')}/sitemap.xml" in text


def test_sitemap_lists_published_solutions_municipalities_and_pages(client, demo, app):
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    locs = [u.findtext("s:loc", namespaces=NS) for u in root.findall("s:url", NS)]
    base = app.config["BASE_URL"].rstrip("/")
    published = db.session.scalars(sa.select(Solution.slug)).all()
    assert {f"{base}/loesungen/{slug}" for slug in published} <= set(locs)
    assert f"{base}/kommunen/05774032" in locs and f"{base}/impressum" in locs
    assert all(loc.startswith(base) for loc in locs) and len(locs) == len(set(locs))
    with_lastmod = [u for u in root.findall("s:url", NS) if u.find("s:lastmod", NS) is not None]
    assert len(with_lastmod) >= len(published)


def test_sitemap_leaves_out_drafts(client, municipalities):
    author = make_user(Role.CONTRIBUTOR, LAGE, "a@lemgo.example")
    draft = contributions.create_solution(actor=author, data=solution_input())
    assert draft.slug not in client.get("/sitemap.xml").get_data(as_text=True)


@pytest.mark.parametrize(
    ("kind", "schema_type"),
    [
        (SolutionKind.SOFTWARE, "SoftwareApplication"),
        (SolutionKind.SERVICE, "GovernmentService"),
        (SolutionKind.ORGANISATIONAL_MODEL, "CreativeWork"),
    ],
)
def test_solution_pages_carry_valid_json_ld(client, demo, kind, schema_type):
    solution = db.session.scalar(sa.select(Solution).where(Solution.kind == kind))
    response = client.get(f"/loesungen/{solution.slug}")
    html = response.get_data(as_text=True)
    [data] = _jsonld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == schema_type
    assert set(data) <= ALLOWED[schema_type], set(data) - ALLOWED[schema_type]
    assert data["name"] == solution.title and data["url"].endswith(f"/loesungen/{solution.slug}")
    organisation = data.get("author") or data["serviceOperator"]
    assert organisation["@type"] == "GovernmentOrganization"
    # The data block is the only <script>; the CSP still forbids inline scripts.
    assert html.count("<script") == 1
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_json_ld_escapes_markup_and_leaves_out_contacts(client, demo):
    solution = db.session.scalar(sa.select(Solution).where(Solution.contacts.any()))
    html = client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "</" not in block
    assert all(c.email not in block for c in solution.contacts if c.email)
