"""The document id format: built and parsed in one place (search_index.documents)."""

from __future__ import annotations

import pytest

from search_index.documents import parse_doc_id, report_doc_id, solution_doc_id


def test_ids_round_trip():
    assert solution_doc_id(42) == "solution:42"
    assert report_doc_id(7) == "report:7"
    assert parse_doc_id(solution_doc_id(42)) == ("solution", 42)
    assert parse_doc_id(report_doc_id(7)) == ("report", 7)


@pytest.mark.parametrize("bad", ["", "solution", "solution:", "need:3", "report:x", "report:-1"])
def test_anything_else_is_refused(bad):
    with pytest.raises(ValueError, match="not a document id"):
        parse_doc_id(bad)
