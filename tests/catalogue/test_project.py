"""Project-level guarantees: configuration documented, migrations match the models, one Whoosh."""

from pathlib import Path

import pytest

from catalogue.config import KEYS, load

ROOT = Path(__file__).resolve().parents[2]


def test_every_configuration_key_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    grouped = {"MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_SENDER"}
    for name in KEYS:
        if name not in grouped:
            assert f"CATALOGUE_{name}" in readme, name
        assert KEYS[name].doc


def test_production_refuses_to_start_without_secret(monkeypatch):
    monkeypatch.delenv("CATALOGUE_SECRET_KEY", raising=False)
    monkeypatch.delenv("CATALOGUE_ENV", raising=False)
    with pytest.raises(RuntimeError):
        load()
    assert load({"SECRET_KEY": "x"})["SESSION_COOKIE_SECURE"] is True


def test_migrations_create_exactly_the_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from catalogue import create_app
    from catalogue.db import Base
    from catalogue.extensions import alembic, db

    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}"})
    with app.app_context():
        alembic.upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        db.session.close()
        db.engine.dispose()
    assert diff == []


def test_only_the_whoosh_fork_is_installed():
    from importlib.metadata import PackageNotFoundError, distribution

    assert distribution("Whoosh-Reloaded").version == "2.7.5"
    with pytest.raises(PackageNotFoundError):
        distribution("Whoosh")
