"""Test harness: a fresh app per test (temporary SQLite file and index directory, or a clean
PostgreSQL schema when ``CATALOGUE_TEST_DATABASE_URL`` is set), data created through services,
and an index consistency check at the end of every test that used the app."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from catalogue import create_app
from catalogue.db import Base

PG_URL = os.environ.get("CATALOGUE_TEST_DATABASE_URL")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_drift: the test leaves the index out of sync on purpose"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last: Playwright's sync API keeps an asyncio loop running in the
    main thread for the rest of the session, and Flask-SQLAlchemy-Lite's app-context teardown
    refuses to run next to it, so no ordinary test may come after them."""
    browser_dir = Path(__file__).parent / "browser"
    items.sort(key=lambda item: browser_dir in Path(str(item.path)).parents)


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def _pg_database(url: str, name: str) -> str:
    """`url` pointing at another database of the same server."""
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


def _clone_postgres(url: str, template: str, target: str) -> None:
    """Replace database `target` by a copy of `template` (CREATE DATABASE … TEMPLATE: a file
    copy, far faster than loading the demo data through the services again)."""
    admin = sa.create_engine(_pg_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{target}" TEMPLATE "{template}"'))
    admin.dispose()


def make_app(tmp_path: Path, **overrides) -> Flask:
    url = overrides.pop("DATABASE_URL", None) or PG_URL or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    if url.startswith("postgresql"):
        _reset_postgres(url)
    config = {
        "ENV": "testing",
        "SECRET_KEY": "test",
        "DATABASE_URL": url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        **overrides,
    }
    app = create_app(config)
    with app.app_context():
        from catalogue.extensions import db

        Base.metadata.create_all(db.engine)
    return app


def release_app(app: Flask) -> None:
    """Stop the app's background side-effect thread (production-like apps run one), then close
    its session, database connections and search index (end of a test app)."""
    from catalogue.extensions import db
    from catalogue.services.worker import stop_inline_runner

    stop_inline_runner(app)
    with app.app_context():
        db.session.close()
        for engine in db.engines.values():
            engine.dispose()
    index = app.extensions.get("catalogue_index")
    if index is not None:
        index.close()


@pytest.fixture(autouse=True)
def _collect_garbage_per_test() -> Iterator[None]:
    """Collect garbage at the end of every test, so that a connection a test leaks (or a fault
    test kills) is reported against that test and its warning filters, not the next one."""
    yield
    gc.collect()


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Argon2 with production cost takes ~0.1-1 s per hash; account tests use a cheap profile."""
    from argon2 import PasswordHasher

    from catalogue.services.accounts import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    passwords._dummy_hash.cache_clear()
    yield
    passwords._dummy_hash.cache_clear()


@pytest.fixture
def app(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    app = make_app(tmp_path)
    with app.app_context():
        yield app
        if request.node.get_closest_marker("allow_drift") is None:
            from catalogue.services import search as search_service

            search_service.sync_outbox()
            drift = search_service.check()
            assert drift.clean, f"index drifted from the database: {drift}"
    release_app(app)


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def municipalities(app: Flask) -> None:
    from catalogue.services import seed

    seed.load_municipalities()


def _load_demo() -> None:
    from catalogue.services import search, seed

    seed.load_modellregion()
    seed.load_demo()
    search.sync_outbox()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seed the demo data once per session; tests get a copy of the database and of the index
    directory (seconds saved per test): on SQLite a copy of the file, on PostgreSQL a database
    created from the template database `<test database>_demo`."""
    root = tmp_path_factory.mktemp("demo-template")
    overrides = {}
    if PG_URL:
        template = _demo_database()
        _clone_postgres(PG_URL, "template0", template)  # an empty database to seed
        overrides["DATABASE_URL"] = _pg_database(PG_URL, template)
    app = make_app(root, **overrides)
    with app.app_context():
        from catalogue.extensions import db
        from catalogue.services import seed

        seed.load_municipalities()
        _load_demo()
        db.session.close()
    release_app(app)  # no connection may stay: PostgreSQL copies only an unused template
    return root


def _demo_database() -> str:
    return f"{sa.engine.make_url(PG_URL).database}_demo"


@pytest.fixture
def demo(app: Flask, demo_template: Path) -> None:
    import shutil
    import sqlite3

    from catalogue.extensions import db

    db.session.close()
    for engine in db.engines.values():
        engine.dispose()
    index = app.extensions.pop("catalogue_index", None)
    if index is not None:
        index.close()
    if PG_URL:
        target_name = sa.engine.make_url(PG_URL).database
        assert target_name, "CATALOGUE_TEST_DATABASE_URL names no database"
        _clone_postgres(PG_URL, _demo_database(), target_name)
    else:
        source = sqlite3.connect(demo_template / "test.sqlite3")
        target = sqlite3.connect(app.config["DATABASE_URL"].removeprefix("sqlite:///"))
        with target:
            source.backup(target)
        source.close()
        target.close()
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.copytree(demo_template / "index", index_dir, symlinks=True)
