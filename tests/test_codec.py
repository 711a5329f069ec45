"""The codecs: one strict JSON parser, base64url, base58btc/multibase and XSD dates. Each rule has
a case that the old JOSE parser (or the old pure-Python base58) accepted, and the JOSE and
JSON-LD paths must now refuse the same inputs."""

from __future__ import annotations

import binascii
import contextlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jose_fixtures import ISSUER, NOW, b64, badge
from vcportable.clock import FixedClock
from vcportable.codec import json as codec_json
from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.codec.dates import (
    DATETIME_STAMP_PATTERN,
    date_problem,
    parse_date_time,
    parse_datetime_stamp,
    parse_xsd_datetime,
)
from vcportable.codec.json import MAX_INT_DIGITS, MAX_JSON_DEPTH, parse_json
from vcportable.codec.multibase import b58decode, b58encode, multibase_decode, multibase_encode
from vcportable.errors import ConfigurationError, InputError
from vcportable.models.report import Code
from vcportable.verifier import Verifier


def refused(data: bytes | str, code: str = "MALFORMED", **limits: Any) -> str:
    with pytest.raises(InputError) as caught:
        parse_json(data, what="credential", **limits)
    assert caught.value.code == code, caught.value.message
    return caught.value.message


# -- JSON -------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**63), 10**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


def test_strict_json_still_reads_json() -> None:
    text = '{"a": [1, -2, 3.5, 1e308, true, null, "\\ud83d\\ude00 \\u00e9"], "b": {}}'
    assert parse_json(text) == {"a": [1, -2, 3.5, 1e308, True, None, "😀 é"], "b": {}}
    assert parse_json(text.encode()) == parse_json(text)


def test_duplicate_member_is_named_with_its_path() -> None:
    message = refused('{"credentialSubject": {"issuer": 1, "x": [], "issuer": 2}}')
    assert "duplicate member 'issuer' at $.credentialSubject" in message
    assert 'at $[1]["a b"]' in refused('[0, {"a b": {"k": 1, "k": 1}}]')


@pytest.mark.parametrize(
    "number", ["1e999", "-1e999", "1E400", "123456789e9999", " " * 500 + "-0.5e+400"]
)
def test_numbers_that_overflow_to_infinity(number: str) -> None:
    assert "overflows to infinity at $.n" in refused(f'{{"n": {number}}}')


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants(constant: str) -> None:
    assert f"{constant} is not a JSON number at $[0]" in refused(f"[{constant}]")


def test_a_5000_digit_integer_is_a_clear_error_not_a_traceback() -> None:
    # Python's int() would raise ValueError (its 4,300-digit limit) out of json.loads.
    message = refused('{"credentialSubject": {"n": ' + "7" * 5000 + "}}")
    assert "5000 digits" in message and "$.credentialSubject.n" in message


def test_integer_length_bound() -> None:
    assert parse_json("[-" + "9" * MAX_INT_DIGITS + "]") == [-int("9" * MAX_INT_DIGITS)]
    refused("[" + "9" * (MAX_INT_DIGITS + 1) + "]")
    assert parse_json("[123456]", max_int_digits=6) == [123456]
    refused("[1234567]", max_int_digits=6)
    for unusable in (0, 5000):  # past Python's own 4,300-digit limit, int() would raise
        with pytest.raises(ConfigurationError, match="max_int_digits"):
            parse_json("[1]", max_int_digits=unusable)


@pytest.mark.parametrize(
    ("text", "where"),
    [('{"a": "x\\ud800"}', "at $.a"), ('{"\\udc00": 1}', "in a member name at $"),
     ('["\\ude00\\ud83d"]', "at $[0]")],
)  # fmt: skip
def test_lone_surrogates(text: str, where: str) -> None:
    message = refused(text)
    assert "surrogate" in message and where in message


