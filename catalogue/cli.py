"""Command line: ``catalogue <group> <command>`` (also ``flask --app catalogue …``).

Commands are thin: parse options, call a service, print a result, exit non-zero on failure.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from catalogue.services import seed as seed_service


@click.group("seed")
def seed_group() -> None:
    """Load seed data (idempotent)."""


@seed_group.command("municipalities")
def seed_municipalities() -> None:
    """Load the shipped Kreise and municipalities (official Destatis data)."""
    result = seed_service.load_municipalities()
    click.echo(f"Kommunen: {result.created} neu, {result.existing} aktualisiert.")


@seed_group.command("modellregion")
def seed_modellregion() -> None:
    """Load the real projects of the Digitale Modellregion OWL (with sources)."""
    result = seed_service.load_modellregion()
    click.echo(
        f"Modellprojekte: {result.created} neu, {result.updated} aktualisiert, "
        f"{result.existing} unverändert."
    )


@seed_group.command("demo")
def seed_demo() -> None:
    """Load the fictional demo solutions and experience reports."""
    result = seed_service.load_demo()
    click.echo(f"Demo-Lösungen: {result.created} neu, {result.existing} bereits vorhanden.")


@seed_group.command("accounts")
def seed_accounts() -> None:
    """Create one demo account per role (only in demo mode; password demo-passwort-123)."""
    from catalogue.errors import DomainError
    from catalogue.services import accounts as accounts_service

    try:
        result = accounts_service.create_demo_accounts()
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Demo-Konten: {result.created} neu, {result.existing} bereits vorhanden.")


@seed_group.command("loop")
def seed_loop() -> None:
    """Walk the reuse loop once with the demo accounts (only in demo mode): two needs of
    Paderborn, a brokered contact request and a confirmed reuse."""
    from catalogue.errors import DomainError
    from catalogue.services import demo_loop

    try:
        result = demo_loop.load_demo_loop()
    except DomainError as error:
        raise click.ClickException(error.message) from error
    if result.existing:
        click.echo("Demo-Vorgänge: bereits vorhanden.")
        return
    click.echo(
        f"Demo-Vorgänge: {result.needs} Bedarfe, {result.requests} vermittelte Kontaktanfrage, "
        f"{result.reuses} bestätigte Nachnutzung."
    )


@click.group("users")
def users_group() -> None:
    """Manage accounts from the shell."""


@users_group.command("create-admin")
@click.argument("email")
@click.argument("name")
@click.option(
    "--password",
    prompt="Passwort (mindestens 12 Zeichen)",
    hide_input=True,
    confirmation_prompt="Passwort wiederholen",
    help="Omit to be prompted (keeps the password out of the shell history).",
)
def users_create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account that can sign in right away."""
    from catalogue.errors import DomainError, ValidationFailed
    from catalogue.services import accounts as accounts_service

    try:
        user = accounts_service.create_admin(email=email, name=name, password=password)
    except ValidationFailed as error:
        raise click.ClickException(" ".join(error.errors.values())) from error
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Administration angelegt: {user.email} (Nr. {user.id}).")


@click.group("reminders")
def reminders_group() -> None:
    """Periodic reminders (freshness of solutions, unanswered contact requests)."""


@reminders_group.command("send")
@click.option(
    "--date",
    "on_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Act as if today were this date (YYYY-MM-DD); default: today. Without --dry-run "
    "the reminders are really sent and recorded.",
)
@click.option(
    "--dry-run", is_flag=True, help="Only show which reminders would go to whom; send nothing."
)
def reminders_send(on_date, dry_run: bool) -> None:
    """Send due freshness and contact-request reminders once (idempotent; run daily)."""
    from catalogue.services import periodic
    from catalogue.services import reminders as reminders_service

    if dry_run:
        planned = reminders_service.preview_reminders(on_date.date() if on_date else None)
        for item in planned:
            to = ", ".join(item.addresses) or "niemand erreichbar"
            click.echo(f"{item.what}: „{item.title}“ → {to}")
        mails = sum(len(item.addresses) for item in planned)
        reminders = "1 Erinnerung" if len(planned) == 1 else f"{len(planned)} Erinnerungen"
        click.echo(f"Probelauf: {reminders} an {mails} Empfänger; nichts gesendet oder vermerkt.")
        return
    periodic.started("reminders")
    run = reminders_service.send_reminders(on_date.date() if on_date else None)
    periodic.finished("reminders", run.summary())
    click.echo(run.summary())


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_group)
    app.cli.add_command(reminders_group)
    app.cli.add_command(users_group)
    app.cli.add_command(search_group)
    app.cli.add_command(outbox_group)
    from catalogue.cli_ops import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)

    from catalogue.cli_alerts import alerts_group

    app.cli.add_command(alerts_group)
    app.cli.add_command(import_table_command)


