"""Command line for alerts: ``catalogue alerts send-digests`` (run by a timer, e.g. hourly or
daily; each subscription gets at most one digest per period, so extra runs are harmless)."""

from __future__ import annotations

import click


@click.group("alerts")
def alerts_group() -> None:
    """Subscriptions and their e-mail digests."""


@alerts_group.command("send-digests")
def send_digests() -> None:
    """Queue the daily and weekly digest e-mails that are due (idempotent per period)."""
    from catalogue.services import digests, periodic

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
