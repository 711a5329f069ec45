"""Properties of the verifier on arbitrary input: it always answers with a report, and a
signed credential altered anywhere never verifies."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DELETE, json_paths, set_path, unsigned_sample
from vcportable.clock import FixedClock
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair
from vcportable.models.report import VerificationReport
from vcportable.verifier import Verifier

CLOCK = FixedClock(datetime(2026, 1, 15, tzinfo=UTC))
VERIFIER = Verifier(clock=CLOCK)
SIGNED = Issuer(KeyPair.generate(), clock=CLOCK).issue(unsigned_sample())

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


PATHS = json_paths(SIGNED)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values, st.booleans())
def test_altered_credential_never_verifies(path: tuple[Any, ...], value: Any, delete: bool) -> None:
    document = copy.deepcopy(SIGNED)
    original = set_path(document, path, DELETE if delete else value)
    report = VERIFIER.verify(document)
    assert isinstance(report, VerificationReport)
    json.dumps(report.to_json_dict())  # always serialisable
    # JSON-LD reads "x" and ["x"] alike: such a change is not an alteration of the content.
    same_meaning = value == original or [value] == original or value == [original]
    if delete or not same_meaning:
        assert not report.verified, (path, value)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_get_a_report(data: bytes) -> None:
    report = VERIFIER.verify(data)
    assert not report.verified
    assert report.checks and report.checks[0].id


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_gets_a_report(value: Any) -> None:
    report = VERIFIER.verify(json.dumps(value))
    assert not report.verified