def test_raw_lone_surrogate_in_text_and_invalid_utf8() -> None:
    assert "surrogate" in refused('{"a": "\ud800"}')
    assert "not UTF-8" in refused(b'{"a": "\xff"}')
    assert "not UTF-8" in refused(b'{"a": "\xed\xa0\x80"}')  # a surrogate encoded as UTF-8


def test_byte_order_mark_is_refused() -> None:
    assert "byte order mark" in refused(b"\xef\xbb\xbf{}")
    assert "byte order mark" in refused("\ufeff{}")
    refused(b"\xff\xfe{\x00}\x00")  # UTF-16


def test_depth_and_size_limits() -> None:
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(nested)
    refused("[" + nested + "]", "TOO_DEEP")
    refused("[" * 100_000 + "]" * 100_000, "TOO_DEEP", max_bytes=300_000)
    refused('{"a": {"b": 1}}', "TOO_DEEP", max_depth=1)
    # brackets inside strings are not nesting
    assert parse_json(json.dumps(["[" * 200]))
    assert "over the limit of 10" in refused('{"a": "0123456789"}', "TOO_LARGE", max_bytes=10)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


@given(json_values, st.integers(0, 6))
def test_depth_limit_is_exact(value: Any, limit: int) -> None:
    text = json.dumps(value)
    if depth(value) <= limit:
        assert parse_json(text, max_depth=limit) == value
    else:
        refused(text, "TOO_DEEP", max_depth=limit)


def test_depth_limit_is_exact_past_the_bracket_shortcut() -> None:
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json(f'[{at_limit[1:-1]}, [], {{"a": {{}}}}]')
    refused(f'{{"a": {at_limit}, "b": []}}', "TOO_DEEP")


def test_a_refusal_before_a_syntax_error_or_deep_nesting_is_still_clear() -> None:
    # The first parse stops at NaN; finding its path would need to parse what follows.
    assert refused("[NaN, }").endswith("NaN is not a JSON number")
    deep = "[NaN, " + "[" * 100_000 + "]" * 100_000 + "]"
    assert refused(deep, max_bytes=300_000).endswith("NaN is not a JSON number")
    assert refused('{"a": 1, "a": 2} trailing').endswith("duplicate member 'a'")


@pytest.mark.parametrize("text", ["", "  \n", "{", "{} {}", "{'a': 1}", "[1,]", "01"])
def test_not_json(text: str) -> None:
    refused(text)


@given(json_values)
def test_every_json_value_round_trips(value: Any) -> None:
    assert parse_json(json.dumps(value)) == value
    assert parse_json(json.dumps(value, ensure_ascii=False).encode()) == value


@given(
    st.binary(max_size=60)
    | st.text(max_size=60)
    | json_values.map(json.dumps).map(lambda t: t[:-1])
)
def test_anything_is_json_or_an_input_error(data: bytes | str) -> None:
    with contextlib.suppress(InputError):
        parse_json(data)


# The fast road (jiter) against the strict parser it stands in for: texts built to break each
# rule, in every spot, read the same (the same value, or the same refusal) on either road.

_numbers = st.one_of(
    st.integers(-(10**70), 10**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,20})?([eE][-+]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(
        ["1e999", "-1E+400", "1e-400", "1e0308", "9" * 64, "-" + "9" * 65, "1" + "0" * 300 + ".5",
         "0." + "0" * 400 + "1e400", "1.7976931348623157e308", "1.7976931348623159e308",
         "2.5e-324", "0.1000000000000000055511151231257827", "-0", "-0.0"]
    ),
)  # fmt: skip
_strings = st.one_of(
    st.text(max_size=6).map(json.dumps),
    st.text(max_size=6).map(lambda t: json.dumps(t, ensure_ascii=False)),
    st.sampled_from(['"\\ud83d\\ude00"', '"[[[["', '"]]]"', '"{}"', '", 1e999"', '"1e999"',
                     '"a\\"b"', '"\\\\"', '"e0400"', '"\\u0000"']),
)  # fmt: skip
#: Not JSON, or JSON that a rule refuses (besides the numbers above).
_odd = st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "01", "1.", ".5", "-", "+1", "1e", "0x10", "tru", "nul",
     '"\\ud800"', '"x\\udc00"', '"\\ude00\\ud83d"', '"\\x"', '"\t"', "\ufeff1", "\x0c1", "\xa01"]
)  # fmt: skip
_scalars = st.one_of(_numbers, _strings, st.sampled_from(["true", "false", "null"]))
_keys = st.sampled_from(['"a"', '"b"', '"\\u0061"']) | _strings
_space = st.sampled_from(["", "", "", " ", "\n", "\r\n\t"])


