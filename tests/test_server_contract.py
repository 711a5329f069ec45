"""Contract: schemathesis generates requests from /openapi.json (valid and broken ones) and
checks that no answer is a 500, and that every status code, content type and body is the one
the document promises. Issuing is exercised with a real token of a real issuer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from test_server import server_config
from vcportable.server import create_app
from vcportable.server.tokens import create_token

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import checks  # noqa: E402

FOLDER = Path(__import__("tempfile").mkdtemp(prefix="vcportable-contract-"))
APP = create_app(server_config(FOLDER))
TOKEN = create_token(
    APP.state.context.services["acme"].store, "acme", ("issue", "status"), now=datetime.now(UTC)
)[1]
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

#: Answers are checked against the document; "a schema-valid request must be accepted" is not
#: a rule here: a credential can fit the schema and still fail verification (400, by design).
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_its_contract(case: Any) -> None:
    if "issuer" in (case.path_parameters or {}):
        case.path_parameters = {**case.path_parameters, "issuer": "acme"}
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
