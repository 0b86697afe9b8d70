"""The one place that touches private internals of Whoosh-Reloaded 2.7.5 (pinned).

Owns every use of underscore attributes of Whoosh classes (posting reads: a term's whole byte
range decoded in one pass, block-wise as reference and fallback; the raw files and settings of
a segment's field writer for rebuilds, the bulk writer's hooks into `SegmentWriter`/`MpWriter`,
eager opening of a segment's column files) and an import-time check that the installed Whoosh
still has them: if one is missing the import fails with a message naming it, instead of the search
silently becoming 5-20x slower or wrong. `STATS` counts how often each fast path and each
fallback ran, so tests can assert that the fast paths are actually taken.

Must not: import Flask or SQLAlchemy, or be bypassed (no other module reads `_`-attributes of
Whoosh objects).
"""

from __future__ import annotations

import io
import pickle
import time
import zlib
from collections import Counter
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

STATS: Counter[str] = Counter()  # approximate under threads (unlocked increments)

# class → private names it must define or assign somewhere in its code
_REQUIRED: dict[type, tuple[str, ...]] = {
    whoosh3.W3LeafMatcher: (
        "_read_data",
        "_data",
        "_byteids",
        "_read_ids",
        "_read_weights",
        "_next_block",
        "_atend",
        "_maxid",
        "_ids",
        "_weights",
        "_postfile",
        "_startoffset",
        "_length",
    ),
    whoosh3.W3PostingsWriter: ("_blocklimit", "_byteids", "_compression", "_inlinelimit"),
    whoosh3.W3FieldWriter: ("_postwriter", "_postfile", "_tindex", "_fieldid"),
    whoosh3.W3PerDocReader: ("_cached_reader", "_colfiles", "_get_column_file"),
    whoosh3.W3PerDocWriter: ("_fieldlengths",),  # sets W3Segment._fieldlengths
    SegmentWriter: (
        "_check_state",
        "_check_fields",
        "_flush_segment",
        "_finalize_segment",
        "_added",
    ),
    SubWriterTask: ("_process_file",),
    SegmentReader: ("_perdoc",),
    whoosh_index.FileIndex: ("_read_toc",),
    MpWriter: ("_new_task",),
}
_MODULE_NAMES = (
    (whoosh3, ("STORED_COLUMN", "LENGTHS_COLUMN", "WHOOSH3_HEADER_MAGIC", "_lenfield")),
)


def _names_in(cls: type) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        for name, value in vars(klass).items():
            names.add(name)
            code = getattr(value, "__code__", None)
            if code is not None:
                names.update(code.co_names)
    return names


def missing_internals() -> list[str]:
    """`Class.name` of every private internal this module needs but Whoosh lacks."""
    missing: list[str] = []
    for cls, wanted in _REQUIRED.items():
        present = _names_in(cls)
        missing.extend(f"{cls.__name__}.{n}" for n in wanted if n not in present)
    for module, wanted in _MODULE_NAMES:
        missing.extend(f"{module.__name__}.{n}" for n in wanted if not hasattr(module, n))
    return missing


_MISSING = missing_internals()
if _MISSING:  # pragma: no cover - only with another Whoosh version
    raise ImportError(
        "search_index.compat: the installed Whoosh lacks internals the search layer relies on "
        f"({', '.join(_MISSING)}); install the pinned Whoosh-Reloaded==2.7.5"
    )


# ------------------------------------------------------------------------------------------
# Reading postings block-wise
# ------------------------------------------------------------------------------------------


def raw_matcher(m: Any) -> Any | None:
    """The whoosh3 on-disk leaf matcher behind `m` (deletion filter unwrapped), or None.

    Callers must filter deleted documents themselves.
    """
    raw = getattr(m, "child", m)
    return raw if isinstance(raw, whoosh3.W3LeafMatcher) else None


