"""Workflow engine, permissions (role × action × state) and the contribution journey."""

import io
import itertools

import pytest
import sqlalchemy as sa

from catalogue.db import db, unit_of_work
from catalogue.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from catalogue.models import (
    ContentState,
    ExperienceReport,
    Notification,
    OutgoingMail,
    ReviewEvent,
    Role,
    Solution,
)
from catalogue.services import contributions, review, workflow
from catalogue.services.contributions import ReportInput, SolutionInput
from catalogue.workflow import TRANSITIONS, Action
from tests.factories import LAGE, PADERBORN, make_user, sign_in, solution_input


@pytest.fixture
def people(municipalities):
    return {
        "member": make_user(Role.MEMBER, PADERBORN, "member@example.org"),
        "contributor_own": make_user(Role.CONTRIBUTOR, PADERBORN, "own@example.org"),
        "contributor_other": make_user(Role.CONTRIBUTOR, LAGE, "other@example.org"),
        "curator": make_user(Role.CURATOR, None, "curator@example.org"),
        "admin": make_user(Role.ADMIN, None, "admin@example.org"),
    }


def _draft(author, **overrides) -> Solution:
    return contributions.create_solution(actor=author, data=solution_input(**overrides))


def _force_state(solution_id: int, state: ContentState) -> None:
    """Test setup: put an entry into a state directly (with its outbox row, like a service)."""
    from catalogue.services.outbox import enqueue
    from search_index.documents import solution_doc_id

    with unit_of_work() as s:
        s.get(Solution, solution_id).state = state
        enqueue(s, solution_doc_id(solution_id))


# -- the transition table -----------------------------------------------------------------


def _report_entry(people) -> ExperienceReport:
    """A draft report of the contributor_own municipality on another municipality's solution."""
    solution = _draft(people["contributor_other"])
    _force_state(solution.id, ContentState.PUBLISHED)
    return contributions.create_report(
        actor=people["contributor_own"],
        solution_id=solution.id,
        data=ReportInput(title="Nachnutzung in Paderborn", role="reuser", advice="Früh planen."),
    )


def _force_report_state(report_id: int, state: ContentState) -> None:
    from catalogue.services.outbox import enqueue
    from search_index.documents import report_doc_id

    with unit_of_work() as s:
        s.get(ExperienceReport, report_id).state = state
        enqueue(s, report_doc_id(report_id))


def _entry_in_state(people, entity_type: str, state: ContentState) -> tuple[type, int]:
    """An entry of the contributor_own municipality (solution, or report) put into ``state``."""
    if entity_type == "solution":
        solution = _draft(people["contributor_own"])
        _force_state(solution.id, state)
        return Solution, solution.id
    report = _report_entry(people)
    _force_report_state(report.id, state)
    return ExperienceReport, report.id


ENTITY_TYPES = ["solution", "report"]


@pytest.mark.parametrize(
    "entity_type,state,action", list(itertools.product(ENTITY_TYPES, ContentState, Action))
)
def test_transition_table(people, entity_type, state, action):
    """Both content types follow the one transition table, and every step is a review event."""
    model, entry_id = _entry_in_state(people, entity_type, state)
    actor = people["curator"]
    comment = "Bitte ergänzen Sie die Kosten."
    expected = TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises(InvalidTransition):
            workflow.apply_action(
                actor=actor,
                entity_type=entity_type,
                entry_id=entry_id,
                action=action,
                comment=comment,
            )
        assert db.session.get(model, entry_id).state == state
        return
    new_state = workflow.apply_action(
        actor=actor, entity_type=entity_type, entry_id=entry_id, action=action, comment=comment
    )
    assert new_state == expected
    event = db.session.scalars(
        sa.select(ReviewEvent)
        .where(ReviewEvent.entity_type == entity_type, ReviewEvent.entity_id == entry_id)
        .order_by(ReviewEvent.id.desc())
    ).first()
    assert (event.from_state, event.to_state, event.actor_id) == (
        state.value,
        expected.value,
        actor.id,
    )


# -- role × action × state ------------------------------------------------------------------

