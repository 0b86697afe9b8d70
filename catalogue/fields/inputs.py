"""Service inputs whose plain fields come from a field specification.

A subclass names its ``spec`` and its special fields; the plain fields are keyword arguments and
attributes like dataclass fields, kept in ``values`` (so a new ``Field`` needs no new attribute).
"""

from __future__ import annotations

from typing import Any, ClassVar

from catalogue.fields.spec import ContentSpec


class SpecInput:
    spec: ClassVar[ContentSpec]
    values: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        unknown = sorted(set(values) - set(self.spec.names))
        if unknown:
            raise TypeError(f"{type(self).__name__} has no fields {unknown} (see catalogue.fields)")
        object.__setattr__(self, "values", {**self.spec.empty_values(), **values})

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.spec.by_name:
            self.values[name] = value
        else:
            object.__setattr__(self, name, value)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({vars(self)!r})"
