"""Column helpers shared by the model modules."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


def enum_column(enum_cls: type[StrEnum]) -> sa.Enum:
    """Store an enum as its string value (portable across SQLite and PostgreSQL)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        create_constraint=True,
        name=enum_cls.__name__.lower(),
    )
