"""Forms keep what the person typed on every error: the contact request on a solution page,
the need status comment, and members get an explanation instead of a solution form they
cannot submit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.models import ContactRequest, ContentState, Need, Role, Solution
from tests.factories import BIELEFELD, make_user, sign_in


@pytest.fixture
def member(demo):
    return make_user(Role.MEMBER, BIELEFELD, "mitglied@bielefeld.example")


def _published() -> Solution:
    return db.session.scalars(
        sa.select(Solution).where(Solution.state == ContentState.PUBLISHED).order_by(Solution.id)
    ).first()


def test_a_too_long_contact_message_is_shown_again_with_the_reason(client, member):
    solution = _published()
    sign_in(client, member)
    message = "Wir interessieren uns sehr für diese Lösung. " * 45  # 2,025 characters
    response = client.post(
        f"/loesungen/{solution.id}/kontakt", data={"message": message, "slug": solution.slug}
    )
    assert response.status_code == 400
    assert message.strip() in response.text
    assert "2000" in response.text
    assert db.session.scalar(sa.select(sa.func.count(ContactRequest.id))) == 0


def test_a_600_character_status_comment_is_an_error_not_silence(client, member):
    with unit_of_work() as s:
        need = Need(
            title="Terminvergabe",
            text="Wir suchen eine Online-Terminvergabe für das Bürgerbüro.",
            municipality_ags=BIELEFELD,
            author_id=member.id,
        )
        s.add(need)
    sign_in(client, member)
    comment = "Begründung " * 55  # 605 characters
    response = client.post(
        f"/bedarfe/{need.id}/status", data={"status": "closed", "comment": comment}
    )
    assert response.status_code == 400
    assert comment.strip() in response.text
    assert "500 Zeichen" in response.text
    db.session.expire_all()
    assert db.session.get(Need, need.id).status.value == "open"


def test_members_get_an_explanation_instead_of_the_solution_form(client, member):
    sign_in(client, member)
    response = client.get("/mitwirken/loesungen/neu")
    assert response.status_code == 403
    assert "Beitragende" in response.text
    assert 'name="title"' not in response.text
    assert "/bedarfe/neu" in response.text
