"""Fast construction of a complete Whoosh segment for rebuilds.

Owns `BulkSegmentWriter`, a `SegmentWriter` that builds one new segment in memory and writes it
through the codec, producing exactly the segment the stock writer would produce, and
`BulkMpWriter`, whose worker processes build one segment each with it. The stock writer turns
every posting into a tuple in a sorting pool, sorts them all at commit and looks up each
posting's field length through a column reader. Here the text fields whose analyzer has a fast
equivalent (`analysis.fast_index_terms`, `fast_spelling_terms`) never make a token or posting
object: each distinct word's terms are computed once and cached as term numbers, a document's
tokens are appended to an array, and at commit `bulk_postings` sorts them into posting lists
and writes the codec's posting blocks with array operations. Other indexed fields (`doc_id`)
collect their postings per term and go through the codec's public interface.

Only for building a fresh index (no deletes, no merging with existing segments beyond what
`commit()` does for any writer). Incremental updates keep using the stock writer.

Must not: import Flask or SQLAlchemy. Relies on Whoosh-Reloaded 2.7.5's codec (pinned);
`tests/search_index/test_bulk.py` proves the result equals the stock writer's, file by file.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import emptybytes
from whoosh.writing import SegmentWriter

from search_index import compat
from search_index.analysis import WORD_RE, word_terms_of
from search_index.bulk_postings import TokenPostings, stored_lengths, write_field

FastAnalyzer = Callable[[str], list[str]]
_PIECE_CACHE_MAX = 500_000  # distinct pieces of text whose term numbers a writer keeps


class _Postings:
    """Docnums, weights and encoded values of one term of a field without a fast analyzer."""

    __slots__ = ("docs", "weights", "values")

    def __init__(self) -> None:
        self.docs: list[int] = []
        self.weights: list[float] = []
        self.values: list[bytes] = []


class _FastField:
    """How a fast field's text becomes term numbers without a Python object per token.

    The text is split at whitespace (`str.split`, several times faster than the tokenizer's
    regular expression); each distinct whitespace-separated piece ("Verwaltung," included)
    maps to the packed term numbers of its `WORD_RE` words' terms, computed once per piece
    and per word (fields with the same analysis share the caches). Tokenizer words never
    contain whitespace, so the pieces' words in order are exactly the text's words.
    """

    __slots__ = ("word_terms", "pieces", "words")

    def __init__(self, word_terms: Callable[[str], tuple[str, ...]]) -> None:
        self.word_terms = word_terms
        self.pieces: dict[str, bytes] = {}
        self.words: dict[str, bytes] = {}


class BulkSegmentWriter(SegmentWriter):  # type: ignore[misc]  # Whoosh ships no type information
    """A writer for rebuilds: `add_document()` many documents, then `commit()` once.

    `fast_analyzers` maps field names to functions returning the field's index terms exactly as
    the field's Whoosh analyzer would; those with a per-word equivalent
    (`analysis.word_terms_of`) on fields of the Frequency format take the fast path, other
    indexed fields go through `field.index()`.
    """

    def __init__(
        self, ix: Any, fast_analyzers: Mapping[str, FastAnalyzer] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(ix, **kwargs)
        self._fast: dict[str, _FastField] = {}
        shared: dict[Any, _FastField] = {}
        for name, fast in (fast_analyzers or {}).items():
            word_terms = word_terms_of(fast)
            if word_terms is not None and _plain_frequency(self.schema[name]):
                if word_terms not in shared:
                    shared[word_terms] = _FastField(word_terms)
                self._fast[name] = shared[word_terms]
        self._term_numbers: dict[str, int] = {}
        self._terms: list[str] = []
        self._tokens: dict[str, TokenPostings] = {}
        self._inverted: dict[str, dict[str, _Postings]] = {}
        self._lengths: dict[str, dict[int, int]] = {}

    def add_document(self, **fields: Any) -> None:
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
                if fieldname in self._fast:
                    length = self._add_tokens(fieldname, value, docnum)
                elif field.indexed:
                    length = self._index_field(fieldname, field, value, docnum)
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

    def _add_tokens(self, fieldname: str, value: Any, docnum: int) -> int:
        """Append the term numbers of a fast field's text; return the field length."""
        if not isinstance(value, str):
            raise ValueError(f"field {fieldname!r}: {value!r} is not a string")
        fast = self._fast[fieldname]
        pieces = value.split()
        known = fast.pieces
        try:
            data = b"".join(map(known.get, pieces))  # type: ignore[arg-type]
        except TypeError:  # pieces seen for the first time (None)
            missing = set(pieces).difference(known)
            if len(known) + len(missing) > _PIECE_CACHE_MAX:
                known.clear()
                fast.words.clear()
                missing = set(pieces)
            for piece in missing:
                known[piece] = self._piece_numbers(fast, piece)
            data = b"".join(map(known.__getitem__, pieces))
        tokens = self._tokens.get(fieldname)
        if tokens is None:
            tokens = self._tokens[fieldname] = TokenPostings()
        return tokens.add(docnum, data)

    def _piece_numbers(self, fast: _FastField, piece: str) -> bytes:
        """The term numbers of a whitespace-free piece of text, packed as uint32."""
        words = fast.words
        packed = b""
        for word in WORD_RE.findall(piece):
            numbers = words.get(word)
            if numbers is None:
                numbers = words[word] = array(
                    "I", map(self._term_number, fast.word_terms(word))
                ).tobytes()
            packed += numbers
        return packed

    def _term_number(self, term: str) -> int:
        n = self._term_numbers.get(term)
        if n is None:
            n = self._term_numbers[term] = len(self._terms)
            self._terms.append(term)
        return n

    def _index_field(self, fieldname: str, field: Any, value: Any, docnum: int) -> int:
        """Add a field's postings for `docnum` through `field.index()`; return its length."""
        if field.separate_spelling() or field.vector:
            raise ValueError(f"field {fieldname!r}: spelling/vector not supported")
        inverted = self._inverted.get(fieldname)
        if inverted is None:
            inverted = self._inverted[fieldname] = {}
        length = 0
        for btext, freq, weight, vbytes in field.index(value):
            term = btext.decode("utf-8")
            postings = inverted.get(term)
            if postings is None:
                postings = inverted[term] = _Postings()
            postings.docs.append(docnum)
            postings.weights.append(weight)
            postings.values.append(vbytes if vbytes is not None else emptybytes)
            length += freq
        if field.scorable and length:
            self._lengths.setdefault(fieldname, {})[docnum] = length
        return length if field.scorable else 0

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for fieldname in sorted(set(self._tokens) | set(self._inverted)):
            tokens = self._tokens.pop(fieldname, None)
            if tokens is not None:
                if tokens.docs:
                    docs = np.frombuffer(tokens.docs, dtype=np.uint32)
                    counts = np.frombuffer(tokens.counts, dtype=np.uint32)
                    fw.start_field(fieldname, self.schema[fieldname])
                    stored = stored_lengths(docs, counts, self.docnum)
                    write_field(fw, *tokens.postings(), self._terms, stored)
                    fw.finish_field()
            else:
                self._write_generic_field(fieldname)
        fw.close()

    def _write_generic_field(self, fieldname: str) -> None:
        """Write a field without a fast analyzer: Existence-format fields (`doc_id`) as arrays,
        others through the field writer's public API."""
        terms = self._inverted.pop(fieldname)
        if not terms:
            return
        lengths = self._lengths.pop(fieldname, {})
        stored = stored_lengths(
            np.fromiter(lengths, dtype=np.int64, count=len(lengths)),
            np.fromiter(lengths.values(), dtype=np.int64, count=len(lengths)),
            self.docnum,
        )
        fw = self.fieldwriter
        fieldobj = self.schema[fieldname]
        fw.start_field(fieldname, fieldobj)
        if _plain_existence(fieldobj):
            names = list(terms)
            docs = [np.asarray(terms[t].docs, dtype=np.int64) for t in names]
            numbers = np.repeat(np.arange(len(names), dtype=np.int64), [len(d) for d in docs])
            keys = (numbers << 32) | np.concatenate(docs)
            write_field(fw, keys, np.ones(len(keys), np.int64), names, stored, False)
        else:
            for btext, term in sorted((t.encode("utf-8"), t) for t in terms):
                postings = terms[term]
                compat.STATS["write_generic"] += 1
                fw.start_term(btext)
                for docnum, weight, vbytes in zip(
                    postings.docs, postings.weights, postings.values, strict=True
                ):
                    fw.add(docnum, weight, vbytes, int(stored[docnum]))
                fw.finish_term()
        fw.finish_field()


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
        fieldnames = set(writer._tokens) | set(writer._inverted)
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


def _plain_existence(field: Any) -> bool:
    """True if the field stores only which documents have a term (weight 1, no boost)."""
    fmt = field.format
    return type(fmt).__name__ == "Existence" and fmt.field_boost == 1.0


def _plain_frequency(field: Any) -> bool:
    """True if the field stores term frequencies with weight = frequency (no field boost)."""
    fmt = field.format
    return type(fmt).__name__ == "Frequency" and fmt.field_boost == 1.0
