"""Column values per immutable index segment, shared by all searcher contexts of a process.

Owns `SegmentArrays`: a segment's column values (doc ids, facets and numbers as lists; the
sentence embeddings as a float16 matrix, `search_index.embedding`) are read once and kept for at
most `SEGMENT_ARRAYS` (segment, field) pairs; segments never change, so nothing goes stale.

Must not: import Flask or SQLAlchemy, or read private Whoosh internals (that is
`search_index.compat`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from search_index import compat, embedding
from search_index.schema import FACET_FIELDS

SEGMENT_ARRAYS = 256


class SegmentArrays:
    """Column values per (index dir, segment, field); segments are immutable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # lists of column values, or (the embedding column) a float16 matrix of rows
        self._arrays: OrderedDict[tuple[str, str, str], Any] = OrderedDict()

    def get(self, target: str, leaf: Any, name: str) -> list[Any]:
        if leaf.segment() is None:  # EmptyReader of a fresh index: no documents, no columns
            return []
        values: list[Any] = self._cached(target, leaf, name, lambda: self._read(leaf, name))
        return values

    def matrix(self, target: str, leaf: Any, name: str) -> np.ndarray:
        """The rows of a vector column (`EMBEDDING_FIELD`) of one segment."""
        if leaf.segment() is None:
            return embedding.matrix([])
        build = lambda: embedding.matrix(list(compat.column_reader(leaf, name)))  # noqa: E731
        rows: np.ndarray = self._cached(target, leaf, name, build)
        return rows

    def _cached(self, target: str, leaf: Any, name: str, build: Callable[[], Any]) -> Any:
        key = (target, leaf.segment().segment_id(), name)
        with self._lock:
            arr = self._arrays.get(key)
            if arr is not None:
                self._arrays.move_to_end(key)
                return arr
        arr = build()
        with self._lock:
            self._arrays[key] = arr
            while len(self._arrays) > SEGMENT_ARRAYS:
                self._arrays.popitem(last=False)
        return arr

    @staticmethod
    def _read(leaf: Any, name: str) -> list[Any]:
        if name == "doc_id":
            return [
                (v.decode("utf-8") if isinstance(v, bytes) else v)
                for v in compat.column_reader(leaf, "doc_id")
            ]
        if name in FACET_FIELDS:
            decoded: dict[bytes, str] = {}
            arr = []
            for v in compat.column_reader(leaf, name):
                s = decoded.get(v)
                if s is None:
                    s = decoded[v] = v.decode("utf-8")
                arr.append(s)
            return arr
        return list(compat.column_reader(leaf, name))