def _document(
    scalars: st.SearchStrategy[str], keys: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    def containers(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        items = st.lists(st.tuples(_space, inner), max_size=4)
        members = st.lists(st.tuples(keys, _space, inner), max_size=4)
        return items.map(lambda xs: "[" + ",".join(w + x for w, x in xs) + "]") | members.map(
            lambda kvs: "{" + ",".join(f"{k}:{w}{v}" for k, w, v in kvs) + "}"
        )

    return st.recursive(scalars, containers, max_leaves=24)


_texts = st.tuples(
    st.sampled_from(["", "", "", "", "", " ", "\ufeff"]),
    _document(_scalars, _keys) | _document(_scalars | _odd, _keys | _odd),
    st.sampled_from(["", "", "", "", "", "", " ", ",", "]", "}", " 1", "[", "\x00"]),
).map("".join)


def _read(data: bytes | str, **limits: Any) -> str | tuple[str, str]:
    """The value's repr (so that 1 and 1.0, 0.0 and -0.0 differ), or the refusal."""
    try:
        return repr(parse_json(data, **limits))
    except InputError as exc:
        return (exc.code, exc.message)


def _strict(data: bytes | str, **limits: Any) -> str | tuple[str, str]:
    """:func:`_read` by the strict parser alone."""
    with mock.patch.object(codec_json, "_fast_parse", return_value=None):
        return _read(data, **limits)


@settings(max_examples=600)
@given(
    _texts,
    st.sampled_from(["str", "bytes", "bytes+junk"]),
    st.sampled_from([{}, {}, {"max_depth": 0}, {"max_depth": 2}, {"max_depth": 3},
                     {"max_int_digits": 3}, {"max_int_digits": 20}]),
)  # fmt: skip
def test_the_fast_road_reads_every_text_as_the_strict_parser(
    text: str, form: str, limits: dict[str, int]
) -> None:
    raw = text.encode("utf-8", "surrogatepass")
    if form == "bytes+junk":
        raw = raw[: len(raw) // 2] + b"\xff\xed\xa0\x80" + raw[len(raw) // 2 :]
    data = text if form == "str" else raw
    got = _read(data, **limits)
    assert got == _strict(data, **limits)
    fast = codec_json._fast_parse(
        raw, limits.get("max_depth", MAX_JSON_DEPTH), limits.get("max_int_digits", MAX_INT_DIGITS)
    )
    if fast is not None:  # taken only for what the strict parser accepts, with the same value
        assert repr(fast[0]) == got


@settings(max_examples=400)
@given(_texts, st.sampled_from([{}, {"max_depth": 2}, {"max_int_digits": 3}]))
def test_numbers_left_to_a_schema_are_the_only_difference(
    text: str, limits: dict[str, int]
) -> None:
    """``schema_bounds_numbers``: what the strict parser refuses for a number alone may come
    through (as a long int or an infinity, for the schema); everything else reads the same."""
    raw = text.encode("utf-8", "surrogatepass")
    strict = _strict(raw, **limits)
    relaxed = _read(raw, schema_bounds_numbers=True, **limits)
    if relaxed != strict:
        assert isinstance(strict, tuple) and isinstance(relaxed, str)
        assert "digits is longer" in strict[1] or "overflows to infinity" in strict[1]


@pytest.mark.parametrize("depth", [1, 2, 63, 64, 65, 200, 201, 202])
@pytest.mark.parametrize("innermost", ["", "0", "{}", '{"a": []}'])
def test_the_fast_road_keeps_the_depth_limit_exactly(depth: int, innermost: str) -> None:
    text = "[" * depth + innermost + "]" * depth
    nesting = depth + {"": 0, "0": 0, "{}": 1, '{"a": []}': 2}[innermost]
    got = _read(text)
    assert got == _strict(text)
    assert (got[0] == "TOO_DEEP") == (nesting > MAX_JSON_DEPTH)


@pytest.mark.parametrize("text", ["1, 2", "[1],[2]", "1],[2", "{}],[{}", "[]] , [[]", " ", ""])
@pytest.mark.parametrize("max_depth", [0, 1, 2])
def test_the_wraps_do_not_make_json_of_what_is_not(text: str, max_depth: int) -> None:
    assert _read(text, max_depth=max_depth)[0] in ("MALFORMED", "TOO_DEEP")
    assert codec_json._fast_parse(text.encode(), max_depth, MAX_INT_DIGITS) is None


def test_everyday_documents_take_the_fast_road() -> None:
    sample = Path(__file__).parent / "vectors" / "interop" / "sample-unsigned.json"
    for raw in (sample.read_bytes(), json.dumps([json.loads(sample.read_bytes())] * 20).encode()):
        assert codec_json._fast_parse(raw, MAX_JSON_DEPTH, MAX_INT_DIGITS) is not None
    assert codec_json._jiter_nesting_holds()
    # an exponent-like run in a key or a hash is not a number: no detour for it
    assert codec_json._fast_parse(b'{"k": "z3e4567", "n": 1e10}', 64, 64) == (
        {"k": "z3e4567", "n": 1e10},
    )
    for detour in (b'{"n": 1e100}', b'{"n": "x, 1e100"}', b"[" + b"1" * 65 + b"]"):
        assert codec_json._fast_parse(detour, 64, 64) is None


# -- base64url --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["QQ==", "QQ=", "Q", "a+b/", "ab cd", "abcd\n", "QR", "QUF", "é", "ab\x00c"],
    ids=["padded", "half-padded", "4n+1", "standard", "space", "newline", "bits-2", "bits-3",
         "non-ascii", "nul"],
)  # fmt: skip
def test_base64url_is_strict(value: str) -> None:
    with pytest.raises(InputError, match="the signature"):
        b64url_decode(value, what="the signature")


def test_base64url_bound_is_checked_before_decoding() -> None:
    with pytest.raises(InputError) as caught:
        b64url_decode("A" * 12, max_bytes=8)
    assert caught.value.code == "TOO_LARGE"
    assert b64url_decode("A" * 11, max_bytes=8) == bytes(8)


@given(st.binary(max_size=200))
def test_base64url_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))
def test_base64url_one_string_one_meaning(value: str) -> None:
    try:
        data = b64url_decode(value)
    except InputError:
        return
    assert b64url_encode(data) == value