AUTHOR_ROLES = {"contributor_own", "curator", "admin"}
CURATOR_ROLES = {"curator", "admin"}
ALLOWED = {
    Action.SUBMIT: AUTHOR_ROLES,
    Action.WITHDRAW: AUTHOR_ROLES,
    Action.APPROVE: CURATOR_ROLES,
    Action.REQUEST_CHANGES: CURATOR_ROLES,
    Action.REJECT: CURATOR_ROLES,
    Action.ARCHIVE: CURATOR_ROLES,
    Action.RESTORE: CURATOR_ROLES,
}
ROLES = ["anonymous", "member", "contributor_own", "contributor_other", "curator", "admin"]


@pytest.mark.parametrize(
    "entity_type,role,action,state",
    [
        (e, r, a, s)
        for e, r, a, s in itertools.product(ENTITY_TYPES, ROLES, Action, ContentState)
        if (s, a) in TRANSITIONS  # invalid transitions are covered above
    ],
)
def test_permission_matrix(people, entity_type, role, action, state):
    model, entry_id = _entry_in_state(people, entity_type, state)
    actor = people.get(role)
    call = lambda: workflow.apply_action(  # noqa: E731
        actor=actor,
        entity_type=entity_type,
        entry_id=entry_id,
        action=action,
        comment="Kommentar",
    )
    if role in ALLOWED[action]:
        assert call() == TRANSITIONS[(state, action)]
    else:
        with pytest.raises(PermissionDenied):
            call()
        assert db.session.get(model, entry_id).state == state


@pytest.mark.parametrize("role", ROLES)
def test_editing_is_limited_to_the_owning_municipality(people, role):
    solution = _draft(people["contributor_own"])
    data = SolutionInput.from_solution(solution)
    data.title = "Geänderter Titel"
    actor = people.get(role)
    if role in AUTHOR_ROLES:
        contributions.update_solution(actor=actor, solution_id=solution.id, data=data)
        assert db.session.get(Solution, solution.id).title == "Geänderter Titel"
    else:
        with pytest.raises(PermissionDenied):
            contributions.update_solution(actor=actor, solution_id=solution.id, data=data)


def test_members_and_visitors_cannot_create_solutions(people):
    for role in ("member", "anonymous"):
        with pytest.raises(PermissionDenied):
            _draft(people.get(role))


def test_comment_is_required_to_request_changes_or_reject(people):
    solution = _draft(people["contributor_own"])
    workflow.apply_action(
        actor=people["contributor_own"],
        entity_type="solution",
        entry_id=solution.id,
        action="submit",
    )
    for action in ("request_changes", "reject"):
        with pytest.raises(ValidationFailed) as error:
            workflow.apply_action(
                actor=people["curator"],
                entity_type="solution",
                entry_id=solution.id,
                action=action,
                comment="  ",
            )
        assert "comment" in error.value.errors
    assert db.session.get(Solution, solution.id).state == ContentState.SUBMITTED


def test_review_events_cannot_be_changed(people):
    solution = _draft(people["contributor_own"])
    event = db.session.scalar(sa.select(ReviewEvent).where(ReviewEvent.entity_id == solution.id))
    event.comment = "manipuliert"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()


def test_validation_errors_are_german_and_complete(people):
    with pytest.raises(ValidationFailed) as error:
        contributions.create_solution(
            actor=people["contributor_own"], data=SolutionInput(repository_url="ftp://x")
        )
    errors = error.value.errors
    assert {
        "title",
        "summary",
        "description",
        "category",
        "kind",
        "project_status",
        "readiness",
        "repository_url",
    } <= set(errors)
    assert errors["title"] == "Bitte geben Sie einen Titel an."


# -- attachments -----------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_attachment_type_and_content_are_checked(people):
    solution = _draft(people["contributor_own"])
    author = people["contributor_own"]
    with pytest.raises(ValidationFailed) as error:
        contributions.add_attachment(
            actor=author, solution_id=solution.id, filename="tool.exe", stream=io.BytesIO(b"MZ")
        )
    assert "nicht erlaubt" in error.value.errors["attachment"]
    with pytest.raises(ValidationFailed) as error:
        contributions.add_attachment(
            actor=author, solution_id=solution.id, filename="fake.pdf", stream=io.BytesIO(b"<html>")
        )
    assert "passt nicht" in error.value.errors["attachment"]
    big = io.BytesIO(b"%PDF-" + b"0" * (contributions.MAX_ATTACHMENT_BYTES + 1))
    with pytest.raises(ValidationFailed):
        contributions.add_attachment(
            actor=author, solution_id=solution.id, filename="big.pdf", stream=big
        )
    attachment = contributions.add_attachment(
        actor=author, solution_id=solution.id, filename="../../Konzept.pdf", stream=io.BytesIO(PDF)
    )
    assert attachment.filename == "Konzept.pdf"
    with pytest.raises(PermissionDenied):
        contributions.add_attachment(
            actor=people["contributor_other"],
            solution_id=solution.id,
            filename="x.pdf",
            stream=io.BytesIO(PDF),
        )