def _create_app() -> Flask:
    from catalogue import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Lösungskatalog administration."""


@click.group("search")
def search_group() -> None:
    """Maintain this host's search index."""


def _progress_printer(label: str):
    state = {"last": 0.0}

    def report(done: int, total: int | None) -> None:
        import time

        now = time.monotonic()
        if now - state["last"] < 0.5 and done != total:
            return
        state["last"] = now
        if total:
            click.echo(f"\r{label}: {done}/{total} ({done * 100 // max(total, 1)} %)", nl=False)
        else:
            click.echo(f"\r{label}: {done}", nl=False)

    return report


@search_group.command("rebuild")
def search_rebuild() -> None:
    """Rebuild the index from the database into a new directory and swap it in atomically."""
    from catalogue.services import search as search_service

    count = search_service.rebuild(progress=_progress_printer("Indexiere"))
    click.echo(f"\nIndex neu aufgebaut: {count} Dokumente.")


@search_group.command("check")
def search_check() -> None:
    """Compare the index with the database; exit 1 if anything drifted."""
    from catalogue.services import search as search_service

    drift = search_service.check()
    if drift.clean:
        click.echo("Index und Datenbank stimmen überein.")
        return
    for label, ids in (
        ("fehlt im Index", drift.missing),
        ("veraltet im Index", drift.stale),
        ("im Index, aber nicht veröffentlicht", drift.orphaned),
    ):
        for doc_id in ids:
            click.echo(f"{label}: {doc_id}")
    raise SystemExit(1)


@search_group.command("optimize")
def search_optimize() -> None:
    """Merge this host's index into one segment (for a nightly timer)."""
    from catalogue.services import search as search_service

    click.echo("Führe Segmente zusammen …")
    before, after = search_service.optimize()
    click.echo(f"Index zusammengeführt: {before} → {after} Segmente.")


@search_group.command("status")
def search_status() -> None:
    """Show index size, outbox cursor and pending changes (never creates an index)."""
    from catalogue.errors import DomainError
    from catalogue.services import search as search_service

    try:
        search_service.require_existing_index()
        values = search_service.status()
    except DomainError as error:
        raise click.ClickException(error.message) from error
    for key, value in values.items():
        click.echo(f"{key}: {value}")


@search_group.command("sync")
def search_sync() -> None:
    """Apply pending outbox rows to this host's index once."""
    from catalogue.services import search as search_service

    result = search_service.sync_outbox()
    click.echo(
        f"{result.rows} Änderungen gelesen, {result.upserted} indexiert, {result.deleted} entfernt."
    )


@search_group.command("worker")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between polls.")
def search_worker(interval: float) -> None:
    """Keep this host's index in sync and run side effects (one per host; SIGTERM stops it)."""
    import logging

    from catalogue.services import worker

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    click.echo(f"Suchindex-Worker läuft auf {worker.host_id()} (Strg+C beendet).")
    worker.run_worker(interval=interval)


@click.group("outbox")
def outbox_group() -> None:
    """Housekeeping of the search outbox and the side-effect jobs."""


@outbox_group.command("prune")
@click.option("--keep-days", type=int, default=None, help="Default: CATALOGUE_OUTBOX_KEEP_DAYS.")
def outbox_prune(keep_days: int | None) -> None:
    """Delete outbox rows every host has applied and finished jobs older than N days."""
    from flask import current_app

    from catalogue.services import outbox, periodic

    periodic.started("outbox-prune")
    days = keep_days if keep_days is not None else current_app.config["OUTBOX_KEEP_DAYS"]
    rows, jobs = outbox.prune(keep_days=days)
    summary = f"Outbox bereinigt: {rows} Zeilen, {jobs} erledigte Aufträge gelöscht."
    periodic.finished("outbox-prune", summary)
    click.echo(summary)