def _reference_b64url_decode(value: str) -> bytes | str:
    """The decoder as it was before pybase64 (a regex and binascii): the bytes, or the message."""
    if re.fullmatch(r"[A-Za-z0-9_-]*", value) is None:
        return "x is not base64url (only A-Z a-z 0-9 - _ are allowed, without padding)"
    rest = len(value) % 4
    if rest == 1:
        return "x is not base64url (no encoding is 4n+1 characters long)"
    if rest and value[-1] not in {2: "AQgw", 3: "AEIMQUYcgkosw048"}[rest]:
        return "x is not canonical base64url (unused bits of its end are set)"
    padded = value.encode("ascii").translate(bytes.maketrans(b"-_", b"+/")) + b"=" * (-rest % 4)
    return binascii.a2b_base64(padded, strict_mode=True)


@settings(max_examples=500)
@given(st.text(alphabet="AQRgwz09-_+/=\n é\x00", max_size=12) | st.text(max_size=12))
def test_base64url_decodes_as_the_reference(value: str) -> None:
    """The same bytes or the same message as the regex-and-binascii decoder it replaced."""
    try:
        got: bytes | str = b64url_decode(value, what="x")
    except InputError as exc:
        got = exc.message
    assert got == _reference_b64url_decode(value)


# -- base58btc and multibase ------------------------------------------------------------------

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def reference_b58encode(data: bytes) -> str:
    """Textbook base58btc, as an independent oracle for the compiled codec."""
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = ALPHABET[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


@given(st.binary(max_size=100).map(lambda b: b) | st.binary(max_size=8).map(lambda b: bytes(3) + b))
def test_base58_matches_the_reference_and_round_trips(data: bytes) -> None:
    encoded = b58encode(data)
    assert encoded == reference_b58encode(data)
    assert b58decode(encoded) == data


@given(st.text(alphabet=ALPHABET, max_size=120))
def test_base58_one_string_one_meaning(value: str) -> None:
    assert b58encode(b58decode(value)) == value


def test_base58_leading_zeros_are_exact() -> None:
    assert b58encode(bytes(3)) == "111"
    assert b58decode("111") == bytes(3)
    assert b58decode("11z") == b"\0\0\x39"


@pytest.mark.parametrize("value", ["0abc", "abcO", "Iabc", "abcl", "abc ", " abc", "ab\ncd", "é"])
def test_base58_is_strict(value: str) -> None:
    # The pure-Python base58 package strips trailing whitespace: "abc " decoded as "abc".
    with pytest.raises(InputError, match="proofValue is not base58btc"):
        b58decode(value, what="proofValue")


def test_multibase_prefixes_are_the_callers_to_allow() -> None:
    data = b"\x12\x20" + bytes(32)
    assert multibase_decode(multibase_encode(data)) == data
    assert multibase_decode(multibase_encode(data, "u"), bases="zu") == data
    with pytest.raises(InputError, match="prefix 'z'"):
        multibase_decode(multibase_encode(data, "u"), what="publicKeyMultibase")
    with pytest.raises(InputError, match="canonical"):
        multibase_decode("uQR", bases="zu")  # 'uQQ' is the one spelling of b"A"
    for bad in ("z", "", None, 42, "f00"):
        with pytest.raises(InputError):
            multibase_decode(bad)
    with pytest.raises(InputError) as caught:
        multibase_decode("z" + "2" * 2000)
    assert caught.value.code == "TOO_LARGE"


# -- XSD dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2025-03-01", "dateTimeStamp"),
        ("2025-03-01 00:00:00Z", "dateTimeStamp"),
        ("2025-03-01t00:00:00Z", "dateTimeStamp"),
        ("2025-03-01T00:00:00z", "dateTimeStamp"),
        ("2025-13-01T00:00:00Z", "dateTimeStamp"),
        ("2025-03-01T24:00:01Z", "dateTimeStamp"),
        ("2025-03-01T12:60:00Z", "dateTimeStamp"),
        ("2025-03-01T12:00:60Z", "dateTimeStamp"),
        ("2025-03-01T12:00:00+14:01", "dateTimeStamp"),
        ("2025-03-01T12:00:00+1400", "dateTimeStamp"),
        ("2025-02-29T00:00:00Z", "calendar"),
        ("2025-04-31T00:00:00Z", "calendar"),
        ("0000-01-01T00:00:00Z", "year"),
        ("10000-01-01T00:00:00Z", "year"),
        ("-2025-01-01T00:00:00Z", "year"),
        ("0001-01-01T00:00:00+01:00", "years 0001 to 9999 in UTC"),
        ("9999-12-31T23:00:00-01:00", "years 0001 to 9999 in UTC"),
        ("2025-03-01T00:00:00", "timezone"),
    ],
)
def test_dates_are_strict(value: str, why: str) -> None:
    problem = date_problem(value)
    assert problem is not None and why in problem
    assert parse_datetime_stamp(value) is None