def test_attachment_download_follows_visibility_and_is_safe(people, client):
    solution = _draft(people["contributor_own"])
    attachment = contributions.add_attachment(
        actor=people["contributor_own"],
        solution_id=solution.id,
        filename="Konzept.pdf",
        stream=io.BytesIO(PDF),
    )
    url = f"/anhaenge/{attachment.id}/Konzept.pdf"
    assert client.get(url).status_code == 404  # draft: not public
    _force_state(solution.id, ContentState.PUBLISHED)
    response = client.get(url)
    try:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        response.close()


# -- the journey -------------------------------------------------------------------------------


def _assert_revision_in_review_leads_to_status(client, kind: str, original: int, revision: int):
    """ "Überarbeiten" again, or the edit address, of a revision in review: the status page that
    says to withdraw it first, not a form whose saving can only fail."""
    for response in (
        client.post(f"/mitwirken/{kind}/{original}/ueberarbeiten"),
        client.get(f"/mitwirken/{kind}/{revision}/bearbeiten"),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/mitwirken/{kind}/{revision}")
    page = client.get(f"/mitwirken/{kind}/{revision}").get_data(as_text=True)
    assert "liegt zur Prüfung" in page


def test_contribution_journey_with_review_and_revision(people, client):
    author, curator = people["contributor_own"], people["curator"]
    solution = _draft(author)
    contributions.add_attachment(
        actor=author, solution_id=solution.id, filename="Konzept.pdf", stream=io.BytesIO(PDF)
    )
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    assert [i.entry.id for i in review.review_queue(actor=curator)] == [solution.id]
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(Notification.user_id == curator.id)
        )
        == 1
    )

    workflow.apply_action(
        actor=curator,
        entity_type="solution",
        entry_id=solution.id,
        action="request_changes",
        comment="Bitte nennen Sie die Kosten.",
    )
    rows = contributions.my_contributions(actor=author)
    assert rows[0].entry.state == ContentState.CHANGES_REQUESTED
    assert rows[0].last_comment == "Bitte nennen Sie die Kosten."
    mail = db.session.scalars(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == author.email)
    ).all()
    assert any("Bitte nennen Sie die Kosten." in m.body for m in mail)
    # the subject says what happened ("Lösungskatalog: …" said nothing)
    assert any(m.subject == f"Überarbeitung erbeten: {solution.title}" for m in mail)

    data = SolutionInput.from_solution(db.session.get(Solution, solution.id))
    data.cost_eur = 12000
    contributions.update_solution(actor=author, solution_id=solution.id, data=data)
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=solution.id, action="approve"
    )
    subjects = db.session.scalars(
        sa.select(OutgoingMail.subject).where(OutgoingMail.recipient == author.email)
    ).all()
    assert f"Freigegeben: {solution.title}" in subjects
    page = client.get(f"/loesungen/{solution.slug}").get_data(as_text=True)
    assert "Digitale Akte im Bauamt" in page and "12.000 €" in page
    assert "Digitale Akte im Bauamt" in client.get("/loesungen").get_data(as_text=True)

    revision = contributions.start_revision(actor=author, solution_id=solution.id)
    assert contributions.start_revision(actor=author, solution_id=solution.id).id == revision.id
    data = SolutionInput.from_solution(revision)
    data.title = "Digitale Bauakte für alle Verfahren"
    contributions.update_solution(actor=author, solution_id=revision.id, data=data)
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=revision.id, action="submit"
    )
    changes = review.revision_changes(db.session.get(Solution, revision.id))
    assert [c.label for c in changes] == ["Titel"]
    assert "<ins" in str(changes[0].diff) and "<del" in str(changes[0].diff)
    # the published version stays visible while the revision is reviewed
    assert "Digitale Akte im Bauamt" in client.get(f"/loesungen/{solution.slug}").get_data(
        as_text=True
    )
    assert client.get(f"/loesungen/{revision.slug}").status_code == 404
    # "Überarbeitung vorschlagen" again, or the edit address: no form whose saving can only
    # fail, but the status page saying why (withdraw to change it)
    sign_in(client, author)
    _assert_revision_in_review_leads_to_status(client, "loesungen", solution.id, revision.id)
    workflow.apply_action(
        actor=curator, entity_type="solution", entry_id=revision.id, action="approve"
    )
    published = db.session.get(Solution, solution.id)
    assert published.title == "Digitale Bauakte für alle Verfahren"
    assert published.state == ContentState.PUBLISHED and published.version > 1
    assert len(published.attachments) == 1
    _, events = workflow.history(actor=curator, entity_type="solution", entry_id=solution.id)
    assert [(e.entity_id, e.to_state) for e in events[-2:]] == [
        (revision.id, "archived"),
        (solution.id, "published"),
    ]
    assert "übernommen" in events[-1].comment


