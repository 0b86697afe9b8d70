"""Municipalities (Kommunen) including Kreise; the AGS is the natural key.

Owns the table only; loading official data is the job of ``services.seed``.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import orm

from catalogue.db import Base
from catalogue.models._types import enum_column
from catalogue.models.enums import MunicipalityKind


class Municipality(Base):
    __tablename__ = "municipality"

    # 8-digit Amtlicher Gemeindeschlüssel; Kreise use their 5-digit key padded with "000".
    ags: orm.Mapped[str] = orm.mapped_column(sa.String(8), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    official_name: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    kind: orm.Mapped[MunicipalityKind] = orm.mapped_column(enum_column(MunicipalityKind))
    type_label: orm.Mapped[str] = orm.mapped_column(sa.String(120), default="")
    kreis_ags: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("municipality.ags"), index=True
    )
    population: orm.Mapped[int | None]
    population_date: orm.Mapped[str | None] = orm.mapped_column(sa.String(10))
    area_km2: orm.Mapped[float | None]
    postcode: orm.Mapped[str | None] = orm.mapped_column(sa.String(5))
    lat: orm.Mapped[float | None]
    lon: orm.Mapped[float | None]
    slug: orm.Mapped[str] = orm.mapped_column(sa.String(140), unique=True)

    kreis: orm.Mapped[Municipality | None] = orm.relationship(
        remote_side=[ags], back_populates="members"
    )
    members: orm.Mapped[list[Municipality]] = orm.relationship(back_populates="kreis")

    @property
    def is_kreis(self) -> bool:
        return self.kind == MunicipalityKind.KREIS

    @property
    def display_name(self) -> str:
        if self.kind == MunicipalityKind.KREIS:
            return self.name if self.name.startswith("Kreis") else f"Kreis {self.name}"
        return self.name

    def __repr__(self) -> str:
        return f"<Municipality {self.ags} {self.name}>"