def test_date_time_and_date_time_stamp() -> None:
    assert parse_xsd_datetime("2010-01-01T19:23:24") == datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)
    assert parse_datetime_stamp("2010-01-01T19:23:24") is None
    assert parse_datetime_stamp("2024-02-29T24:00:00+14:00") == datetime(
        2024, 2, 29, 10, tzinfo=UTC
    )
    assert date_problem(1_700_000_000) == (
        "must be a date-time string such as 2025-03-01T00:00:00Z, got a number"
    )


def reference_instant(value: str) -> datetime | None:
    """Field arithmetic by hand, as an oracle for the parser (which uses the C ISO parser)."""
    m = re.fullmatch(
        r"(-?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):(\d\d))",
        value,
    )
    assert m is not None
    year, month, day, hour, minute, second = (int(m[i]) for i in range(1, 7))
    try:
        days = (date(year, month, day) - date(1, 1, 1)).days
    except ValueError:
        return None
    offset = 0 if m[8] == "Z" else (int(m[10]) * 60 + int(m[11])) * (1 if m[9] == "+" else -1)
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset * 60
    micro = int(((m[7] or "") + "000000")[:6])
    try:
        return datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds, microseconds=micro)
    except OverflowError:
        return None


@given(st.from_regex(DATETIME_STAMP_PATTERN, fullmatch=True))
def test_dates_parse_as_field_arithmetic_says(value: str) -> None:
    if "T24:" in value or len(value) > 64:
        return
    expected = reference_instant(value) if re.match(r"\d{4}-", value) else None
    assert parse_datetime_stamp(value) == expected


