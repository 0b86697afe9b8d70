"""Command line for alerts: ``catalogue alerts send-digests`` (run by a timer, e.g. hourly or
daily; each subscription gets at most one digest per period, so extra runs are harmless)."""

from __future__ import annotations

import click


@click.group("alerts")
def alerts_group() -> None:
    """Subscriptions and their e-mail digests."""


@alerts_group.command("send-digests")
@click.option("--dry-run", is_flag=True, help="Only show who would get which digest now.")
def send_digests(dry_run: bool) -> None:
    """Queue the daily and weekly digest e-mails that are due (idempotent per period)."""
    from catalogue.services import digests, periodic

    if dry_run:
        preview = digests.preview_digests()
        for address, subject in preview:
            click.echo(f"{address}: {subject}")
        count = len(preview)
        what = "1 E-Mail würde" if count == 1 else f"{count} E-Mails würden"
        click.echo(f"Probelauf: {what} eingereiht; nichts gesendet.")
        return
    periodic.started("digests")
    run = digests.send_digests()

    def n(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    summary = (
        f"{n(run.subscriptions, 'Abo', 'Abos')} geprüft, {n(run.mails, 'E-Mail', 'E-Mails')} mit "
        f"{n(run.items, 'Lösung', 'Lösungen')} eingereiht, {run.skipped_concurrent} von einem "
        "parallelen Lauf erledigt."
    )
    periodic.finished("digests", summary)
    click.echo(summary)
