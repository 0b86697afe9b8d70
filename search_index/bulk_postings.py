"""The posting lists of a rebuild, assembled with numpy and written as Whoosh 3 posting blocks.

Owns `TokenPostings` (the term numbers of every token of one text field, document by document,
compacted now and then into sorted (term, document) keys with frequencies) and `write_field`,
which writes one field's terms into a new segment exactly as Whoosh-Reloaded 2.7.5's
`W3FieldWriter` would through `start_term`/`add`/`finish_term`: the same posting blocks, block
infos, term infos and term-table rows, byte for byte (tests/search_index/test_bulk.py compares
the files). Everything that can be computed for all postings of a field at once (order, deltas,
block statistics, term infos) is an array operation; per block only the pickling and zlib
compression the format prescribes remain in Python.

Must not: import Flask or SQLAlchemy, or read private attributes of Whoosh objects (the raw
files of a field writer come from `search_index.compat.raw_term_table`).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from pickle import dumps
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.system import emptybytes, pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from search_index import compat

# A W3 term info (`W3TermInfo.to_bytes` of a term whose postings are not inlined):
# struct "!BfIBBfII" (flags, total weight, doc freq, min/max length byte, max weight, first
# and last docnum) followed by pack_long(offset) and pack_int(length) of its postings.
_TERMINFO = np.dtype(
    [
        ("flags", "u1"),
        ("weight", ">f4"),
        ("df", ">u4"),
        ("minlength", "u1"),
        ("maxlength", "u1"),
        ("maxweight", ">f4"),
        ("minid", ">u4"),
        ("maxid", ">u4"),
        ("offset", ">i8"),
        ("length", ">i4"),
    ]
)
_NO_LENGTH = np.iinfo(np.int64).max
_LIST_WINDOW = 1 << 18  # postings turned into Python lists at a time (a block is ≤ 128)
_DOC_BITS = 32
_DOC_MASK = (1 << _DOC_BITS) - 1


class TokenPostings:
    """Term numbers of one field's tokens, document by document, as compact arrays.

    Every `COMPACT_TOKENS` tokens the buffer becomes a chunk of sorted unique keys
    (term << 32 | docnum) with frequencies, so memory follows the postings, not the tokens.
    """

    COMPACT_TOKENS = 1 << 21
    __slots__ = ("_ids", "_pending", "docs", "counts", "_chunks")

    def __init__(self) -> None:
        self._ids = array("I")
        self._pending = 0  # documents whose tokens are in `_ids`
        self.docs = array("I")  # documents with at least one token, ascending
        self.counts = array("I")  # their token counts (= field length)
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, docnum: int, term_numbers: bytes) -> int:
        """Append document `docnum`'s tokens (docnums ascending; term numbers packed as native
        uint32, `array("I")`); return how many there were."""
        ids = self._ids
        ids.frombytes(term_numbers)
        n = len(term_numbers) // ids.itemsize
        if n:
            self.docs.append(docnum)
            self.counts.append(n)
            self._pending += 1
            if len(ids) >= self.COMPACT_TOKENS:
                self._compact()
        return n

    def _compact(self) -> None:
        if not self._ids:
            return
        k = self._pending
        ids = np.frombuffer(self._ids, dtype=np.uint32).astype(np.int64)
        docs = np.frombuffer(self.docs, dtype=np.uint32)[-k:].astype(np.int64)
        per_token = np.repeat(docs, np.frombuffer(self.counts, dtype=np.uint32)[-k:])
        keys, freqs = np.unique((ids << _DOC_BITS) | per_token, return_counts=True)
        self._chunks.append((keys, freqs.astype(np.int32)))
        self._ids = array("I")
        self._pending = 0

    def postings(self) -> tuple[np.ndarray, np.ndarray]:
        """(keys term << 32 | docnum, frequencies) of every posting, in chunks of ascending
        keys (`write_field` sorts them by term text); clears the buffers."""
        self._compact()
        chunks, self._chunks = self._chunks, []
        if not chunks:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        if len(chunks) == 1:
            return chunks[0]
        return np.concatenate([k for k, _ in chunks]), np.concatenate([f for _, f in chunks])


def stored_lengths(docs: np.ndarray, counts: np.ndarray, doccount: int) -> np.ndarray:
    """Per docnum the field length as the length column stores it (one byte), 0 if none."""
    lengths = np.zeros(doccount, dtype=np.int64)
    lengths[docs.astype(np.int64)] = _byte_round_trip(counts.astype(np.int64))
    return lengths


def _byte_round_trip(lengths: np.ndarray) -> np.ndarray:
    values, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([byte_to_length(length_to_byte(int(v))) if v else 0 for v in values])
    return table[inverse].astype(np.int64) if len(values) else lengths


def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """`length_to_byte` of each length (`_NO_LENGTH`: no length, byte 0)."""
    values, inverse = np.unique(lengths, return_inverse=True)
    table = np.array([0 if v == _NO_LENGTH else length_to_byte(int(v)) for v in values])
    return table[inverse].astype(np.int64)


def write_field(
    fw: Any,
    keys: np.ndarray,
    freqs: np.ndarray,
    terms: Sequence[str],
    lengths: np.ndarray,
    frequency_values: bool = True,
) -> None:
    """Write the postings (`keys`: term number << 32 | docnum; `freqs`) of the field `fw` has
    started (`start_field`) to the segment, terms in the order Whoosh requires (UTF-8 bytes).

    `terms[n]` is the text of term number n; `lengths[docnum]` the stored field length of the
    document (0: none). Weights are the frequencies: the Frequency format without field boost
    (`frequency_values`: each posting's value is pack_uint(freq)) or, with all frequencies 1
    and `frequency_values=False`, the Existence format (no values).
    """
    if not len(keys):
        return
    term_numbers = keys >> _DOC_BITS
    present = np.flatnonzero(np.bincount(term_numbers))
    btexts = [terms[i].encode("utf-8") for i in present.tolist()]
    order = sorted(range(len(btexts)), key=btexts.__getitem__)
    rank = np.zeros(int(present[-1]) + 1, dtype=np.int64)
    rank[present[order]] = np.arange(len(order))
    ranked = (rank[term_numbers] << _DOC_BITS) | (keys & _DOC_MASK)
    del term_numbers, keys
    by_term = np.argsort(ranked)
    ranked = ranked[by_term]
    freqs = freqs[by_term]
    del by_term
    docs = ranked & _DOC_MASK
    ranked >>= _DOC_BITS  # the term's rank
    starts = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
    del ranked
    btexts = [btexts[i] for i in order]
    table = compat.raw_term_table(fw)
    if table is None:
        compat.STATS["write_slow"] += len(btexts)
        _write_public(fw, btexts, starts, docs, freqs, lengths, frequency_values)
        return
    compat.STATS["write_fast"] += len(btexts)
    _write_raw(table, btexts, starts, docs, freqs, lengths, frequency_values)


def _write_public(
    fw: Any,
    btexts: list[bytes],
    starts: np.ndarray,
    docs: np.ndarray,
    freqs: np.ndarray,
    lengths: np.ndarray,
    frequency_values: bool,
) -> None:
    """One `add()` per posting through the field writer's public interface."""
    ends = np.append(starts[1:], len(docs)).tolist()
    doc_list, freq_list = docs.tolist(), freqs.tolist()
    length_list = lengths[docs].tolist()
    for btext, start, end in zip(btexts, starts.tolist(), ends, strict=True):
        fw.start_term(btext)
        for i in range(start, end):
            freq = freq_list[i]
            value = pack_uint(freq) if frequency_values else emptybytes
            fw.add(doc_list[i], float(freq), value, length_list[i])
        fw.finish_term()


def _write_raw(  # noqa: PLR0913, PLR0915 - one pass over a field's arrays
    table: compat.RawTermTable,
    btexts: list[bytes],
    starts: np.ndarray,
    docs: np.ndarray,
    freqs: np.ndarray,
    lengths: np.ndarray,
    frequency_values: bool,
) -> None:
    """Write the posting blocks and term-table rows `W3FieldWriter` would write."""
    n_terms, n_postings = len(starts), len(docs)
    ends = np.append(starts[1:], n_postings)
    df = ends - starts
    limit = table.blocklimit
    n_blocks = (df + limit - 1) // limit
    first_block = np.cumsum(n_blocks) - n_blocks
    block_term = np.repeat(np.arange(n_terms), n_blocks)
    block_start = starts[block_term] + limit * (
        np.arange(len(block_term)) - first_block[block_term]
    )
    block_end = np.minimum(block_start + limit, ends[block_term])
    # Each block's ids are delta-encoded from 0, so its first delta is the docnum itself.
    deltas = docs.copy()
    deltas[1:] -= docs[:-1]
    deltas[block_start] = docs[block_start]
    post_lengths = lengths[docs]
    min_lengths = np.where(post_lengths > 0, post_lengths, _NO_LENGTH)
    block_max = np.maximum.reduceat(freqs, block_start).tolist()
    block_min = np.minimum.reduceat(freqs, block_start).tolist()
    block_minlen = _length_bytes(np.minimum.reduceat(min_lengths, block_start)).tolist()
    block_maxlen = _length_bytes(np.maximum.reduceat(post_lengths, block_start)).tolist()
    block_last = docs[block_end - 1].tolist()
    bounds = list(zip(block_start.tolist(), block_end.tolist(), strict=True))
    # Python lists of the postings one window at a time (a list costs ~8x the array).
    window_start = window_end = 0
    delta_list: list[int] = []
    freq_list: list[int] = []
    # Frequency: pack_uint(freq) per posting, joined; Existence: no values (None)
    values = freqs.astype(">u4").tobytes() if frequency_values else None
    comp = table.compression
    compress = zlib.compress
    postfile = table.postfile
    offsets = np.zeros(n_terms, dtype=np.int64)
    sizes = np.zeros(n_terms, dtype=np.int64)
    pos = postfile.tell()
    out: list[bytes] = []
    block = 0
    for term, count in enumerate(n_blocks.tolist()):
        offsets[term] = pos
        out.append(WHOOSH3_HEADER_MAGIC)
        size_of_term = len(WHOOSH3_HEADER_MAGIC)
        for remaining in range(count - 1, -1, -1):
            start, end = bounds[block]
            if end > window_end:
                window_start, window_end = start, min(n_postings, start + _LIST_WINDOW)
                delta_list = deltas[window_start:window_end].tolist()
                freq_list = freqs[window_start:window_end].tolist()
            first, last = start - window_start, end - window_start
            high = block_max[block]
            if high == 1:
                weights: Any = None
            elif block_min[block] == high:
                weights = float(high)
            else:
                weights = tuple(map(float, freq_list[first:last]))
            block_values = values[4 * start : 4 * end] if values is not None else None
            data = dumps((tuple(delta_list[first:last]), weights, block_values), 2)
            if comp:
                data = compress(data, comp)
            info = dumps(
                (
                    end - start,
                    block_last[block],
                    float(high),
                    comp,
                    block_minlen[block],
                    block_maxlen[block],
                ),
                2,
            )
            size = len(info) + len(data)
            # the length of a term's last block is stored negated
            out += (pack_int(size if remaining else -size), info, data)
            size_of_term += 4 + size
            block += 1
        sizes[term] = size_of_term
        pos += size_of_term
        if len(out) > 30_000:
            postfile.write(b"".join(out))
            out.clear()
    postfile.write(b"".join(out))
    info_rows = np.zeros(n_terms, dtype=_TERMINFO)
    info_rows["weight"] = np.add.reduceat(freqs, starts)
    info_rows["df"] = df
    info_rows["minlength"] = _length_bytes(np.minimum.reduceat(min_lengths, starts))
    info_rows["maxlength"] = _length_bytes(np.maximum.reduceat(post_lengths, starts))
    info_rows["maxweight"] = np.maximum.reduceat(freqs, starts)
    info_rows["minid"] = docs[starts]
    info_rows["maxid"] = docs[ends - 1]
    info_rows["offset"] = offsets
    info_rows["length"] = sizes
    raw = info_rows.tobytes()
    width = _TERMINFO.itemsize
    prefix = pack_ushort(table.fieldid)
    add = table.tindex.add
    for term, btext in enumerate(btexts):
        add(prefix + btext, raw[term * width : (term + 1) * width])
