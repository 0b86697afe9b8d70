"""Schemathesis against the served OpenAPI document: every operation, valid and invalid
generated requests, the standard response checks (no server error; status codes, content types,
headers and bodies as documented — e.g. RFC 3339 timestamps), a bounded number of examples so
it fits CI. Runs on SQLite and, with CATALOGUE_TEST_DATABASE_URL, on PostgreSQL.

Left out are the two checks that judge *whether* input is accepted: ``positive_data_acceptance``
cannot know that a schema-valid AGS must also exist (unknown ones are a documented 400), and
``negative_data_rejection`` would forbid what the API does on purpose, like the HTML search:
an empty parameter counts as absent and unknown filter values are ignored."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

# Generated requests per operation and mode (valid / invalid input).
MAX_EXAMPLES = 40

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests in every run: a CI failure reproduces locally
    database=None,
    suppress_health_check=list(HealthCheck),
)


EXCLUDED_CHECKS = [positive_data_acceptance, negative_data_rejection]


def test_api_conforms_to_its_openapi_document(app, demo):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:
        documented = api.raw_schema["paths"][operation.path][operation.method.lower()]
        modes = [GenerationMode.POSITIVE]
        if documented.get("parameters"):  # without parameters no request can be invalid
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)

            run()
