"""The actor shape that services rely on: who is signed in, and for which municipality."""

import pytest

from catalogue.errors import PermissionDenied
from catalogue.models import Role, User
from catalogue.permissions import AnonymousActor, own_municipality_ags, signed_in_id
from tests.factories import PADERBORN


def test_signed_in_id_is_the_users_id():
    assert signed_in_id(User(id=7, role=Role.MEMBER, municipality_ags=PADERBORN)) == 7


def test_the_anonymous_visitor_has_no_id_to_record():
    with pytest.raises(PermissionDenied):
        signed_in_id(AnonymousActor())


def test_own_municipality_of_municipal_staff():
    staff = User(id=3, role=Role.CONTRIBUTOR, municipality_ags=PADERBORN)
    assert own_municipality_ags(staff) == PADERBORN


@pytest.mark.parametrize(
    "actor",
    [AnonymousActor(), User(id=1, role=Role.CURATOR, municipality_ags=None)],
    ids=["anonymous", "digitalbuero-without-municipality"],
)
def test_no_own_municipality_is_refused_with_the_given_message(actor):
    with pytest.raises(PermissionDenied, match="nur für Kommunen"):
        own_municipality_ags(actor, "nur für Kommunen")
