"""The Verwaltung area (/verwaltung): accounts, invitations, municipalities, audit log, mail log.

Thin views: every page calls one service, which decides permissions (PermissionDenied renders
403); anonymous visitors are sent to the sign-in page first.
"""

from __future__ import annotations

import csv
import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from catalogue.errors import ValidationFailed
from catalogue.exchange.tables import csv_row
from catalogue.permissions import can_manage_users, require
from catalogue.services import accounts as accounts_service
from catalogue.services import admin as admin_service
from catalogue.services import audit as audit_service
from catalogue.services import mail as mail_service
from catalogue.web.account_forms import (
    AuditFilterForm,
    InviteForm,
    MunicipalityForm,
    RoleForm,
    UserFilterForm,
)
from catalogue.web.forms import add_service_errors

bp = Blueprint("admin", __name__, url_prefix="/verwaltung")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; the services then check the role."""


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


@bp.get("/")
def index():
    overview = admin_service.admin_overview(actor=current_user)
    return render_template("admin/index.html", overview=overview)


# Accounts -----------------------------------------------------------------------------------


@bp.get("/konten")
def users():
    form = UserFilterForm(request.args)
    form.fill_choices(admin_service.municipality_options())
    data = form.data if form.validate() else {}
    page = admin_service.list_users(
        actor=current_user,
        role=accounts_service.parse_role(data.get("rolle")),
        municipality_ags=data.get("kommune") or None,
        page=_page_number(),
        per_page=current_app.config["PER_PAGE"],
    )
    args = {k: v for k, v in request.args.items() if k in ("rolle", "kommune") and v}
    return render_template("admin/users.html", form=form, page=page, args=args)


@bp.route("/konten/einladen", methods=["GET", "POST"])
def invite():
    options = admin_service.invitation_options(actor=current_user)
    form = InviteForm()
    form.fill_choices(options.roles, options.municipalities)
    if form.validate_on_submit():
        try:
            user, _token = accounts_service.invite_user(
                actor=current_user,
                email=form.email.data or "",
                name=form.name.data or "",
                role=form.role.data or "",
                municipality_ags=form.municipality_ags.data or None,
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            if current_app.config.get("MAIL_SERVER"):
                flash(f"Die Einladung an {user.email} wird verschickt.", "success")
            else:  # no SMTP server: the mail is only logged (the mail log has the link)
                flash(
                    f"Die Einladung an {user.email} ist angelegt, wird aber nicht verschickt: "
                    "Es ist kein Mailserver eingerichtet (MAIL_SERVER). Den Einladungslink "
                    "finden Sie im E-Mail-Protokoll.",
                    "success",
                )
            return redirect(url_for("admin.user", user_id=user.id))
    elif form.is_submitted() and not form.form_errors and "csrf_token" not in form.errors:
        # the form's own checks failed: name the service's problems of the other fields too
        problems = accounts_service.invitation_problems(
            email=form.email.data or "",
            name=form.name.data or "",
            role=form.role.data or "",
            municipality_ags=form.municipality_ags.data or None,
        )
        add_service_errors(
            form,
            ValidationFailed({k: v for k, v in problems.items() if not getattr(form, k).errors}),
        )
    status = 400 if form.errors else 200
    return render_template("admin/invite.html", form=form), status


def _render_user(user_id: int, form: RoleForm | None = None, error: str | None = None):
    detail = admin_service.get_user(actor=current_user, user_id=user_id)
    if form is None:
        form = RoleForm(formdata=None, obj=detail.user)
        form.role.data = detail.user.role.value
    form.fill_choices(admin_service.municipality_options())
    invalid = bool(form.errors or error)
    return render_template(
        "admin/user.html",
        detail=detail,
        user=detail.user,
        form=form,
        error=error,
        invalid=invalid,
        is_deleted=accounts_service.is_deleted(detail.user),
        is_pending=accounts_service.is_pending(detail.user),
        describe_step=audit_service.describe_step,
    ), (400 if invalid else 200)


@bp.route("/konten/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    if request.method == "GET":
        return _render_user(user_id)
    form = RoleForm()
    form.fill_choices(admin_service.municipality_options())
    if form.validate_on_submit():
        try:
            accounts_service.set_role(
                actor=current_user,
                user_id=user_id,
                role=form.role.data or "",
                municipality_ags=form.municipality_ags.data or None,
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash("Rolle und Kommune sind gespeichert.", "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return _render_user(user_id, form)


@bp.route("/konten/<int:user_id>/deaktivieren", methods=["GET", "POST"])
def deactivate(user_id: int):
    """A confirmation page first (works without JavaScript); only its form deactivates."""
    if request.method == "GET" or request.form.get("bestaetigt") != "ja":
        require(can_manage_users(current_user), "Konten deaktiviert die Administration.")
        detail = admin_service.get_user(actor=current_user, user_id=user_id)
        return render_template("admin/deactivate.html", user=detail.user)
    try:
        accounts_service.deactivate_user(actor=current_user, user_id=user_id)
    except ValidationFailed as error:
        return _render_user(user_id, error=error.message)
    flash("Das Konto ist deaktiviert. Die Person kann sich nicht mehr anmelden.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/konten/<int:user_id>/reaktivieren")
def reactivate(user_id: int):
    accounts_service.reactivate_user(actor=current_user, user_id=user_id)
    flash("Das Konto ist wieder aktiv.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


# Municipalities -----------------------------------------------------------------------------


@bp.get("/kommunen")
def municipalities():
    items = admin_service.list_municipalities(actor=current_user)
    return render_template("admin/municipalities.html", items=items)


@bp.route("/kommunen/<ags>", methods=["GET", "POST"])
def municipality(ags: str):
    item = admin_service.get_municipality(actor=current_user, ags=ags)
    form = MunicipalityForm(obj=item)
    if form.validate_on_submit():
        try:
            admin_service.update_municipality(
                actor=current_user,
                ags=ags,
                name=form.name.data or "",
                population=form.population.data,
                type_label=form.type_label.data or "",
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash(f"Die Angaben zu {item.display_name} sind gespeichert.", "success")
            return redirect(url_for("admin.municipalities"))
    status = 400 if form.errors else 200
    return render_template("admin/municipality.html", form=form, item=item), status


# Logs ---------------------------------------------------------------------------------------


def _audit_filters() -> tuple[AuditFilterForm, audit_service.EventFilters, dict[str, str]]:
    """The audit log's filter form (GET), the filters it yields and the query arguments to keep."""
    form = AuditFilterForm(request.args)
    form.fill_choices(
        audit_service.ENTITY_TYPE_LABELS,
        audit_service.event_actors(actor=current_user),
        admin_service.municipality_options(),
        audit_service.event_actions(),
    )
    data = form.data if form.validate() else {}
    filters = audit_service.EventFilters(
        entity_type=data.get("typ") or None,
        actor_id=int(data["person"]) if data.get("person") else None,
        municipality_ags=data.get("kommune") or None,
        action=data.get("schritt") or None,
        date_from=data.get("von"),
        date_to=data.get("bis"),
    )
    keys = ("typ", "person", "kommune", "schritt", "von", "bis")
    args = {k: v for k, v in request.args.items() if k in keys and v} if data else {}
    return form, filters, args


