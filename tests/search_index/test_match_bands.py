"""Band calibration: the sibling-aware lead of the best result."""

from __future__ import annotations

from types import SimpleNamespace

from search_index.match_explain import SIBLING_SHARE, assign_leads


class _Ctx:
    """Stored titles that share no words (no near-duplicates)."""

    def stored(self, d: int) -> dict[str, str]:
        return {"title": f"Vorhaben{d} Thema{d}", "summary": ""}


def _cand(d: int, evidence: float, kin: float) -> SimpleNamespace:
    return SimpleNamespace(docnum=d, evidence=evidence, kin=kin, margin=0.0)


def test_the_lead_is_taken_over_the_best_result_that_is_no_sibling():
    best = _cand(1, 0.50, 1.0)  # the feedback source carries all of its own words
    sibling = _cand(2, 0.46, SIBLING_SHARE + 0.1)
    other = _cand(3, 0.30, 0.05)
    assign_leads(_Ctx(), [best, sibling, other])  # type: ignore[arg-type]
    assert round(best.margin, 3) == 0.2
    assert round(sibling.margin, 3) == -0.04  # the sibling itself gains nothing


def test_an_unrelated_runner_up_keeps_the_lead_small():
    best = _cand(1, 0.50, 1.0)
    runner_up = _cand(2, 0.46, SIBLING_SHARE - 0.1)
    other = _cand(3, 0.30, 0.05)
    assign_leads(_Ctx(), [best, runner_up, other])  # type: ignore[arg-type]
    assert round(best.margin, 3) == 0.04
