"""The curator-editable thesaurus (synonym groups for administrative German).

Stored as text in ``search_setting``; the search layer applies it at query time, so an edit
takes effect at once, without re-indexing, in every process (each checks the setting's
timestamp before it searches).
"""

from __future__ import annotations

from catalogue.clock import utcnow
from catalogue.db import db, unit_of_work
from catalogue.errors import ValidationFailed
from catalogue.models import SearchSetting
from catalogue.permissions import Actor, is_curator, require, signed_in_id
from catalogue.services.audit import record_event
from search_index.thesaurus import Thesaurus, group_entries

KEY = "thesaurus"
MAX_CHARS = 200_000


def thesaurus_text() -> str:
    row = db.session.get(SearchSetting, KEY)
    return row.value if row is not None and row.value.strip() else Thesaurus.default_text()


def is_customised() -> bool:
    row = db.session.get(SearchSetting, KEY)
    return row is not None and bool(row.value.strip())


DECLINED = "# nicht übernommen:"


def _declined_entries(text: str) -> set[str]:
    """Entries of the comment lines that record a shipped group the curators turned down."""
    return {
        e.casefold()
        for line in text.splitlines()
        if line.strip().casefold().startswith(DECLINED)
        for e in group_entries(line.strip()[len(DECLINED) :])
    }


def missing_shipped_groups() -> list[str]:
    """Groups of the shipped thesaurus with entries the curators' version lacks: new since their
    last edit (an update brought the group, or new words of a group they have), or removed by
    them, unless they turned them down (a "# nicht übernommen: …" line names the entries). Empty
    while the shipped one applies. Adopting appends the whole group: an entry in two lines stands
    for the members of both, so a group of theirs that lacks words is extended by it."""
    return [group for group, _new in missing_shipped_entries()]


def missing_shipped_entries() -> list[tuple[str, list[str]]]:
    """The groups of `missing_shipped_groups`, each with the entries the curators' version
    lacks (empty: the whole group is missing)."""
    if not is_customised():
        return []
    text = thesaurus_text()
    have = {e.casefold() for line in text.splitlines() for e in group_entries(line)}
    have |= _declined_entries(text)
    out = []
    for group in Thesaurus.default().groups:
        lacking = [e for e in group if e.casefold() not in have]
        if lacking:
            out.append((", ".join(group), [] if len(lacking) == len(group) else lacking))
    return out


def _chosen(groups: list[str] | None) -> list[str]:
    """The missing groups among `groups` (all of them for None); anything else is ignored."""
    missing = missing_shipped_groups()
    if groups is None:
        return missing
    wanted = set(groups)
    return [g for g in missing if g in wanted]


def adopt_shipped_groups(*, actor: Actor, groups: list[str] | None = None) -> int:
    """Append the shipped groups the curators' version lacks (see `missing_shipped_groups`),
    all or the chosen ones."""
    require(is_curator(actor), "Den Thesaurus pflegt das DigitalBüro.")
    chosen = _chosen(groups)
    if chosen:
        header = f"# --- aus dem mitgelieferten Thesaurus übernommen am {utcnow():%d.%m.%Y}"
        _append(actor, [header, *chosen], f"Mitgelieferte Gruppen übernommen: {len(chosen)}")
    return len(chosen)


def decline_shipped_groups(*, actor: Actor, groups: list[str]) -> int:
    """Record the chosen missing groups as turned down: a comment line each, so they are not
    offered again (deleting the line offers the group again)."""
    require(is_curator(actor), "Den Thesaurus pflegt das DigitalBüro.")
    chosen = _chosen(groups)
    if chosen:
        header = f"# --- mitgelieferte Gruppen, am {utcnow():%d.%m.%Y} bewusst nicht übernommen"
        lines = [header, *(f"{DECLINED} {group}" for group in chosen)]
        _append(actor, lines, f"Mitgelieferte Gruppen nicht übernommen: {len(chosen)}")
    return len(chosen)


def _append(actor: Actor, lines: list[str], comment: str) -> None:
    text = thesaurus_text().rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"
    _store(actor, text, "updated", comment)


def validate(text: str) -> dict[str, str]:
    if len(text) > MAX_CHARS:
        return {"text": "Der Thesaurus ist zu lang (höchstens 200.000 Zeichen)."}
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        if len(group_entries(content)) < 2:
            problems.append(
                f"Zeile {number}: Eine Gruppe braucht mindestens zwei verschiedene Begriffe, durch Kommas getrennt."
            )
    if problems:
        more = f" (und {len(problems) - 5} weitere)" if len(problems) > 5 else ""
        return {"text": " ".join(problems[:5]) + more}
    return {}


def update_thesaurus(*, actor: Actor, text: str) -> Thesaurus:
    require(is_curator(actor), "Den Thesaurus pflegt das DigitalBüro.")
    text = text.replace("\r\n", "\n").strip() + "\n"
    errors = validate(text)
    if errors:
        raise ValidationFailed(errors)
    thesaurus = Thesaurus.from_text(text)
    _store(actor, text, "updated", f"{len(thesaurus)} Synonymgruppen")
    return thesaurus


def reset_thesaurus(*, actor: Actor) -> None:
    require(is_curator(actor), "Den Thesaurus pflegt das DigitalBüro.")
    _store(actor, "", "reset", "Auf den mitgelieferten Thesaurus zurückgesetzt")


def _store(actor: Actor, text: str, event: str, comment: str) -> None:
    """Save the curators' text ("" = use the shipped thesaurus) and record who changed it."""
    with unit_of_work() as s:
        row = s.get(SearchSetting, KEY)
        if row is None:
            row = SearchSetting(key=KEY)
            s.add(row)
        row.value = text
        row.updated_at = utcnow()
        row.updated_by_id = signed_in_id(actor)
        record_event(
            s,
            actor=actor,
            entity_type="thesaurus",
            entity_id=0,
            from_state=None,
            to_state=event,
            comment=comment,
        )