def posting_arrays(m: Any) -> tuple[np.ndarray, np.ndarray]:
    """(segment-local docnums as int64, weights as float32) of matcher `m`, deletions included.

    Collects the raw block tuples with C-level `list.extend` and delta-decodes all blocks with
    one numpy cumulative sum (each block's first delta is absolute).
    """
    raw = raw_matcher(m)
    if raw is None:
        STATS["arrays_slow"] += 1
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32)
    if raw._byteids:
        raise ValueError("posting_arrays: byte ids are not docnums")
    length = raw._length
    if isinstance(length, tuple):  # W3TermInfo.from_bytes keeps struct.unpack's 1-tuple
        length = length[0] if len(length) == 1 else None
    if not isinstance(length, int) or length < 4:
        STATS["arrays_blockwise"] += 1
        return blockwise_arrays(raw)
    data = raw._postfile.get(raw._startoffset, length)
    if data[:4] != whoosh3.WHOOSH3_HEADER_MAGIC or len(data) != length:
        STATS["arrays_blockwise"] += 1
        return blockwise_arrays(raw)
    STATS["arrays_fast"] += 1
    return decode_postings(data)


def decode_postings(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(docnums as int64, weights as float32) of one term's whole W3 posting byte range.

    The range (read with one `get`) is a header tag and blocks of: signed big-endian int32
    length (negative for the last block), a pickled info tuple (postings, max id, max weight,
    compression, min/max length byte), the (compressed) pickled data tuple (id deltas, weights
    as None = all 1.0 / one float for all / a tuple, values). The same decoding as
    `W3LeafMatcher` (`_goto`, `_read_data`, `_read_ids`, `_read_weights`) without its
    per-block method calls, seeks and attribute bookkeeping.
    """
    buf = io.BytesIO(data)
    view = memoryview(data)
    load = pickle.load
    decompress = zlib.decompress
    loads = pickle.loads
    deltas: list[int] = []
    weights: list[float] = []
    lengths: list[int] = []
    pos = 4
    end = len(data)
    while pos < end:
        length = int.from_bytes(view[pos : pos + 4], "big", signed=True)
        last = length < 0
        nextpos = pos + 4 + abs(length)
        buf.seek(pos + 4)
        info = load(buf)
        chunk = view[buf.tell() : nextpos]
        block = loads(decompress(chunk) if info[3] else chunk)
        ids, w = block[0], block[1]
        n = len(ids)
        deltas.extend(ids)
        lengths.append(n)
        if w is None:
            weights.extend([1.0] * n)
        elif isinstance(w, float):
            weights.extend([w] * n)
        else:
            weights.extend(w)
        pos = nextpos
        if last:
            break
    return _cumulate(deltas, lengths), np.asarray(weights, dtype=np.float32)


def blockwise_arrays(raw: Any) -> tuple[np.ndarray, np.ndarray]:
    """`posting_arrays` through the matcher's own block methods (the reference decoding)."""
    deltas: list[int] = []
    weights_list: list[float] = []
    lengths: list[int] = []
    while not raw._atend:
        if raw._data is None:
            raw._read_data()
        block = raw._data[0]
        deltas.extend(block)
        lengths.append(len(block))
        raw._read_weights()
        weights_list.extend(raw._weights)
        raw._next_block()
    return _cumulate(deltas, lengths), np.asarray(weights_list, dtype=np.float32)


def _cumulate(deltas: list[int], lengths: list[int]) -> np.ndarray:
    """Docnums from per-block delta lists (each block's first delta is absolute)."""
    if not deltas:
        return np.zeros(0, dtype=np.int64)
    total = np.cumsum(np.asarray(deltas, dtype=np.int64))
    if len(lengths) > 1:
        ends = np.cumsum(lengths)
        base = np.concatenate(([0], total[ends[:-1] - 1]))
        total -= np.repeat(base, lengths)
    return total


# ------------------------------------------------------------------------------------------
# Opening a segment's files eagerly (the /suche race)
# ------------------------------------------------------------------------------------------


def open_searcher(
    ix: Any,
    length_fields: Iterable[str],
    columns: Iterable[str],
    retries: int = 10,
    pause: float = 0.05,
) -> Searcher:
    """A searcher on the index's latest generation with every segment's files opened now.

    Like `Index.searcher()`, retrying when a concurrent commit removed a file meanwhile, but it
    closes the segment readers it had already opened before retrying (Whoosh leaks them) and
    pins the files that Whoosh would open lazily (`pin_segment_files`).
    """
    length_fields, columns = tuple(length_fields), tuple(columns)
    for attempt in range(retries):
        opened: list[Any] = []
        try:
            toc = ix._read_toc()
            for segment in toc.segments:
                opened.append(SegmentReader(ix.storage, toc.schema, segment, toc.generation))
                pin_segment_files(opened[-1], length_fields, columns)
            if not opened:
                reader: Any = EmptyReader(toc.schema)
            elif len(opened) == 1:
                reader = opened[0]
            else:
                reader = MultiReader(opened, generation=toc.generation)
            return Searcher(reader, fromindex=ix)
        except OSError:
            for r in opened:
                r.close()
            if attempt == retries - 1:
                raise
            STATS["open_retry"] += 1
            time.sleep(pause)
    raise AssertionError("unreachable")


def pin_segment_files(leaf: Any, length_fields: Iterable[str], columns: Iterable[str]) -> None:
    """Open the stored-fields, length and column files of a segment reader now.

    Whoosh opens them lazily on first use, and if a concurrent commit merged the segment away
    in between, the file is gone: `stored_fields` then fails with `TypeError: 'NoneType' object
    is not subscriptable` and field lengths silently become 0. Opened files stay readable after
    the writer deletes them (POSIX unlink). Raises FileNotFoundError if a file is already gone
    (the caller then reopens the searcher on the new generation): every document has every
    field of `columns`, so a segment with documents has all of their files.
    """
    perdoc = getattr(leaf, "_perdoc", None)
    segment = leaf.segment() if perdoc is not None else None
    if segment is None or not leaf.doc_count_all():  # no documents: nothing will be read
        return
    if not isinstance(perdoc, whoosh3.W3PerDocReader):
        STATS["pin_slow"] += 1
        return
    STATS["pin_fast"] += 1
    wanted = [("_stored", whoosh3.STORED_COLUMN)]
    lengths = getattr(segment, "_fieldlengths", {})
    # A length column exists for every scorable field that has text in the segment.
    wanted += [
        (whoosh3._lenfield(f), whoosh3.LENGTHS_COLUMN) for f in length_fields if lengths.get(f)
    ]
    for name, column in wanted:
        if perdoc._cached_reader(name, column) is None:  # has_column() said: file removed
            raise FileNotFoundError(f"segment {segment.segment_id()}: file for {name!r} is gone")
    for name in columns:
        if name not in perdoc._colfiles:
            perdoc._colfiles[name] = perdoc._get_column_file(name)


def column_reader(leaf: Any, name: str) -> Any:
    """The column reader of a segment reader, from the file `pin_segment_files` opened.

    `SegmentReader.column_reader` asks the storage whether the file exists first and silently
    returns an all-default column if a merge has deleted it meanwhile.
    """
    perdoc = getattr(leaf, "_perdoc", None)
    if isinstance(perdoc, whoosh3.W3PerDocReader) and name in perdoc._colfiles:
        STATS["column_fast"] += 1
        return perdoc.column_reader(name, leaf.schema[name].column_type)
    STATS["column_slow"] += 1
    return leaf.column_reader(name, translate=False)


# ------------------------------------------------------------------------------------------
# The raw files of a field writer (rebuilds: `bulk_postings`)
# ------------------------------------------------------------------------------------------


class RawTermTable(NamedTuple):
    """Where a `W3FieldWriter` writes a field's terms, and its postings writer's settings."""

    postfile: Any  # the segment's postings file (StructFile)
    tindex: Any  # the term table (OrderedHashWriter): pack_ushort(fieldid) + term → term info
    fieldid: int
    blocklimit: int  # postings per block
    compression: int  # zlib level of posting blocks (0: none)


def raw_term_table(fw: Any) -> RawTermTable | None:
    """The files and settings of field writer `fw` (after `start_field`), or None unless it is
    Whoosh-Reloaded 2.7.5's `W3FieldWriter` with a docnum postings writer that never inlines
    postings into the term info (the only layout `bulk_postings` writes itself)."""
    pw = getattr(fw, "_postwriter", None)
    if not isinstance(fw, whoosh3.W3FieldWriter) or not isinstance(pw, whoosh3.W3PostingsWriter):
        return None
    if pw._byteids or pw._inlinelimit > 1:
        return None
    return RawTermTable(fw._postfile, fw._tindex, fw._fieldid, pw._blocklimit, pw._compression)