@outbox_group.command("forget-host")
@click.argument("host")
def outbox_forget_host(host: str) -> None:
    """Remove a decommissioned host from the worker heartbeats (it holds back `prune`)."""
    from catalogue.services import worker

    if not worker.forget_host(host):
        raise click.ClickException(f"Kein Server „{host}“ in den Worker-Meldungen.")
    click.echo(
        f"Server „{host}“ entfernt. Läuft dort noch ein Worker, meldet er sich nach seiner "
        "nächsten Runde wieder."
    )


@outbox_group.command("status")
def outbox_status() -> None:
    """Show worker heartbeats, pending and failing jobs, mail delivery and spreadsheet imports;
    exit 1 if a job, a mail or a running import keeps failing."""
    from flask_babel import format_datetime

    from catalogue.services import import_runs, jobs, mail, worker

    for beat in worker.heartbeats():
        # local time, as the operations page shows it (stored times are UTC)
        last = beat.last_success_at
        last_success = format_datetime(last, "dd.MM.yyyy HH:mm:ss") if last else "nie"
        click.echo(
            f"{beat.host}: letzter Erfolg {last_success} (Ortszeit), "
            f"Rückstand {beat.lag_rows} Zeilen / {beat.lag_seconds} s, Cursor {beat.cursor}, "
            f"offene Aufträge {beat.jobs_pending}"
        )
    click.echo(f"offene Aufträge: {jobs.pending_jobs()}")
    failing = jobs.failing_jobs()
    for job in failing:
        click.echo(f"Auftrag {job.id} ({job.kind}): {job.attempts} Versuche, {job.last_error}")
    click.echo(f"laufende Tabellenimporte: {import_runs.pending_runs()}")
    troubled = import_runs.troubled_runs()
    for run in troubled:
        click.echo(
            f"Import {run.id} ({run.filename}): {run.status.label}, {run.done_rows}/"
            f"{run.total_rows} Zeilen, {run.attempts} Versuche, {run.last_error}"
        )
    mails = mail.mail_overview()
    click.echo(
        f"E-Mails: {mails.counts['wartet']} wartend, {mails.counts['wiederholt']} werden "
        f"wiederholt, {mails.counts['fehler']} endgültig fehlgeschlagen"
        + ("" if mails.smtp_configured else " (kein SMTP-Server: nur protokolliert)")
    )
    for failed in mails.failed:
        click.echo(f"E-Mail {failed.id} an {failed.recipient}: {failed.error}")
    if failing or mails.trouble or any(not run.status.is_finished for run in troubled):
        raise SystemExit(1)


@click.command("import-table")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--email", required=True, help="Account the import acts as (its permissions).")
@click.option("--run", is_flag=True, help="Import for real (default: dry run only).")
@click.option("--publish", is_flag=True, help="Curators: publish the rows directly.")
def import_table_command(path: str, email: str, run: bool, publish: bool) -> None:
    """Import solutions from a CSV/XLSX spreadsheet (dry run unless --run)."""
    from pathlib import Path

    from catalogue.errors import DomainError
    from catalogue.services import table_import

    file = Path(path)

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} Zeilen importiert")

    try:
        actor = table_import.importing_account(email)
        result = table_import.import_table(
            actor=actor,
            filename=file.name,
            content=file.read_bytes(),
            dry_run=not run,
            publish=publish,
            on_progress=progress,
        )
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    for problem in result.problems:
        click.echo(problem, err=True)
    counts = ", ".join(
        f"{result.count(a)} {label}"
        for a, label in table_import.ACTION_LABELS.items()
        if a != "fehler"
    )
    click.echo(("Probelauf: " if result.dry_run else "Import: ") + counts)
    if not result.ok:
        raise click.ClickException(f"{len(result.problems)} Probleme – nichts importiert.")
