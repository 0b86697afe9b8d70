"""Fast construction of a complete Whoosh segment for rebuilds.

Owns `BulkSegmentWriter`, a `SegmentWriter` that builds one new segment in memory and writes it
through the codec's public field-writer interface (`start_field`/`start_term`/`add`/
`finish_term`), producing exactly the segment the stock writer would produce. The stock writer
turns every posting into a tuple in a sorting pool (with run files on disk above `limitmb`),
sorts them all at commit and then looks up each posting's field length through a column reader;
at ~360 postings per catalogue document that was ~70 % of the rebuild time. Here postings are
collected per field and term in arrays while documents are added (docnums arrive in order, so
nothing needs sorting but the term list), lengths are kept in memory, and text fields whose
analyzer has a fast equivalent (`analysis.fast_index_terms`) skip the token-object pipeline.

Only for building a fresh index (no deletes, no merging with existing segments beyond what
`commit()` does for any writer). Incremental updates keep using the stock writer.

Must not: import Flask or SQLAlchemy. Relies on Whoosh-Reloaded 2.7.5's codec interface
(pinned); `tests/search_index/test_bulk.py` proves the result equals the stock writer's.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import emptybytes, pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search_index import compat

FastAnalyzer = Callable[[str], Iterable[str]]


class _Postings:
    """Docnums, weights and (unless all are plain frequencies) encoded values of one term."""

    __slots__ = ("docs", "weights", "values")

    def __init__(self, plain: bool) -> None:
        self.docs = array("I")
        self.weights = array("f")
        # None: every posting's value is pack_uint(weight) (Frequency format, no boosts).
        self.values: list[bytes] | None = None if plain else []


class BulkSegmentWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh ships no type information
    """A writer for rebuilds: `add_document()` many documents, then `commit()` once.

    `fast_analyzers` maps field names to functions returning the field's index terms (with
    repeats, in any order) exactly as the field's Whoosh analyzer would; other indexed fields go
    through `field.index()`.
    """

    def __init__(
        self, ix: Any, fast_analyzers: Mapping[str, FastAnalyzer] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(ix, **kwargs)
        self._fast = dict(fast_analyzers or {})
        self._inverted: dict[str, dict[str, _Postings]] = {}
        self._lengths: dict[str, dict[int, int]] = {}
        self._freq_values: dict[int, bytes] = {}

    def add_document(self, **fields: Any) -> None:  # noqa: C901 - mirrors SegmentWriter
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        if any(name.startswith("_") for name in fields):
            raise ValueError("BulkSegmentWriter does not support boosts or custom stored values")

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    if field.separate_spelling() or field.vector:
                        raise ValueError(f"field {fieldname!r}: spelling/vector not supported")
                    length = self._index_field(fieldname, field, value, docnum)
                    if not field.scorable:
                        length = 0
                    elif length:
                        lengths = self._lengths.get(fieldname)
                        if lengths is None:
                            lengths = self._lengths[fieldname] = {}
                        lengths[docnum] = length
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_field(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """Add the field's postings for `docnum`; return the field length (sum of freqs)."""
        inverted = self._inverted.get(fieldname)
        if inverted is None:
            inverted = self._inverted[fieldname] = {}
        fast = self._fast.get(fieldname)
        if fast is not None and isinstance(value, str) and _plain_frequency(field):
            counts = Counter(fast(value))
            for term, freq in counts.items():
                postings = inverted.get(term)
                if postings is None:
                    postings = inverted[term] = _Postings(plain=True)
                postings.docs.append(docnum)
                postings.weights.append(freq)
            return sum(counts.values())
        length = 0
        for btext, freq, weight, vbytes in field.index(value):
            term = btext.decode("utf-8")
            postings = inverted.get(term)
            if postings is None:
                postings = inverted[term] = _Postings(plain=False)
            values = postings.values
            if values is None:
                values = postings.values = [pack_uint(int(w)) for w in postings.weights]
            postings.docs.append(docnum)
            postings.weights.append(weight)
            values.append(vbytes if vbytes is not None else emptybytes)
            length += freq
        return length

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        schema = self.schema
        for fieldname in sorted(self._inverted):
            terms = self._inverted[fieldname]
            if not terms:
                continue
            fieldobj = schema[fieldname]
            stored_length: dict[int, int] = {}
            for docnum, length in self._lengths.get(fieldname, {}).items():
                lb = length_to_byte(length)
                stored_length[docnum] = byte_to_length(lb) if lb else 0
            fw.start_field(fieldname, fieldobj)
            for btext, term in sorted((t.encode("utf-8"), t) for t in terms):
                postings = terms.pop(term)
                fw.start_term(btext)
                _write_postings(fw, postings, stored_length)
                fw.finish_term()
            fw.finish_field()
        fw.close()
        self._inverted.clear()
        self._lengths.clear()