@bp.get("/protokoll")
def audit_log():
    form, filters, args = _audit_filters()
    page = audit_service.list_events(
        actor=current_user,
        filters=filters,
        page=_page_number(),
        per_page=current_app.config["PER_PAGE"],
    )
    return render_template(
        "admin/audit_log.html",
        form=form,
        page=page,
        args=args,
        subjects=audit_service.event_subjects(page.items),
        entity_labels=audit_service.ENTITY_TYPE_LABELS,
        describe_step=audit_service.describe_step,
    ), (400 if form.errors else 200)


@bp.get("/protokoll.csv")
def audit_log_csv():
    form, filters, _args = _audit_filters()
    if form.errors:
        return Response(
            "Ungültiger Filter. Bitte stellen Sie den Filter im Protokoll neu ein.",
            status=400,
            mimetype="text/plain",
        )
    events = audit_service.all_events(actor=current_user, filters=filters)
    subjects = audit_service.event_subjects(events)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Zeitpunkt (UTC)", "Eintrag", "Schritt", "Durch", "Kommentar", "Nr."])
    for e in events:
        writer.writerow(
            csv_row(
                [
                    e.created_at.strftime("%d.%m.%Y %H:%M"),
                    audit_service.subject_text(e, subjects),
                    audit_service.describe_step(e),
                    e.actor.name if e.actor else "System",
                    e.comment,
                    e.entity_id,
                ]
            )
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="protokoll.csv"'},
    )


def mail_status(mail) -> str:
    state = mail_service.state_of(mail)
    tries = "1 Versuch" if mail.attempts == 1 else f"{mail.attempts} Versuchen"
    return {
        "versendet": "versendet",
        "protokolliert": "protokolliert, nicht versendet",
        "fehler": f"Versand fehlgeschlagen nach {tries}: {mail.error}",
        "wiederholt": f"Versand wird wiederholt (nach {tries}): {mail.error}",
    }.get(state, "wartet auf Versand")


@bp.get("/e-mails")
def mails():
    from catalogue.web.account_forms import MailFilterForm

    form = MailFilterForm(request.args)
    form.fill_choices(mail_service.MAIL_STATES)
    data = form.data if form.validate() else {}
    page = mail_service.list_mails(
        actor=current_user,
        recipient=data.get("an") or "",
        state=data.get("status") or "",
        page=_page_number(),
        per_page=current_app.config["PER_PAGE"],
    )
    args = {k: v for k, v in request.args.items() if k in ("an", "status") and v}
    return render_template(
        "admin/mails.html",
        form=form,
        page=page,
        args=args,
        mail_status=mail_status,
        log_body=mail_service.log_body,
    )


@bp.get("/betrieb")
def operations():
    from catalogue.services import worker as worker_service

    overview = worker_service.operations_overview(actor=current_user)
    return render_template("admin/operations.html", overview=overview)
