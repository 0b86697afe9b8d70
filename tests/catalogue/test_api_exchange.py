"""API exchange endpoints: index, municipality detail (offers, reuses, needs in one call), public
needs, reuse records, exports, pagination links, conditional requests — shapes validated against
the served OpenAPI document."""

import csv
import io

import openpyxl
import pytest

from catalogue.db import unit_of_work
from catalogue.models import Need, NeedStatus, NeedVisibility, Reuse, ReuseStatus
from tests.catalogue.test_api import check, spec  # noqa: F401  (fixture)
from tests.factories import PADERBORN


def _needs(ags=PADERBORN):
    with unit_of_work() as s:
        s.add_all(
            [
                Need(
                    municipality_ags=ags,
                    title="Öffentlicher Bedarf",
                    text="Wir suchen eine Kita-App.",
                    visibility=NeedVisibility.PUBLIC,
                    category="bildung",
                    tags="Kita, App",
                ),
                Need(
                    municipality_ags=ags,
                    title="Interner Bedarf",
                    text="Nur für das DigitalBüro.",
                    visibility=NeedVisibility.CURATORS,
                ),
                Need(
                    municipality_ags=ags,
                    title="Gelöster Bedarf",
                    text="Erledigt.",
                    visibility=NeedVisibility.PUBLIC,
                    status=NeedStatus.SOLVED,
                ),
            ]
        )


def test_index_links_every_resource(client, demo, spec):  # noqa: F811
    body = client.get("/api/v1").get_json()
    check(spec, body, "ApiIndex")
    assert client.get("/api/v1/").get_json() == body
    for name in ("solutions", "search", "municipalities", "needs", "reuses", "openapi"):
        path = body["links"][name].split("/api/v1", 1)[1]
        assert client.get("/api/v1" + path).status_code == 200, name
    assert body["links"]["municipality"].endswith("/municipalities/{ags}")
    assert body["links"]["exports"]["needs"]["xlsx"].endswith("/api/v1/exports/needs.xlsx")


def test_what_paderborn_offers_reuses_and_needs_in_one_call(client, demo, spec):  # noqa: F811
    _needs()
    with unit_of_work() as s:
        import sqlalchemy as sa

        from catalogue.models import Solution

        other = s.scalar(sa.select(Solution).where(Solution.lead_municipality_ags != PADERBORN))
        s.add(Reuse(solution_id=other.id, municipality_ags=PADERBORN, status=ReuseStatus.PILOT))
    response = client.get(f"/api/v1/municipalities/{PADERBORN}")
    body = response.get_json()
    check(spec, body, "MunicipalityDetail")
    assert body["name"] == "Paderborn" and body["kreis"]["ags"] == "05774000"
    titles = {s["title"] for s in body["offers"]}
    assert "Pilotprojekt Schlosskreuzung – intelligente Verkehrsflussregelung" in titles
    assert body["published_solutions"] == len(body["offers"])
    assert other.slug in {r["solution"]["slug"] for r in body["reuses"]}
    assert {n["title"] for n in body["needs"]} == {"Gelöster Bedarf", "Öffentlicher Bedarf"}
    kreis = client.get("/api/v1/municipalities/05774000").get_json()
    assert "Automatisierter Maschinenbaulernbetrieb (MLB 4.0)" in {
        s["title"] for s in kreis["offers"]
    }
    assert len(kreis["members"]) == 10
    missing = client.get("/api/v1/municipalities/99999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_public_needs_with_filters_and_pagination_links(client, municipalities, spec):  # noqa: F811
    _needs()
    body = client.get("/api/v1/needs?per_page=1").get_json()
    check(spec, body, "NeedPage")
    assert body["total"] == 2 and body["links"]["prev"] is None
    assert body["links"]["next"].endswith("/api/v1/needs?per_page=1&page=2")
    response = client.get(body["links"]["next"].split("http://localhost", 1)[-1])
    assert response.get_json()["links"]["next"] is None
    assert 'rel="prev"' in response.headers["Link"]
    open_only = client.get(f"/api/v1/needs?status=open&kommune={PADERBORN}").get_json()
    assert [n["title"] for n in open_only["items"]] == ["Öffentlicher Bedarf"]
    assert open_only["items"][0]["tags"] == ["Kita", "App"]
    need_id = open_only["items"][0]["id"]
    check(spec, client.get(f"/api/v1/needs/{need_id}").get_json(), "Need")
    bad = client.get("/api/v1/needs?status=vielleicht")
    assert bad.status_code == 400 and "status" in bad.get_json()["error"]["details"]
    internal = [
        n
        for n in client.get("/api/v1/needs?per_page=100").get_json()["items"]
        if "Intern" in n["title"]
    ]
    assert internal == []


def test_reuse_records(client, demo, spec):  # noqa: F811
    body = client.get("/api/v1/reuses?per_page=100").get_json()
    check(spec, body, "ReusePage")
    assert body["total"] > 0 and body["items"][0]["id"]
    first = body["items"][0]
    same = client.get(
        f"/api/v1/reuses?kommune={first['municipality']['ags']}&per_page=100"
    ).get_json()
    assert {r["municipality"]["ags"] for r in same["items"]} == {first["municipality"]["ags"]}


def test_conditional_requests_with_etag_and_last_modified(client, municipalities):
    _needs()
    first = client.get("/api/v1/needs")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.headers["Cache-Control"] == "no-cache"
    assert client.get("/api/v1/needs", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/v1/needs", headers={"If-Modified-Since": modified}).status_code == 304
    _needs()  # a change
    changed = client.get("/api/v1/needs", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_exports_through_the_api(client, demo):
    response = client.get("/api/v1/exports/solutions.csv?kategorie=bildung")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][2] == "Titel" and len(rows) > 1
    assert {r[4] for r in rows[1:]} == {"Bildung & Schule"}
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get("/api/v1/exports/municipalities.xlsx").data)
    ).active
    assert sheet["A1"].value == "AGS" and sheet.max_row == 77
    assert client.get("/api/v1/exports/geheim.csv").get_json()["error"]["status"] == 404
    assert client.get("/api/v1/exports/needs.pdf").status_code == 404
    bad = client.get("/api/v1/exports/solutions.csv?kategorie=nix")
    assert bad.status_code == 400 and bad.get_json()["error"]["details"]["kategorie"]


@pytest.mark.parametrize(
    "path", ["/api/v1/needs", "/api/v1/reuses", f"/api/v1/municipalities/{PADERBORN}"]
)
def test_new_endpoints_are_anonymous_and_cors_enabled(client, municipalities, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