def _write_postings(fw: Any, postings: _Postings, lengths: dict[int, int]) -> None:
    """Write one term's postings, a whole block at a time where the codec allows it.

    Fills the block buffer of Whoosh-Reloaded 2.7.5's `W3PostingsWriter` exactly as its
    `add_posting()` would (`search_index.compat.write_block`), one block per call instead of one
    posting; any other postings writer gets the postings one by one through the public `add()`.
    """
    docs, weights = postings.docs, postings.weights
    values = postings.values
    if values is None:
        values = [pack_uint(int(w)) for w in weights]
    pw = compat.postings_writer(fw)
    if pw is None:
        compat.STATS["write_slow"] += 1
        for docnum, weight, vbytes in zip(docs, weights, values, strict=True):
            fw.add(docnum, weight, vbytes, lengths.get(docnum, 0))
        return
    compat.STATS["write_fast"] += 1
    limit = compat.block_limit(pw)
    for start in range(0, len(docs), limit):
        block_docs = docs[start : start + limit]
        compat.write_block(
            pw,
            block_docs,
            weights[start : start + limit],
            [v for v in values[start : start + limit] if v],
            [n for n in map(lengths.get, block_docs) if n],
        )


class _BulkSubWriterTask(SubWriterTask):  # type: ignore[misc]  # Whoosh ships no type information
    """An `MpWriter` worker process that builds its segment with `BulkSegmentWriter`."""

    def __init__(self, *args: Any, fast_analyzers: Mapping[str, FastAnalyzer]) -> None:
        super().__init__(*args)
        self.fast_analyzers = fast_analyzers

    def run(self) -> None:
        # SubWriterTask.run with the bulk writer; always one finished segment per process.
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = BulkSegmentWriter(
            ix, fast_analyzers=self.fast_analyzers, _lk=False, **self.kwargs
        )
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        fieldnames = set(writer._inverted)
        segment = writer._finalize_segment()
        self.resultqueue.put((None, fieldnames, segment), timeout=5)


class BulkMpWriter(MpWriter):  # type: ignore[misc]  # Whoosh ships no type information
    """`MpWriter(multisegment=True)` whose worker processes use `BulkSegmentWriter`.

    The parent process only pickles documents into job files; each of `procs` workers builds
    one segment; `commit()` writes a TOC listing them (one segment per worker).
    """

    def __init__(
        self, ix: Any, procs: int, fast_analyzers: Mapping[str, FastAnalyzer], **kwargs: Any
    ) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._fast_analyzers = dict(fast_analyzers)

    def _new_task(self) -> SubWriterTask:
        task = _BulkSubWriterTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            True,
            fast_analyzers=self._fast_analyzers,
        )
        self.tasks.append(task)
        task.start()
        return task


def _plain_frequency(field: Any) -> bool:
    """True if the field stores term frequencies with weight = frequency (no field boost)."""
    fmt = field.format
    return type(fmt).__name__ == "Frequency" and fmt.field_boost == 1.0
