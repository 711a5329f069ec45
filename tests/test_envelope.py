"""The QR envelope text: lossless round trips (signatures still verify), and every bad input
refused with a message that names what was found."""

from __future__ import annotations

import contextlib
import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base45
import brotli
import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import VECTORS, load_json
from vcportable.clock import FixedClock
from vcportable.codec.base64url import b64url_encode
from vcportable.envelope import (
    MAX_CONTENT_BYTES,
    MAX_TEXT_CHARS,
    Kind,
    cbor,
    decode,
    decode_envelope,
    encode,
    open_input,
)
from vcportable.envelope.compact import _simple_for, from_item, to_item
from vcportable.envelope.dictionary import KEY_TERMS, VALUE_TERMS
from vcportable.errors import EnvelopeError
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.proofs.sdjwt import present_sd_jwt
from vcportable.verifier import Verifier
from vcportable.wallet import create_presentation, sign_presentation

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
CLOCK = FixedClock(NOW)
ISSUER_KEY = KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(32)))
HOLDER_KEY = KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(1, 33)))
CHALLENGE = "3f5a9c1e-7b2d-4e8f-a6c0-9d1b2e3f4a5b"
DOMAIN = "https://employer.example"


def sample() -> dict[str, Any]:
    unsigned: dict[str, Any] = load_json("interop/sample-unsigned.json")
    unsigned["issuer"]["id"] = ISSUER_KEY.controller
    unsigned["credentialSubject"]["id"] = HOLDER_KEY.controller
    return unsigned


def issuer(**options: Any) -> Issuer:
    return Issuer(ISSUER_KEY, clock=CLOCK, **options)


