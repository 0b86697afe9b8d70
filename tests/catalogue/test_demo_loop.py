"""`catalogue seed loop`: the demo walks the reuse loop once, through the real services."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalogue.db import db
from catalogue.errors import PermissionDenied
from catalogue.models import ContactRequest, Need, Reuse, Solution
from catalogue.models.enums import ContactRequestStatus, NeedStatus, ReuseStatus
from catalogue.services import accounts, demo_loop, seed


def test_demo_loop_refuses_outside_demo_mode(app, municipalities):
    assert not app.config["DEMO_MODE"]
    with pytest.raises(PermissionDenied):
        demo_loop.load_demo_loop()
    result = app.test_cli_runner().invoke(args=["seed", "loop"])
    assert result.exit_code != 0 and "Demo-Modus" in result.output


def test_demo_loop_needs_the_demo_accounts_and_solutions(app, municipalities):
    app.config["DEMO_MODE"] = True
    result = app.test_cli_runner().invoke(args=["seed", "loop"])
    assert result.exit_code != 0 and "seed accounts" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0


def test_demo_loop_walks_need_request_brokering_and_reuse_once(app, municipalities):
    app.config["DEMO_MODE"] = True
    seed.load_demo()
    accounts.create_demo_accounts()
    result = app.test_cli_runner().invoke(args=["seed", "loop"])
    assert result.exit_code == 0, result.output
    assert "2 Bedarfe, 1 vermittelte Kontaktanfrage, 1 bestätigte Nachnutzung" in result.output

    needs = {n.title: n for n in db.session.scalars(sa.select(Need))}
    assert len(needs) == 2 and {n.municipality.name for n in needs.values()} == {"Paderborn"}
    kita = next(n for title, n in needs.items() if title.startswith("Kita"))
    assert kita.status == NeedStatus.BROKERED
    (request,) = db.session.scalars(sa.select(ContactRequest))
    assert request.status == ContactRequestStatus.BROKERED and request.need_id == kita.id
    assert request.solution.lead_municipality.name == "Gütersloh"
    assert [m.kind for m in request.messages] == ["request", "broker"]
    (record,) = db.session.scalars(
        sa.select(Reuse).where(Reuse.municipality_ags == kita.municipality_ags)
    )
    assert record.status == ReuseStatus.IN_OPERATION and record.confirmed_at is not None
    assert record.solution.title == demo_loop.REUSED_SOLUTION

    again = app.test_cli_runner().invoke(args=["seed", "loop"])
    assert again.exit_code == 0 and "bereits vorhanden" in again.output
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 2


def test_a_missing_demo_solution_writes_nothing(app, municipalities):
    app.config["DEMO_MODE"] = True
    seed.load_demo()
    accounts.create_demo_accounts()
    kita = db.session.scalars(
        sa.select(Solution).where(Solution.title == demo_loop.DEMO_NEEDS[0][2])
    ).one()
    kita.title = "Umbenannt"
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["seed", "loop"])
    assert result.exit_code != 0 and "seed demo" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0
