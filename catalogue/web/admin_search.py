"""Search pages of the Verwaltung area (/verwaltung): the curators' thesaurus, searches without
results and barrier reports. Routes of the admin blueprint (its sign-in check applies)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from catalogue.errors import ValidationFailed
from catalogue.permissions import is_curator, require
from catalogue.services import thesaurus as thesaurus_service
from catalogue.web.account_forms import ThesaurusForm
from catalogue.web.admin import bp
from catalogue.web.forms import add_service_errors


def _groups(n: int) -> str:
    return "1 Gruppe" if n == 1 else f"{n} Gruppen"


@bp.route("/thesaurus", methods=["GET", "POST"])
def thesaurus():
    require(is_curator(current_user), "Den Thesaurus pflegt das DigitalBüro.")
    form = ThesaurusForm()
    if request.method == "GET":
        form.text.data = thesaurus_service.thesaurus_text()
    elif request.form.get("reset"):
        thesaurus_service.reset_thesaurus(actor=current_user)
        flash("Der mitgelieferte Thesaurus gilt wieder.", "success")
        return redirect(url_for("admin.thesaurus"))
    elif request.form.get("adopt") or request.form.get("decline"):
        return _missing_groups()
    elif form.validate_on_submit():
        try:
            result = thesaurus_service.update_thesaurus(
                actor=current_user, text=form.text.data or ""
            )
        except ValidationFailed as error:
            add_service_errors(form, error)
        else:
            flash(
                f"Gespeichert: {len(result)} Synonymgruppen. Die Suche nutzt sie ab sofort.",
                "success",
            )
            return redirect(url_for("admin.thesaurus"))
    status = 400 if form.errors else 200
    return render_template(
        "admin/thesaurus.html",
        form=form,
        customised=thesaurus_service.is_customised(),
        missing=thesaurus_service.missing_shipped_entries(),
    ), status


def _missing_groups():
    """Adopt or turn down the shipped groups the curators' version lacks: the ticked ones (all
    of them where the form sends no choice, as the one-button form of earlier versions did)."""
    chosen = request.form.getlist("group")
    if request.form.get("choice") and not chosen:
        flash("Bitte wählen Sie mindestens eine Gruppe aus.", "error")
    elif request.form.get("decline"):
        n = thesaurus_service.decline_shipped_groups(actor=current_user, groups=chosen)
        flash(
            f"Nicht übernommen: {_groups(n)}. Im Text steht dafür je eine Zeile „# nicht "
            "übernommen: …“; solange sie dort steht, wird die Gruppe nicht mehr angeboten.",
            "success",
        )
    else:
        n = thesaurus_service.adopt_shipped_groups(actor=current_user, groups=chosen or None)
        flash(f"Aus dem mitgelieferten Thesaurus übernommen: {_groups(n)}.", "success")
    return redirect(url_for("admin.thesaurus"))


@bp.get("/suchen-ohne-treffer")
def zero_results():
    from catalogue.services import search as search_service

    return render_template(
        "admin/zero_results.html", rows=search_service.zero_result_queries(actor=current_user)
    )


@bp.get("/barrieren")
def barrier_reports():
    from catalogue.services import feedback as feedback_service

    return render_template(
        "admin/barrier_reports.html", rows=feedback_service.list_barrier_reports(actor=current_user)
    )