def same(a: Any, b: Any) -> bool:
    """Equal, with the same JSON types all the way down (1 is not 1.0, True is not 1) and the
    same member order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return bool(a == b)


def round_trip(value: Any) -> Any:
    back = decode(encode(value))
    assert isinstance(back, bytes)
    return json.loads(back)


def envelope_of(content: bytes, *, prefix: str = "VC:", version: int = 1, form: int = 1) -> str:
    """An envelope around raw CBOR bytes, as an attacker would make one."""
    packed = brotli.compress(content, lgwin=16)
    return prefix + base45.b45encode(bytes([version, form]) + packed).decode("ascii")


def verifier() -> Verifier:
    return Verifier(clock=CLOCK)


# -- signed credentials survive ----------------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_data_integrity_credential_still_verifies(suite: str) -> None:
    signed = issuer(cryptosuite=suite).issue(sample())
    text = encode(signed)
    assert text.startswith("VC:")
    back = decode(text)
    assert isinstance(back, bytes)
    assert same(json.loads(back), signed)
    assert rfc8785.dumps(json.loads(back)) == rfc8785.dumps(signed)
    report = verifier().verify(back)
    assert report.verified, report.failures


def test_ecdsa_credential_still_verifies() -> None:
    key = KeyPair.from_private_bytes(KeyType.P256, bytes(range(1, 33)))
    unsigned = sample()
    unsigned["issuer"]["id"] = key.controller
    signed = Issuer(key, cryptosuite="ecdsa-rdfc-2019", clock=CLOCK).issue(unsigned)
    assert verifier().verify(decode(encode(signed))).verified


def test_presentation_with_challenge_and_domain_still_verifies() -> None:
    credential = issuer().issue(sample())
    unsigned = create_presentation([credential], holder=HOLDER_KEY.controller)
    vp = sign_presentation(unsigned, HOLDER_KEY, challenge=CHALLENGE, domain=DOMAIN, clock=CLOCK)
    envelope = decode_envelope(encode(vp))
    assert envelope.kind is Kind.PRESENTATION
    assert verifier().verify(envelope.content, challenge=CHALLENGE, domain=DOMAIN).verified


def test_vc_jwt_comes_back_byte_exact() -> None:
    token = issuer().issue_jwt(sample())
    text = encode(token)
    assert text.startswith("VC:")
    assert decode(text) == token
    assert verifier().verify(decode(text)).verified


def test_sd_jwt_presentation_comes_back_byte_exact() -> None:
    sd_jwt = issuer().issue_sd_jwt(sample(), holder_key=HOLDER_KEY.public_key)
    shown = present_sd_jwt(
        sd_jwt,
        ["credentialSubject.name", "credentialSubject.achievement"],
        holder_key=HOLDER_KEY,
        nonce=CHALLENGE,
        aud=DOMAIN,
        now=NOW,
    )
    assert decode(encode(sd_jwt)) == sd_jwt
    envelope = decode_envelope(encode(shown))
    assert envelope.kind is Kind.PRESENTATION
    assert envelope.content == shown


def test_vp_jwt_enveloping_a_vc_jwt_comes_back_byte_exact() -> None:
    from vcportable.proofs.jose import issue_vp_jwt

    vc_jwt = issuer().issue_jwt(sample())
    vp_jwt = issue_vp_jwt([vc_jwt], HOLDER_KEY, now=NOW, nonce=CHALLENGE, aud=DOMAIN)
    envelope = decode_envelope(encode(vp_jwt))
    assert envelope.kind is Kind.PRESENTATION
    assert envelope.content == vp_jwt
    assert len(encode(vp_jwt)) < len(encode(vc_jwt)) + 400  # the enveloped token is compacted
    policy = Verifier(clock=CLOCK)
    assert policy.verify(envelope.content, challenge=CHALLENGE, domain=DOMAIN).verified


def test_enveloped_tokens_cannot_nest_past_the_limit() -> None:
    media = _simple_for(VALUE_TERMS.index("vc+jwt"))
    body = cbor.encode([media, [["a"]]])
    for _ in range(80):
        body = cbor.encode([media, [[{"v": b"\x09" + body}]]])
    with pytest.raises(EnvelopeError, match="nests deeper"):
        decode(envelope_of(cbor.encode({"v": b"\x09" + body})))


def test_token_whose_json_is_not_written_compactly_stays_exact() -> None:
    header = b64url_encode(json.dumps({"alg": "EdDSA", "typ": "vc+jwt"}, indent=1).encode())
    payload = b64url_encode(b'{"a": 1.50, "b": 1e2}')
    token = f"{header}.{payload}.c2ln~WyJzYWx0IiwibmFtZSIsMV0~"
    assert decode(encode(token)) == token


def test_texts_in_other_languages_survive() -> None:
    unsigned = sample()
    achievement = unsigned["credentialSubject"]["achievement"]
    achievement["name"] = "大工 レベル2 — نجار المستوى الثاني"
    achievement["description"] = "木造の骨組み、階段、屋根構造を図面に従って施工できる。" * 8
    unsigned["credentialSubject"]["name"] = "Zoë Ünïcode-Test\u00e9\u4e2d \U0001f6e0"
    signed = issuer(cryptosuite="eddsa-jcs-2022").issue(unsigned)
    back = decode(encode(signed))
    assert isinstance(back, bytes)
    assert same(json.loads(back), signed)
    assert verifier().verify(back).verified


def test_kind_can_be_chosen() -> None:
    text = encode({"type": "Request", "challenge": CHALLENGE}, kind="request")
    assert text.startswith("VR:")
    assert decode_envelope(text).kind is Kind.REQUEST
    with pytest.raises(EnvelopeError, match="unknown envelope kind 'badge'"):
        encode({}, kind="badge")
    request = {"challenge": CHALLENGE, "domain": "https://employer.example"}  # request create
    assert encode(request).startswith("VR:")  # not a credential: its kind is told
    assert encode({**request, "@context": ["https://www.w3.org/ns/credentials/v2"]})[:3] == "VC:"


# -- lossless for whatever it has no dictionary entries for ----------------------------------


def _json_vectors() -> list[Path]:
    return sorted(p for p in VECTORS.rglob("*.json") if p.stat().st_size < 300_000)


@pytest.mark.parametrize("path", _json_vectors(), ids=lambda p: str(p.relative_to(VECTORS)))
def test_every_json_vector_round_trips(path: Path) -> None:
    value = json.loads(path.read_text(encoding="utf-8"))
    assert same(from_item(cbor.decode(cbor.encode(to_item(value)))), value)
    try:
        text = encode(value)
    except EnvelopeError as exc:
        assert "more than a QR code holds" in exc.message or "than an envelope holds" in exc.message
        return
    assert same(round_trip(value), value)
    if isinstance(value, dict) and "proof" in value:
        before, after = verifier().verify(value), verifier().verify(decode(text))
        assert before.verified == after.verified
        assert [c.status for c in before.checks] == [c.status for c in after.checks]


def _token_vectors() -> list[Path]:
    return sorted((VECTORS / "jose").glob("*.txt"))


@pytest.mark.parametrize("path", _token_vectors(), ids=lambda p: p.name)
def test_every_token_vector_comes_back_byte_exact(path: Path) -> None:
    token = path.read_text(encoding="ascii").strip()
    assert decode(encode(token)) == token


_ALPHABETS = st.sampled_from(
    [
        "0123456789abcdef-:T.Z",
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    ]
)
_LOOKALIKES = st.one_of(
    st.sampled_from(VALUE_TERMS + KEY_TERMS),
    st.builds(
        lambda p, s: p + s,
        st.sampled_from(["z", "u", "did:key:z", "urn:uuid:", ""]),
        _ALPHABETS.flatmap(lambda a: st.text(a, max_size=60)),
    ),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
    st.uuids().map(lambda u: f"urn:uuid:{u}"),
    st.text(max_size=80),
)
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**63), max_value=10**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _LOOKALIKES,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEY_TERMS) | st.text(max_size=20), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_random_json_round_trips_exactly(value: Any) -> None:
    assert same(from_item(cbor.decode(cbor.encode(to_item(value)))), value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), _JSON, max_size=4))
def test_random_documents_round_trip_through_the_text(value: dict[str, Any]) -> None:
    assert same(round_trip(value), value)


@pytest.mark.parametrize(
    "value",
    [
        1,
        1.0,
        -0.0,
        0.1,
        2**64,
        -(2**64) - 1,
        10**63,
        5e-324,
        1.7976931348623157e308,
        65504.0,
        "2025-03-01T00:00:00Z",
        "2025-03-01T00:00:00.120Z",
        "1969-12-31T23:59:59Z",
        "2025-03-01T00:00:00+00:00",
        "2025-03-01T24:00:00Z",
        "urn:uuid:6A1D3E2C-4B7F-4C3E-9A55-2F0E8B7C1D90",
        "z1111",
        "did:key:z6Mk#z6Mk",
        "Größe 数字 🙂",
        "",
    ],
)
def test_values_keep_their_type_and_spelling(value: Any) -> None:
    assert same(round_trip({"v": value})["v"], value)


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH", r"EU Digital COVID Certificate \(HC1:\)"),
        ("https://example.com/badge/42", r"a web address 'https://example.com/badge/42'"),
        ("hello world", r"the text 'hello world', not a vcportable envelope"),
        ("", "no text at all"),
        ("VC:%%%", "not valid base45"),
        ("VC:GGW", "not valid base45"),
        ("VC:A", "not valid base45"),
        ("VC:" + base45.b45encode(b"\x01").decode(), "truncated: it ends before its version"),
        ("VC:" + base45.b45encode(b"\x07\x01abc").decode(), "envelope version 7 is not supported"),
        ("VC:" + "0" * (MAX_TEXT_CHARS + 1), "more than a QR code holds"),
    ],
)
def test_foreign_and_damaged_texts_are_named(text: str, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        decode(text)


def test_truncated_envelope() -> None:
    text = encode(issuer().issue(sample()))
    with pytest.raises(EnvelopeError, match="truncated|corrupt"):
        decode(text[: len(text) // 2 // 3 * 3])


def test_decompression_bomb_stops_at_the_cap() -> None:
    bomb = envelope_of(b"\0" * (16 * MAX_CONTENT_BYTES))
    assert len(bomb) < 200
    with pytest.raises(EnvelopeError, match="decompression bomb"):
        decode(bomb)


def test_large_brotli_window_is_refused_before_decompressing() -> None:
    packed = brotli.compress(cbor.encode({"a": 1}), lgwin=24)
    text = "VC:" + base45.b45encode(b"\x01\x01" + packed).decode()
    with pytest.raises(EnvelopeError, match="window of 2\\^24"):
        decode(text)


def test_large_window_extension_is_refused() -> None:
    text = "VC:" + base45.b45encode(b"\x01\x01\x11\x00\x00").decode()
    with pytest.raises(EnvelopeError, match="window of 2\\^30"):
        decode(text)


def test_trailing_bytes_after_the_compressed_data() -> None:
    text = (
        "VC:"
        + base45.b45encode(
            b"\x01\x01" + brotli.compress(cbor.encode({}), lgwin=16) + b"\0\0"
        ).decode()
    )
    with pytest.raises(EnvelopeError, match="corrupt"):
        decode(text)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes.fromhex("d81c80"), "CBOR tag 28"),  # shareable (cycles)
        (bytes.fromhex("d823636162"), "CBOR tag 35"),  # regular expression
        (bytes.fromhex("c258400000"), "big integer"),  # 64-byte bignum
        (bytes.fromhex("c24105"), "big integer"),  # 5 as a bignum: a second spelling of 5
        (bytes.fromhex("c25820" + "ff" * 32), "of at most 64 digits"),  # 78 digits
        (bytes.fromhex("9fff"), "indefinite length"),
        (bytes.fromhex("9b00000000ffffffff"), "ends in the middle"),  # 4-billion-item array
        (bytes.fromhex("81" * 100 + "00"), "nests deeper"),
        (bytes.fromhex("a2616101616102"), "'a' twice"),
        (bytes.fromhex("a2010062696401"), "'id' twice"),
        (bytes.fromhex("a1190fff01"), "dictionary member 4095"),
        (bytes.fromhex("f8ff"), "dictionary value 255"),
        (bytes.fromhex("f7"), "undefined"),
        (bytes.fromhex("f97e00"), "not finite"),
        (bytes.fromhex("f818"), "reserved simple value"),
        (bytes.fromhex("410a"), "unknown form"),
        (bytes.fromhex("4209f6"), "not \\[type, token\\]"),
        (bytes.fromhex("480982614181816161"), "no media type"),
        (bytes.fromhex("4204ff"), "UUID of 1 bytes"),
        (bytes.fromhex("62c328"), "not UTF-8"),
        (bytes.fromhex("0000"), "1 bytes after"),
        (bytes.fromhex("a1f400"), "neither text nor a term"),
    ],
)
def test_cbor_abuse_is_refused_by_name(content: bytes, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        decode(envelope_of(content))


def test_unknown_form_byte() -> None:
    with pytest.raises(EnvelopeError, match="content form 9 is unknown"):
        decode(envelope_of(cbor.encode({}), form=9))


def test_token_envelope_must_hold_a_token() -> None:
    with pytest.raises(EnvelopeError, match="not a list of parts"):
        decode(envelope_of(cbor.encode({}), form=2))


def test_too_large_for_any_qr_code() -> None:
    huge = {"text": "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(3000))}
    with pytest.raises(EnvelopeError, match="more than a QR code holds"):
        encode(huge)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        ("not json, not a token", "neither JSON nor a compact token"),
        ("hello", "neither JSON nor a compact token"),  # one word: the token alphabet, no JWS
        ("a.b~c", "neither JSON nor a compact token"),
        ('{"a": 1, "a": 2}', "duplicate"),
        ({"a": object()}, "not a JSON value"),
        ({1: "a"}, "not a string"),
        # what could never be decoded, or read by the strict parser
        ({"a": "\ud800"}, "lone surrogate"),
        ({"a": math.nan}, "not finite"),
        ({"a": math.inf}, "not finite"),
        ({"a": 10**70}, "more than 64 digits"),
    ],
)
def test_encode_refuses_what_is_not_json(content: Any, message: str) -> None:
    with pytest.raises(EnvelopeError, match=message):
        encode(content)


_ITEMS = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.binary(max_size=40)
    | st.sampled_from(range(256)).filter(lambda v: not 20 <= v < 32).map(cbor.Simple),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers(0, 300) | st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_ITEMS, st.sampled_from([1, 2]))
def test_any_cbor_content_is_opened_or_refused_by_name(item: Any, form: int) -> None:
    with contextlib.suppress(EnvelopeError):
        decode(envelope_of(cbor.encode(item), form=form))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["VC:", "VP:", "VR:", "HC1:", ""]))
def test_any_bytes_are_opened_or_refused_by_name(data: bytes, prefix: str) -> None:
    for text in (prefix + base45.b45encode(data).decode(), prefix + data.decode("latin-1")):
        with contextlib.suppress(EnvelopeError):
            decode(text)
    with contextlib.suppress(EnvelopeError):
        open_input(data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_envelopes_are_opened_or_refused_by_name(data: st.DataObject) -> None:
    text = encode({"name": "Maria Example", "validFrom": "2025-03-01T00:00:00Z", "n": [1, 2.5]})
    where = data.draw(st.integers(3, len(text) - 1))
    char = data.draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"))
    with contextlib.suppress(EnvelopeError):
        decode(text[:where] + char + text[where + 1 :])


# -- open_input ---------------------------------------------------------------------------------


def test_open_input_recognises_envelope_texts_only() -> None:
    signed = issuer().issue(sample())
    assert open_input(encode(signed).encode() + b"\n") == decode(encode(signed))
    pasted = b"\n" * 6 + b"    " + encode(signed).encode()  # after blank lines, indented
    assert open_input(pasted) == decode(encode(signed))
    assert open_input(json.dumps(signed).encode()) is None
    assert open_input(issuer().issue_jwt(sample()).encode()) is None
    with pytest.raises(EnvelopeError, match="HC1"):
        open_input(b"HC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL")
    request = encode({"challenge": "c-1", "domain": "employer.example"}, kind="request").encode()
    with pytest.raises(EnvelopeError, match="holds a presentation request, not a credential"):
        open_input(request)  # what a verifier or a wallet is handed: not judged as a credential
    assert json.loads(open_input(request, requests=True) or b"")["challenge"] == "c-1"


# -- the specification and the code agree --------------------------------------------------------


def _spec_list(heading: str) -> list[str]:
    text = (Path(__file__).parent.parent / "docs" / "qr-format.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| ")]
    return [row[2].strip().strip("`") for row in rows[1:] if row[1].strip().isdigit()]


def test_specification_lists_the_dictionary() -> None:
    assert _spec_list("Member names") == list(KEY_TERMS)
    assert _spec_list("String values") == list(VALUE_TERMS)


def test_specification_test_vector_decodes() -> None:
    text = (Path(__file__).parent.parent / "docs" / "qr-format.md").read_text(encoding="utf-8")
    vector = text.split("<!-- vector:envelope -->", 1)[1].split("```", 2)[1].strip()
    expected = text.split("<!-- vector:json -->", 1)[1].split("```json", 1)[1].split("```")[0]
    assert same(json.loads(decode(vector)), json.loads(expected))


@pytest.mark.parametrize("wrappings", [0, 12])
def test_a_tiny_envelope_cannot_expand_without_bound(wrappings: int) -> None:
    """Dictionary terms expand a byte to dozens of characters and enveloped tokens re-wrap
    their contents per level: a text under a hundred characters once decoded to 115 MB in
    4 s. Decoding stops at the expansion budget instead."""
    from vcportable.envelope import cbor, open_input
    from vcportable.envelope.cbor import Simple

    item: Any = [Simple(1)] * 60000
    for _ in range(wrappings):
        item = [bytes([9]) + cbor.encode(["x", [[item]]])]
    packed = brotli.compress(cbor.encode(item), quality=11, lgwin=16)
    text = "VC:" + base45.b45encode(bytes([1, 1]) + packed).decode()
    assert len(text) < 120
    with pytest.raises(EnvelopeError, match="expands to more than"):
        open_input(text.encode())


@pytest.mark.parametrize("depth", range(56, 67))
def test_what_encodes_also_decodes_at_any_depth(depth: int) -> None:
    """A token's payload is counted from the same level when encoding and decoding: an
    envelope is either refused when made or opens again, never made and then unreadable."""
    nested: Any = 1
    for _ in range(depth):
        nested = [nested]
    segment = b64url_encode(json.dumps({"a": nested}, separators=(",", ":")).encode())
    token = f"eyJhbGciOiJFZERTQSJ9.{segment}.c2ln"
    try:
        text = encode(token)
    except EnvelopeError:
        return
    assert decode(text) == token
