"""Backup and restore: a logical dump of every table plus the uploads folder, in one tar file
with a manifest of row counts and SHA-256 checksums.

- ``create_backup`` reads every table in one repeatable-read snapshot (PostgreSQL) so the dump is
  consistent while the site keeps running, copies the uploads and verifies what it wrote.
- ``verify_backup`` re-reads an archive and checks every checksum and count.
- ``restore_backup`` only restores into an *empty* database (it creates the schema and stamps the
  migration version), copies the uploads back, resets sequences, rebuilds this host's index and
  compares the result with the manifest.

The dump is portable between SQLite and PostgreSQL (JSON lines per table). This module must not
be called from a request; the CLI (``catalogue backup`` / ``catalogue restore``) is its only user.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from catalogue.db import Base, db, unit_of_work

FORMAT = 1


class BackupError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, date):
        return {"__d__": value.isoformat()}
    if isinstance(value, Decimal):
        return {"__dec__": str(value)}
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "__dt__":
            return datetime.fromisoformat(raw)
        if tag == "__d__":
            return date.fromisoformat(raw)
        if tag == "__dec__":
            return Decimal(raw)
        if tag == "__b64__":
            return base64.b64decode(raw)
    return value


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    tar.addfile(info, io.BytesIO(data))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _upload_files() -> dict[str, Path]:
    root = Path(current_app.config["UPLOAD_DIR"])
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    tables: dict[str, int]
    files: int
    bytes: int


def create_backup(target: Path) -> BackupSummary:
    """Write a backup archive to ``target`` (a .tar file) and verify it."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} gibt es schon; bitte wählen Sie einen neuen Dateinamen.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tables: dict[str, dict[str, Any]] = {}
    tmp = target.with_suffix(target.suffix + ".part")
    with db.engine.connect() as conn, tarfile.open(tmp, "w") as tar:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            lines = [
                json.dumps({k: _encode(v) for k, v in row._mapping.items()}, ensure_ascii=False)
                for row in conn.execute(sa.select(table).order_by(*order))
            ]
            data = ("\n".join(lines) + ("\n" if lines else "")).encode()
            _add_bytes(tar, f"db/{table.name}.jsonl", data)
            tables[table.name] = {"rows": len(lines), "sha256": _sha(data)}
        revision = _current_revision(conn)
        conn.rollback()
        files: dict[str, dict[str, Any]] = {}
        total = 0
        for name, path in _upload_files().items():
            data = path.read_bytes()
            _add_bytes(tar, f"uploads/{name}", data)
            files[name] = {"size": len(data), "sha256": _sha(data)}
            total += len(data)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "dialect": db.engine.dialect.name,
            "alembic_revision": revision,
            "tables": tables,
            "uploads": files,
        }
        _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    tmp.rename(target)
    verify_backup(target)
    return BackupSummary(target, {k: v["rows"] for k, v in tables.items()}, len(files), total)


def _current_revision(conn: sa.Connection) -> str | None:
    try:
        revision: str | None = conn.execute(
            sa.text("SELECT version_num FROM alembic_version")
        ).scalar()
        return revision
    except sa.exc.DBAPIError:
        conn.rollback()
        return None


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    except (KeyError, AttributeError, ValueError) as error:
        raise BackupError("Die Datei ist keine Sicherung des Lösungskatalogs.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError("Dieses Sicherungsformat wird nicht unterstützt.")
    return manifest


def _member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    if handle is None:
        raise BackupError(f"In der Sicherung fehlt {name}.")
    return handle.read()


def verify_backup(path: Path) -> dict[str, Any]:
    """Check every table dump and upload against the manifest; return the manifest."""
    with tarfile.open(path, "r") as tar:
        manifest = _read_manifest(tar)
        for name, meta in manifest["tables"].items():
            data = _member(tar, f"db/{name}.jsonl")
            if _sha(data) != meta["sha256"] or data.count(b"\n") != meta["rows"]:
                raise BackupError(f"Tabelle {name} in der Sicherung ist beschädigt.")
        for name, meta in manifest["uploads"].items():
            if _sha(_member(tar, f"uploads/{name}")) != meta["sha256"]:
                raise BackupError(f"Anhang {name} in der Sicherung ist beschädigt.")
    return manifest


def _database_is_empty(conn: sa.Connection) -> bool:
    existing = set(sa.inspect(conn).get_table_names())
    for table in Base.metadata.sorted_tables:
        if (
            table.name in existing
            and conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        ):
            return False
    return True


def restore_backup(path: Path) -> dict[str, Any]:
    """Restore an archive into an empty database and uploads folder, rebuild the index, verify."""
    from catalogue.extensions import alembic
    from catalogue.services import search_sync

    manifest = verify_backup(path)
    upload_root = Path(current_app.config["UPLOAD_DIR"])
    if upload_root.is_dir() and any(upload_root.iterdir()):
        raise BackupError(f"Der Upload-Ordner {upload_root} ist nicht leer.")
    with db.engine.connect() as conn:
        if not _database_is_empty(conn):
            raise BackupError(
                "Die Datenbank ist nicht leer. Wiederherstellen geht nur in eine leere Datenbank."
            )
    Base.metadata.create_all(db.engine)
    with tarfile.open(path, "r") as tar, unit_of_work() as session:
        conn = session.connection()
        for table in Base.metadata.sorted_tables:
            if table.name not in manifest["tables"]:
                continue
            rows = [
                {k: _decode(v) for k, v in json.loads(line).items()}
                for line in _member(tar, f"db/{table.name}.jsonl").decode().splitlines()
            ]
            known = set(table.columns.keys())
            rows = [{k: v for k, v in row.items() if k in known} for row in rows]
            for start in range(0, len(rows), 500):
                conn.execute(table.insert(), rows[start : start + 500])
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    if manifest.get("alembic_revision"):
        alembic.stamp("heads")
    upload_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "r") as tar:
        for name in manifest["uploads"]:
            target = upload_root / name
            if not target.resolve().is_relative_to(upload_root.resolve()):
                raise BackupError(f"Ungültiger Dateiname in der Sicherung: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_member(tar, f"uploads/{name}"))
    db.session.close()
    search_sync.rebuild()
    _verify_restored(manifest)
    return manifest


def _reset_sequences(conn: sa.Connection) -> None:
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer) or not pk[0].autoincrement:
            continue
        seq = conn.execute(
            sa.text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        ).scalar()
        if seq:
            conn.execute(
                sa.text(
                    f"SELECT setval(:s, COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
                ),
                {"s": seq},
            )


def _verify_restored(manifest: dict[str, Any]) -> None:
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            meta = manifest["tables"].get(table.name)
            if meta is None:
                continue
            count = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
            if count != meta["rows"]:
                raise BackupError(f"Tabelle {table.name}: {count} statt {meta['rows']} Zeilen.")
    files = _upload_files()
    for name, meta in manifest["uploads"].items():
        if name not in files or _sha(files[name].read_bytes()) != meta["sha256"]:
            raise BackupError(f"Anhang {name} wurde nicht korrekt wiederhergestellt.")
