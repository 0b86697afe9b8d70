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
    from catalogue.services import digests

    run = digests.send_digests()
    click.echo(
        f"{run.subscriptions} Abos geprüft, {run.mails} E-Mails mit {run.items} Lösungen "
        f"eingereiht, {run.skipped_concurrent} von einem parallelen Lauf erledigt."
    )
