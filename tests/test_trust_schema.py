"""schemas/trust-list.schema.json is generated from the model and agrees with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from fixtures.trust_region import region
from vcportable.errors import TrustListError
from vcportable.trust.model import parse_trust_list, trust_list_json_schema

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "trust-list.schema.json"


def test_published_schema_is_current() -> None:
    assert json.loads(SCHEMA.read_text(encoding="utf-8")) == trust_list_json_schema(), (
        "regenerate: python -m vcportable.trust.model > schemas/trust-list.schema.json"
    )


def test_schema_is_valid_and_accepts_the_region() -> None:
    Draft202012Validator.check_schema(trust_list_json_schema())
    validator = Draft202012Validator(trust_list_json_schema())
    assert not list(validator.iter_errors(parse_trust_list(region()).to_json_dict()))


@pytest.mark.parametrize(
    "change",
    [
        {"sequence": -1},
        {"governance": {"threshold": 0, "keys": []}},
        {"municipalities": [{"id": "Bad Id", "name": {"en": "x"}, "country": "ES"}]},
        {"extra": True},
        {"name": {}},
    ],
    ids=["sequence", "governance", "municipality id", "unknown member", "empty name"],
)
def test_schema_and_model_refuse_the_same_shapes(change: dict[str, object]) -> None:
    data = region(**change)
    assert list(Draft202012Validator(trust_list_json_schema()).iter_errors(data))
    with pytest.raises(TrustListError):
        parse_trust_list(data)