def test_experience_report_workflow(people, client, municipalities):
    author = people["contributor_own"]
    solution = _draft(author)
    workflow.apply_action(
        actor=author, entity_type="solution", entry_id=solution.id, action="submit"
    )
    workflow.apply_action(
        actor=people["curator"], entity_type="solution", entry_id=solution.id, action="approve"
    )
    other = people["contributor_other"]
    with pytest.raises(ValidationFailed):
        contributions.create_report(
            actor=other, solution_id=solution.id, data=ReportInput(title="", role="reuser")
        )
    report = contributions.create_report(
        actor=other,
        solution_id=solution.id,
        data=ReportInput(
            title="Nachnutzung in Lemgo",
            role="reuser",
            what_worked="Schnelle Einführung.",
            advice="Früh den Personalrat einbinden.",
        ),
    )
    assert report.municipality_ags == LAGE
    with pytest.raises(PermissionDenied):
        contributions.update_report(
            actor=author,
            report_id=report.id,
            data=ReportInput(title="x", role="reuser", advice="y"),
        )
    workflow.apply_action(actor=other, entity_type="report", entry_id=report.id, action="submit")
    assert "Nachnutzung in Lemgo" not in client.get(f"/loesungen/{solution.slug}").get_data(
        as_text=True
    )
    workflow.apply_action(
        actor=people["curator"], entity_type="report", entry_id=report.id, action="approve"
    )
    assert "Nachnutzung in Lemgo" in client.get(f"/loesungen/{solution.slug}").get_data(
        as_text=True
    )
    assert db.session.get(ExperienceReport, report.id).published_at is not None

    # a revision in review: "Überarbeiten" again, or the edit address, lead to the status page
    # that says to withdraw it first, not to a form whose saving can only fail
    revision = contributions.start_report_revision(actor=other, report_id=report.id)
    workflow.apply_action(actor=other, entity_type="report", entry_id=revision.id, action="submit")
    sign_in(client, other)
    _assert_revision_in_review_leads_to_status(client, "berichte", report.id, revision.id)


def test_unknown_entries_are_not_found(people):
    with pytest.raises(NotFound):
        workflow.apply_action(
            actor=people["curator"], entity_type="solution", entry_id=999, action="approve"
        )
    with pytest.raises(InvalidTransition):
        workflow.apply_action(
            actor=people["curator"], entity_type="solution", entry_id=999, action="fly"
        )


@pytest.mark.parametrize("state", list(ContentState))
def test_status_page_shows_what_the_state_means(people, client, state):
    """The contributor's status page asks for a revision only in `changes_requested` and links
    the public page only while the entry is public."""
    solution = _draft(people["contributor_own"])
    _force_state(solution.id, state)
    sign_in(client, people["contributor_own"])
    html = client.get(f"/mitwirken/loesungen/{solution.id}").get_data(as_text=True)
    asks_for_revision = "bittet um eine Überarbeitung" in html
    links_public_page = "Öffentliche Seite ansehen" in html
    assert asks_for_revision == (state == ContentState.CHANGES_REQUESTED)
    assert links_public_page == (state in {ContentState.PUBLISHED, ContentState.ARCHIVED})