def test_fractions_order_exactly() -> None:
    early = parse_date_time("2025-01-01T00:00:00.0000001Z")
    late = parse_date_time("2025-01-01T00:00:00.00000010001Z")
    same = parse_date_time("2025-01-01T00:00:00.000000100Z")
    assert early and late and same
    assert early.instant == late.instant  # microseconds cannot tell them apart
    assert early.order_key() < late.order_key()
    assert early.order_key() == same.order_key()


# -- the JOSE path and the JSON-LD path refuse the same JSON ----------------------------------

BAD_MEMBERS = {
    "duplicate": ', "name": "Forged Level 9"',
    "overflow": ', "n": 1e999',
    "lone-surrogate": ', "n": "\\ud800"',
    "long-integer": ', "n": ' + "9" * 5000,
    "nan": ', "n": NaN',
}


def _token(payload: bytes) -> str:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": ISSUER.key_id}
    unsigned = f"{b64(json.dumps(header).encode())}.{b64(payload)}"
    return f"{unsigned}.{b64(ISSUER.sign(unsigned.encode()))}"


def _bad_text(name: str) -> str:
    text = json.dumps(badge(ISSUER, ISSUER, credential_id="urn:uuid:1"))
    return text[:-1] + BAD_MEMBERS[name] + "}"


@pytest.mark.parametrize("name", sorted(BAD_MEMBERS))
def test_jose_and_json_ld_refuse_the_same_json(name: str) -> None:
    verifier = Verifier(clock=FixedClock(NOW))
    for data in (_token(_bad_text(name).encode()), _bad_text(name)):
        report = verifier.verify(data)
        assert not report.verified
        assert Code.MALFORMED in report.codes(), report.checks


def test_a_token_payload_with_a_bom_is_refused() -> None:
    text = json.dumps(badge(ISSUER, ISSUER, credential_id="urn:uuid:1"))
    report = Verifier(clock=FixedClock(NOW)).verify(_token(b"\xef\xbb\xbf" + text.encode()))
    assert not report.verified and Code.MALFORMED in report.codes()


