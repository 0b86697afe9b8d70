"""The compact in-memory form of one term's decoded posting list (the context's posting cache).

Owns `CompactPostings` and `compact_postings` (and `SizedLRU`, the bounded cache the context
keeps them and its other per-term results in): a list carried by more than `PACKED_SHARE` of
the documents keeps its docnums as a packed bitset over all docnums (N/8 bytes, smaller than
4 bytes per posting from N/32 postings on), shorter lists as sorted int32 arrays; weights that
are all integers (term frequencies) as uint8/uint16, others as float32. Every form expands to
exactly the int32 docnums and float32 weights it was built from (tests compare them).

Must not: import Whoosh, Flask or SQLAlchemy, or other search_index modules.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, ValuesView
from typing import Generic, NamedTuple, TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

PACKED_SHARE = 1 / 32  # lists in more than this share of the documents are kept as bitsets


class CompactPostings(NamedTuple):
    """One term's live postings as cached: `ids` are the sorted int32 docnums, or, if `packed`,
    `np.packbits` of the mask over all docnums (big-endian bit order); `weights` are float32
    or, when every weight is an integer that fits, uint8/uint16 (exact either way)."""

    ids: np.ndarray
    weights: np.ndarray
    packed: bool
    nbytes: int

    def docnums(self, size: int) -> np.ndarray:
        if not self.packed:
            return self.ids
        return np.flatnonzero(np.unpackbits(self.ids, count=size)).astype(np.int32)

    def expand(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        weights = self.weights
        if weights.dtype != np.float32:
            weights = weights.astype(np.float32)
        return self.docnums(size), weights

    def mask(self, size: int) -> np.ndarray:
        if self.packed:
            return np.unpackbits(self.ids, count=size).view(bool)
        mask = np.zeros(size, dtype=bool)
        if len(self.ids):
            mask[self.ids] = True
        return mask

    def has(self, docnum: int) -> bool:
        """Whether one docnum carries the term."""
        ids = self.ids
        if self.packed:
            byte = docnum >> 3
            return 0 <= byte < len(ids) and bool((int(ids[byte]) >> (7 - (docnum & 7))) & 1)
        k = int(np.searchsorted(ids, docnum))
        return k < len(ids) and int(ids[k]) == docnum

    def carrying(self, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` (sorted int64 docnums, any range) carry the term."""
        if not self.packed:
            return positions(self.ids, docs)[1]
        inside = (docs >= 0) & (docs < 8 * len(self.ids))
        found = np.zeros(len(docs), dtype=bool)
        d = docs[inside]
        found[inside] = (self.ids[d >> 3] >> (7 - (d & 7)).astype(np.uint8)) & 1 == 1
        return found


def compact_postings(ids: np.ndarray, weights: np.ndarray, size: int) -> CompactPostings:
    """The cached form of sorted int32 docnums `ids` < `size` and their float32 `weights`."""
    packed = len(ids) > PACKED_SHARE * size
    stored = np.packbits(_mask_of(ids, size)) if packed else ids
    if len(weights) and np.all(weights >= 0) and np.all(weights == np.floor(weights)):
        top = float(weights.max())
        if top <= np.iinfo(np.uint8).max:
            weights = weights.astype(np.uint8)
        elif top <= np.iinfo(np.uint16).max:
            weights = weights.astype(np.uint16)
    return CompactPostings(stored, weights, packed, int(stored.nbytes + weights.nbytes))


def _mask_of(ids: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[ids] = True
    return mask


def positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(insertion points of `wanted` in the sorted `ids`, mask of the ones found there)."""
    k = np.searchsorted(ids, wanted)
    inside = k < len(ids)
    hit = np.zeros(len(wanted), dtype=bool)
    hit[inside] = ids[k[inside]] == wanted[inside]
    return k, hit


class SizedLRU(Generic[K, V]):
    """A least-recently-used map bounded by the total size of its values.

    `size(value)` is a value's cost (bytes, postings, documents or 1); a value costing more
    than `max_share` of the budget is not kept at all (one huge list must not empty the cache).
    Not locked: a context's caches are only filled by the thread that searches with it.
    """

    def __init__(self, budget: int, size: Callable[[V], int], max_share: float = 1.0):
        self.budget = budget
        self.total = 0
        self._size = size
        self._max_item = max_share * budget
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        cost = self._size(value)
        if cost > self._max_item:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.total -= self._size(old)
        self._items[key] = value
        self.total += cost
        while self.total > self.budget:
            self.total -= self._size(self._items.popitem(last=False)[1])

    def values(self) -> ValuesView[V]:
        return self._items.values()

    def __len__(self) -> int:
        return len(self._items)
