"""HTML-safe snippets with <mark> around the words that matched a query.

Owns snippet selection and escaping. The text is analysed with the index's own chain, so a
match on a stem, a compound part or a synonym is marked in the surface text.

Must not: return unescaped user text (everything outside <mark>…</mark> goes through
html.escape), or touch the index.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from functools import lru_cache

from search_index.analysis import HYPHENS_RE, WORD_RE, analyze_word

MAX_ANALYSED_CHARS = 20_000


@lru_cache(maxsize=100_000)
def word_stems(word: str) -> frozenset[str]:
    """Every index term one surface word (possibly hyphenated) produces."""
    qw = analyze_word(word)
    if qw is None:
        return frozenset()
    stems = {qw.stem, *qw.parts}
    for piece in HYPHENS_RE.split(word):
        piece_word = analyze_word(piece) if piece else None
        if piece_word is not None:
            stems.add(piece_word.stem)
            stems.update(piece_word.parts)
    return frozenset(stems)


def match_spans(text: str, stems: Collection[str]) -> list[tuple[int, int]]:
    """Character spans of words in `text` that produce one of `stems` (or a compound part)."""
    if not text or not stems:
        return []
    stems = stems if isinstance(stems, (set, frozenset)) else set(stems)
    spans: list[tuple[int, int]] = []
    for m in WORD_RE.finditer(text, 0, MAX_ANALYSED_CHARS):
        if not stems.isdisjoint(word_stems(m.group(0))):
            spans.append((m.start(), m.end()))
    return spans


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def highlight_whole(text: str, stems: Collection[str], maxchars: int = 400) -> str | None:
    """The whole (short) text with marks, or None if nothing matched."""
    spans = match_spans(text, stems)
    if not spans:
        return None
    if len(text) <= maxchars:
        return _render(text, spans, 0, len(text))
    return highlight_fragment(text, stems, maxchars=maxchars, spans=spans)


def highlight_fragment(
    text: str,
    stems: Collection[str],
    maxchars: int = 240,
    spans: list[tuple[int, int]] | None = None,
) -> str | None:
    """The window of about `maxchars` characters with the most matches, or None."""
    if spans is None:
        spans = match_spans(text, stems)
    if not spans:
        return None
    best_i, best_n = 0, 0
    j = 0
    for i, (s, _e) in enumerate(spans):
        while j < len(spans) and spans[j][1] - s <= maxchars:
            j += 1
        if j - i > best_n:
            best_i, best_n = i, j - i
    first = spans[best_i][0]
    last = spans[best_i + best_n - 1][1]
    slack = max(0, maxchars - (last - first))
    start = max(0, first - slack // 3)
    end = min(len(text), last + slack - (first - start))
    # Do not cut words in half.
    if start > 0:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 20 else start
    if end < len(text):
        space = text.find(" ", end)
        end = space if space != -1 and space - end < 20 else end
    body = _render(text, spans, start, end).strip()
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + body + suffix
