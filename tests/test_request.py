"""The employer's presentation request: fresh, bounded, readable from JSON, from its VR:
envelope text and from a photo of its QR code; anything else refused by name."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from test_envelope import NOW, issuer, sample
from vcportable.envelope import Kind, decode_envelope, encode, render
from vcportable.errors import EnvelopeError, InputError
from vcportable.request import (
    DEFAULT_TTL,
    MAX_REQUEST_BYTES,
    PresentationRequest,
    create_request,
    parse_request,
    read_request,
)

DOMAIN = "https://employer.example"


def test_a_new_request_has_a_fresh_128_bit_challenge_and_an_expiry() -> None:
    first = create_request(now=NOW, domain=DOMAIN, types=["OpenBadgeCredential"])
    second = create_request(now=NOW, domain=DOMAIN)
    assert re.fullmatch(r"[0-9a-f]{32}", first.challenge)
    assert first.challenge != second.challenge
    assert first.expires == NOW + DEFAULT_TTL
    assert first.to_json() == {
        "query": [
            {
                "type": "QueryByExample",
                "credentialQuery": [{"example": {"type": ["OpenBadgeCredential"]}}],
            }
        ],
        "challenge": first.challenge,
        "domain": DOMAIN,
        "expires": "2026-01-15T12:10:00Z",
    }


def test_json_round_trip() -> None:
    made = create_request(now=NOW, domain=DOMAIN, types=["A", "B", "A"])
    assert made.types == ("A", "B")
    assert read_request(json.dumps(made.to_json()).encode()) == made


def test_envelope_and_photo_round_trip() -> None:
    made = create_request(now=NOW, domain=DOMAIN, types=["OpenBadgeCredential"])
    text = made.to_envelope()
    assert text.startswith("VR:") and decode_envelope(text).kind is Kind.REQUEST
    assert read_request(text.encode()) == made
    assert read_request(render(text, "png")) == made


def test_expiry() -> None:
    made = create_request(now=NOW, ttl=timedelta(seconds=30))
    made.check_current(NOW + timedelta(seconds=30))
    with pytest.raises(InputError, match="expired at 2026-01-15T12:00:30Z"):
        made.check_current(NOW + timedelta(seconds=31))


def test_missing_types() -> None:
    made = PresentationRequest("c" * 32, types=("OpenBadgeCredential", "DriverLicence"))
    assert made.missing_types(["VerifiableCredential", "OpenBadgeCredential"]) == ["DriverLicence"]
    assert PresentationRequest("c" * 32).missing_types([]) == []


def test_members_of_other_verifiers_are_ignored() -> None:
    document = {"challenge": "abc123", "interact": {"service": []}, "domain": DOMAIN}
    assert parse_request(document) == PresentationRequest("abc123", DOMAIN)


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ([], "is a JSON object"),
        ({}, "has no challenge"),
        ({"challenge": 42}, "has no challenge"),
        ({"challenge": ""}, "1 to 256 characters"),
        ({"challenge": "x" * 257}, "1 to 256 characters"),
        ({"challenge": "abc\u202edef"}, "control characters"),
        ({"challenge": " abc"}, "edge spaces"),
        ({"challenge": "abc", "domain": ["a"]}, "domain is not a string"),
        ({"challenge": "abc", "domain": "a\nb"}, "control characters"),
        ({"challenge": "abc", "expires": "tomorrow"}, "not a date-time"),
        ({"challenge": "abc", "query": [{"type": "DIDAuthentication"}]}, "only QueryByExample"),
        (
            {"challenge": "abc", "query": {"type": "QueryByExample",
                                           "credentialQuery": {"example": {"type": 7}}}},
            "not a string",
        ),
        (
            {"challenge": "abc", "query": {"type": "QueryByExample", "credentialQuery": [
                {"example": {"type": [f"T{i}" for i in range(20)]}}]}},
            "at most 16",
        ),
    ],
)  # fmt: skip
def test_bad_requests_are_named(document: Any, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_request(document)


def test_what_is_not_a_request_is_named() -> None:
    credential = encode(issuer().issue(sample()))
    with pytest.raises(EnvelopeError, match="holds a credential, not a presentation request"):
        read_request(credential.encode())
    with pytest.raises(EnvelopeError, match="EU Digital COVID Certificate"):
        read_request(b"HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2+$N")
    with pytest.raises(EnvelopeError, match="web address"):
        read_request(render("https://employer.example/jobs", "png"))
    with pytest.raises(EnvelopeError, match="damaged image"):
        read_request(b"\x89PNG\r\n\x1a\n\x00\x00garbage")
    with pytest.raises(InputError, match="over the limit"):
        read_request(json.dumps({"challenge": "a", "pad": "x" * MAX_REQUEST_BYTES}).encode())
    with pytest.raises(InputError, match="not valid JSON|JSON"):
        read_request(b"{not json")
