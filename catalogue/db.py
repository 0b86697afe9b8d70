"""Database plumbing: the declarative base, the constraint naming convention and
``unit_of_work()``, the only place that commits.

Services open a unit of work, mutate, and leave; after a successful commit the registered
after-commit hooks run (the search sync applies outbox rows there). Nothing else in the code base
calls ``session.commit()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_sqlalchemy_lite import SQLAlchemy
from sqlalchemy import orm

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(session_options={"expire_on_commit": False})


def session() -> orm.Session:
    return db.session


AfterCommitHook = Callable[[], None]


def register_after_commit(app, hook: AfterCommitHook) -> None:
    app.extensions.setdefault("catalogue_after_commit", []).append(hook)


@contextmanager
def unit_of_work() -> Iterator[orm.Session]:
    """Run a block as one transaction; commit at the end, roll back on any exception.

    Nested use joins the outer unit of work (only the outermost block commits).
    """
    s = db.session
    depth = s.info.get("uow_depth", 0)
    s.info["uow_depth"] = depth + 1
    try:
        yield s
        if depth == 0:
            s.commit()
    except BaseException:
        if depth == 0:
            s.rollback()
        raise
    finally:
        s.info["uow_depth"] = depth
    if depth == 0:
        for hook in current_app.extensions.get("catalogue_after_commit", []):
            hook()


def affected_rows(result: sa.Result[Any]) -> int:
    """Rows matched by an executed UPDATE or DELETE. ``Session.execute`` is typed to return a
    ``Result``; for these statements it is a ``CursorResult``, which has the row count."""
    if not isinstance(result, sa.CursorResult):
        raise TypeError("affected_rows() needs the result of an UPDATE or DELETE")
    return result.rowcount
