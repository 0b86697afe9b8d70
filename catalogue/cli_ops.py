"""Backup and restore commands (``catalogue backup`` / ``catalogue restore``): thin wrappers
around ``services.backup`` that print a summary and exit non-zero on failure."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(target: Path) -> None:
    """Write database and uploads to TARGET (a new .tar file) and verify it."""
    from catalogue.services import backup

    try:
        summary = backup.create_backup(target)
    except backup.BackupError as error:
        raise click.ClickException(error.message) from error
    rows = sum(summary.tables.values())
    click.echo(
        f"Sicherung geschrieben und geprüft: {summary.path} ({rows} Datenbankzeilen in "
        f"{len(summary.tables)} Tabellen, {summary.files} Anhänge, {summary.bytes} Bytes)."
    )


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verify-only", is_flag=True, help="Only check the archive, restore nothing.")
def restore_command(source: Path, verify_only: bool) -> None:
    """Restore SOURCE into an empty database and uploads folder, then rebuild the index."""
    from catalogue.services import backup

    try:
        if verify_only:
            manifest = backup.verify_backup(source)
            click.echo(f"Sicherung vom {manifest['created_at']} ist vollständig.")
            return
        manifest = backup.restore_backup(source)
    except backup.BackupError as error:
        raise click.ClickException(error.message) from error
    rows = sum(t["rows"] for t in manifest["tables"].values())
    click.echo(
        f"Wiederhergestellt und geprüft: {rows} Datenbankzeilen, {len(manifest['uploads'])} "
        "Anhänge; Suchindex neu aufgebaut."
    )