@pytest.mark.parametrize("name", sorted(BAD_MEMBERS))
def test_sd_jwt_disclosures_are_read_by_the_same_parser(name: str) -> None:
    from vcportable.proofs import sdjwt

    credential = badge(ISSUER, ISSUER, credential_id="urn:uuid:1")
    token = sdjwt.issue_sd_jwt(credential, ISSUER, now=NOW, disclosable=["name"])
    value = '{"level": 2' + BAD_MEMBERS[name].replace('"name"', '"level"') + "}"
    forged = b64(f'["c2FsdA", "extra", {value}]'.encode())
    report = Verifier(clock=FixedClock(NOW)).verify(token + forged + "~")
    assert not report.verified
    assert Code.MALFORMED in report.codes(), report.checks


def test_user_contexts_and_their_manifest_are_read_by_the_same_parser(tmp_path: Path) -> None:
    from vcportable.jsonld import DocumentLoader

    url = "https://contexts.example.org/trades/v1"
    (tmp_path / "manifest.json").write_text(json.dumps({url: "trades.json"}))
    (tmp_path / "trades.json").write_text(
        '{"@context": {"trade": "https://a.example/trade", "trade": "https://b.example/trade"}}'
    )
    with pytest.raises(ConfigurationError, match=r"member 'trade' at \$\[.@context.\]"):
        DocumentLoader(extra_dirs=[tmp_path]).load(url)
    (tmp_path / "manifest.json").write_text(f'{{"{url}": "trades.json", "{url}": "x.json"}}')
    with pytest.raises(ConfigurationError, match="duplicate member"):
        DocumentLoader(extra_dirs=[tmp_path])


def _with_bad_member(text: str, name: str) -> str:
    """``text`` (a JSON object) with the bad member ``name`` of BAD_MEMBERS added."""
    member = BAD_MEMBERS[name].replace('"name"', f'"{next(iter(json.loads(text)))}"')
    return text[:-1] + member + "}"


@pytest.mark.parametrize("name", sorted(BAD_MEMBERS))
def test_did_jwk_and_cached_did_documents_refuse_the_same_json(name: str, tmp_path: Path) -> None:
    from vcportable.dids import OfflineResolver
    from vcportable.errors import ResolutionError

    jwk = json.dumps(ISSUER.public_key.to_jwk())
    with pytest.raises(ResolutionError) as caught:
        OfflineResolver().resolve("did:jwk:" + b64(_with_bad_member(jwk, name).encode()))
    # (5,000 digits make a DID over its length limit: refused before any JSON is read.)
    assert caught.value.code == "MALFORMED" or name == "long-integer", caught.value.message
    did = "did:web:issuer.example"
    document = {"id": did, "verificationMethod": [], "assertionMethod": []}
    path = tmp_path / "issuer.example" / ".well-known" / "did.json"
    path.parent.mkdir(parents=True)
    path.write_text(_with_bad_member(json.dumps(document), name))
    with pytest.raises(ResolutionError, match="not valid JSON"):
        OfflineResolver(did_web_cache_dir=tmp_path).resolve(did)


@pytest.mark.parametrize("name", sorted(BAD_MEMBERS))
def test_key_files_refuse_the_same_json(name: str, tmp_path: Path) -> None:
    from vcportable.errors import KeyFileError
    from vcportable.keys import read_key_file_info

    path = tmp_path / "issuer.key"
    ISSUER.save(path, None)
    path.write_text(_with_bad_member(path.read_text(), name))
    with pytest.raises(KeyFileError):
        read_key_file_info(path)


@pytest.mark.parametrize("suffix", [" ", "\n", "0"])
def test_a_proof_value_has_one_spelling(suffix: str) -> None:
    # The pure-Python base58 package stripped trailing whitespace: " " still verified.
    from conftest import unsigned_sample
    from vcportable.issuer import Issuer

    signed = Issuer(ISSUER, clock=FixedClock(NOW)).issue(unsigned_sample())
    verifier = Verifier(clock=FixedClock(NOW))
    assert verifier.verify(signed).verified
    signed["proof"]["proofValue"] += suffix
    report = verifier.verify(signed)
    assert not report.verified and Code.MALFORMED in report.codes(), report.checks
