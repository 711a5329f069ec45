"""The trust list model, its k-of-n signing, key rotation, rollback protection and freshness."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fixtures.trust_region import BOARDS, NEXT_BOARDS, NOW, RIVERSIDE_BUILD, governance_keys, region
from vcportable.codec.base64url import b64url_decode, b64url_encode
from vcportable.errors import ConfigurationError, TrustListError
from vcportable.keys import KeyPair
from vcportable.trust.acceptance import Freshness, TrustListCache, freshness
from vcportable.trust.model import TrustList, parse_trust_list
from vcportable.trust.signing import (
    GovernanceAnchor,
    SignedTrustList,
    sign_trust_list,
    verify_trust_list,
)

ANCHOR = GovernanceAnchor(tuple(k.public_key for k in BOARDS.values()), 2)
NORTH, SOUTH, CROSS = BOARDS.values()


def signed(data: dict[str, Any] | None = None, *keys: KeyPair) -> bytes:
    return sign_trust_list(parse_trust_list(data or region()), keys or (NORTH, SOUTH))


# -- model --------------------------------------------------------------------------------------


def test_region_round_trips_through_json() -> None:
    trust_list = parse_trust_list(region())
    assert parse_trust_list(json.loads(json.dumps(trust_list.to_json_dict()))) == trust_list
    assert trust_list.issuer(RIVERSIDE_BUILD) is not None
    assert [a.id for a in trust_list.index.agreements["riverside"]] == [
        "riverside-valmont-nursing",
        "riverside-hillside-construction",
    ]


def _issuer(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    issuer: dict[str, Any] = data["issuers"][index]
    return issuer


BAD_LISTS = [
    ("unknown municipality", lambda d: _issuer(d).update(municipality="atlantis"), "atlantis"),
    (
        "agreement names unknown municipality",
        lambda d: d["agreements"][0].update(recognising="atlantis"),
        "atlantis",
    ),
    (
        "agreement names unknown issuer",
        lambda d: d["agreements"][2].update(recognisedIssuers=["https://nobody.example"]),
        "nobody.example",
    ),
    ("duplicate issuer", lambda d: d["issuers"].append(_issuer(d)), "duplicate id"),
    (
        "catalogue id spelt twice",
        lambda d: d["catalogue"].append(
            {**d["catalogue"][0], "id": "URN" + d["catalogue"][0]["id"][3:]}
        ),
        "duplicate catalogue id",
    ),
    ("threshold above keys", lambda d: d["governance"].update(threshold=4), "threshold 4"),
    ("naive date", lambda d: d.update(issued="2026-01-01T00:00:00"), "timezone"),
    # judged with a grace and a clock skew: a date at the calendar's ends overflowed verify
    ("year 1", lambda d: d.update(issued="0001-01-01T00:00:00Z"), "from 1970 to 9000"),
    ("year 9999", lambda d: d.update(nextUpdate="9999-12-31T00:00:00Z"), "from 1970 to 9000"),
    ("nextUpdate before issued", lambda d: d.update(nextUpdate="2025-01-01T00:00:00Z"), "after"),
    ("empty scope", lambda d: d["agreements"][0].update(scope={}), "'*'"),
    (
        "star inside pattern",
        lambda d: d["agreements"][0].update(scope={"alignments": ["E*SCO"]}),
        "pattern",
    ),
    ("bad key", lambda d: _issuer(d)["keys"][0].update(publicKeyMultibase="z6Mkbad"), "multicodec"),
    (
        "key of another id",
        lambda d: _issuer(d)["keys"][0].update(id="https://x.example#k"),
        "must be",
    ),
    ("private JWK", lambda d: _issuer(d, 1)["keys"][0]["publicKeyJwk"].update(d="AAAA"), "private"),
    ("status out of order", lambda d: _issuer(d, 2)["status"].reverse(), "date order"),
    ("unknown member", lambda d: d.update(extra=1), "extra"),
    ("negative sequence", lambda d: d.update(sequence=-1), "sequence"),
    # One spelling per member: the Python name is not a second one (a list holding both
    # ``nextUpdate`` and ``next_update`` would otherwise say two things).
    ("snake_case name", lambda d: d.update(next_update=d.pop("nextUpdate")), "next_update"),
    # Numbers and flags as JSON writes them, nothing a lax reader would turn into one.
    ("sequence as text", lambda d: d.update(sequence="7"), "sequence"),
    ("sequence as float", lambda d: d.update(sequence=7.0), "sequence"),
    ("sequence past a double", lambda d: d.update(sequence=10**70), "sequence"),
    ("sequence infinite", lambda d: d.update(sequence=float("inf")), "sequence"),
    ("version as true", lambda d: d.update(version=True), "version"),
    ("issued as a number", lambda d: d.update(issued=1767225600), "not a number"),
    ("EQF level as text", lambda d: d["catalogue"][0].update(eqfLevel="4"), "eqfLevel"),
    (
        "retroactive as text",
        lambda d: _issuer(d, 2)["status"][-1].update(retroactive="true"),
        "retroactive",
    ),
]


@pytest.mark.parametrize(
    "edit, expected", [c[1:] for c in BAD_LISTS], ids=[c[0] for c in BAD_LISTS]
)
def test_invalid_lists_are_refused_with_the_reason(edit: Any, expected: str) -> None:
    data = region()
    edit(data)
    with pytest.raises(TrustListError, match="trust list is invalid") as caught:
        parse_trust_list(data)
    assert expected in caught.value.message


# -- signing: k of n ----------------------------------------------------------------------------


def test_two_of_three_boards_sign_and_the_list_verifies() -> None:
    assert verify_trust_list(signed(), ANCHOR) == parse_trust_list(region())


def test_a_board_cosigns_later() -> None:
    one = signed(None, NORTH)
    with pytest.raises(TrustListError, match="1 valid signature"):
        verify_trust_list(one, ANCHOR)
    both = SignedTrustList.parse(one).with_signatures([CROSS])
    assert verify_trust_list(both, ANCHOR).sequence == 7


def test_a_signature_entry_that_names_a_board_does_not_stop_it_signing() -> None:
    """Anyone relaying the file could append a junk entry naming the next board's key: that
    board has not signed, so its own signature replaces the junk one."""
    envelope = _envelope(signed(None, NORTH))
    junk = dict(envelope["signatures"][0])
    header = json.loads(b64url_decode(junk["protected"]))
    header["kid"] = CROSS.public_key.to_multibase()  # both boards are Ed25519: the same alg
    junk["protected"] = b64url_encode(json.dumps(header).encode())
    envelope["signatures"].append(junk)  # names CROSS, signed by nobody
    relayed = SignedTrustList.parse(json.dumps(envelope).encode())
    cosigned = SignedTrustList.parse(relayed.with_signatures([CROSS]))
    assert len(cosigned.signatures) == 2
    assert cosigned.valid_signers([NORTH.public_key, CROSS.public_key]) == {
        NORTH.public_key,
        CROSS.public_key,
    }


def _envelope(data: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(data)
    return value


def _tampered() -> bytes:
    envelope = _envelope(signed())
    payload = json.loads(b64url_decode(envelope["payload"]))
    payload["issuers"][0]["municipality"] = "hillside"
    envelope["payload"] = b64url_encode(json.dumps(payload).encode())
    return json.dumps(envelope).encode()


def _unsigned() -> bytes:
    return json.dumps(region()).encode()


def _duplicated_signature() -> bytes:
    envelope = _envelope(signed(None, NORTH))
    envelope["signatures"] *= 2
    return json.dumps(envelope).encode()


def _unprotected_header() -> bytes:
    envelope = _envelope(signed())
    envelope["signatures"][0]["header"] = {"kid": "x"}
    return json.dumps(envelope).encode()


REFUSED = [
    ("unsigned list", _unsigned, "not a signed trust list"),
    (
        "no signatures",
        lambda: json.dumps({"payload": "e30", "signatures": []}).encode(),
        "not signed",
    ),
    (
        "unknown key",
        lambda: signed(None, KeyPair.generate(), KeyPair.generate()),
        "2 by a key that is not",
    ),
    ("below threshold", lambda: signed(None, SOUTH), "1 valid signature"),
    ("tampered", _tampered, "do not verify"),
    (
        "one key twice",
        _duplicated_signature,
        r"1 valid signature.*\(1 more by a key that signed already \(counted once\)\)$",
    ),
    ("unprotected header", _unprotected_header, "unprotected"),
    ("not JSON", lambda: b"\xff\xfe", "UTF-8"),
    (
        "envelope member twice",
        lambda: signed().replace(b'"payload"', b'"payload": "e30", "payload"', 1),
        "duplicate member 'payload'",
    ),
    (
        "number for the payload",
        lambda: b'{"payload": 1e400, "signatures": [{"protected": "", "signature": ""}]}',
        "payload is not a base64url string",
    ),
    ("lone surrogate", lambda: b'{"payload": "\\ud800", "signatures": []}', "surrogate"),
    (
        "nested envelope",
        lambda: json.dumps({"payload": "e30", "signatures": [[[[[]]]]]}).encode(),
        "must hold exactly",
    ),
]


@pytest.mark.parametrize("make, expected", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_lists_a_pinned_verifier_refuses(make: Any, expected: str) -> None:
    with pytest.raises(TrustListError, match=expected):
        verify_trust_list(make(), ANCHOR)


def _signed_payload(payload: bytes, *keys: KeyPair) -> bytes:
    """``payload`` as the list, signed by ``keys`` (what a board would sign by mistake)."""
    encoded = b64url_encode(payload)
    return SignedTrustList(payload, encoded, (), ()).with_signatures(keys)


def test_a_payload_that_is_not_a_list_is_refused_only_when_signed() -> None:
    """The payload's faults are reported only once the threshold holds, so an unsigned list
    always reads as unsigned."""
    broken = b'{"type": "VcportableTrustList", "sequence": 1e400}'
    with pytest.raises(TrustListError, match="1 valid signature"):
        verify_trust_list(_signed_payload(broken, NORTH), ANCHOR)
    with pytest.raises(TrustListError, match="trust list is invalid"):
        verify_trust_list(_signed_payload(broken, NORTH, SOUTH), ANCHOR)
    # A long integer is the model's to refuse; one longer than any reader takes, the parser's.
    for digits, expected in ((80, "sequence: Input should be less"), (5000, "5000 digits")):
        number = b'{"sequence": ' + b"9" * digits + b"}"
        with pytest.raises(TrustListError, match=expected):
            verify_trust_list(_signed_payload(number, NORTH, SOUTH), ANCHOR)


def test_anchor_misuse_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="threshold 3"):
        GovernanceAnchor((NORTH.public_key, SOUTH.public_key), 3)
    with pytest.raises(ConfigurationError, match="twice"):
        GovernanceAnchor((NORTH.public_key, NORTH.public_key), 1)


# -- rotation and rollback ----------------------------------------------------------------------


def _rotating(sequence: int) -> dict[str, Any]:
    """A list of the current boards that announces the next ones."""
    data = region(sequence=sequence)
    data["governance"]["next"] = {"threshold": 2, "keys": governance_keys(NEXT_BOARDS)}
    return data


def _rotated(sequence: int) -> dict[str, Any]:
    return region(
        sequence=sequence, governance={"threshold": 2, "keys": governance_keys(NEXT_BOARDS)}
    )


NEW_NORTH, NEW_SOUTH, _NEW_CROSS = NEXT_BOARDS.values()


def test_accepted_list_is_cached_for_offline_use(tmp_path: Path) -> None:
    cache = TrustListCache(tmp_path / "cache")
    assert cache.latest() is None
    assert cache.accept(signed(), ANCHOR).sequence == 7
    latest = cache.latest()
    assert latest is not None and latest.sequence == 7


def test_a_verifier_starting_again_checks_the_pinned_list_by_its_digest_or_signatures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pinned file given again is taken on the digest recorded when it was accepted; with
    no digest, or another, its own signatures are checked (and the digest recorded again). The
    same list co-signed later is checked by its signatures and pinned in its place (the next
    start given it takes its digest); an altered cache is refused."""
    cache = TrustListCache(tmp_path)
    published = signed(None, NORTH, SOUTH)
    cache.accept(published, ANCHOR)
    recorded = cache.digest_path.read_text()
    assert recorded == hashlib.sha256(published).hexdigest() + "\n"
    checked: list[bool] = []
    verified_list = SignedTrustList.verified_list

    def counting(self: SignedTrustList, anchor: GovernanceAnchor | None = None) -> Any:
        checked.append(True)
        return verified_list(self, anchor)

    monkeypatch.setattr(SignedTrustList, "verified_list", counting)
    assert cache.accept(published, ANCHOR).sequence == 7
    assert checked == []  # the digest matched
    for damaged in ("", "0" * 64):
        cache.digest_path.write_text(damaged)
        assert cache.accept(published, ANCHOR).sequence == 7
        assert cache.digest_path.read_text() == recorded
    cache.digest_path.unlink()
    assert cache.accept(published, ANCHOR).sequence == 7
    assert cache.digest_path.read_text() == recorded
    assert len(checked) == 3
    cosigned = SignedTrustList.parse(published).with_signatures([CROSS])
    assert cache.accept(cosigned, ANCHOR).sequence == 7
    assert len(checked) == 4
    assert cache.path.read_bytes() == cosigned
    assert cache.digest_path.read_text() == hashlib.sha256(cosigned).hexdigest() + "\n"
    assert cache.accept(cosigned, ANCHOR).sequence == 7
    assert len(checked) == 4  # the new pin's digest matched
    envelope = _envelope(published)
    envelope["signatures"][1]["signature"] = envelope["signatures"][0]["signature"]
    broken = json.dumps(envelope).encode()
    cache.path.write_bytes(broken)  # the cache altered on disk: its own signatures fail
    with pytest.raises(TrustListError, match="1 valid signature"):
        cache.accept(broken, ANCHOR)


def test_an_audit_rechecks_the_pinned_file_whatever_its_digest_says(tmp_path: Path) -> None:
    """``recheck`` (`trust verify --cache`): the signatures decide, not a digest written into
    the same folder (here one recorded for an altered file)."""
    cache = TrustListCache(tmp_path)
    published = signed(None, NORTH, SOUTH)
    cache.accept(published, ANCHOR)
    envelope = _envelope(published)
    envelope["signatures"][1]["signature"] = envelope["signatures"][0]["signature"]
    altered = json.dumps(envelope).encode()
    cache.path.write_bytes(altered)
    cache.digest_path.write_text(hashlib.sha256(altered).hexdigest())
    assert cache.accept(altered, ANCHOR).sequence == 7  # a verifier's start trusts its digest
    with pytest.raises(TrustListError, match="1 valid signature"):
        cache.accept(altered, ANCHOR, recheck=True)


def test_a_list_not_signed_by_the_governance_it_names_is_never_pinned(tmp_path: Path) -> None:
    """Read back from the cache a list is checked by its own governance keys: one that they did
    not sign is refused when offered, not at the next start. The announced next boards named
    as governance, signed by the outgoing ones; and, with nothing pinned, the next boards named
    in a list signed by the configured ones."""
    cache = TrustListCache(tmp_path / "rotation")
    cache.accept(signed(_rotating(8)), ANCHOR)
    outgoing = (
        r"carries 0 valid signature\(s\) of them: a list must be signed by the boards it names"
    )
    with pytest.raises(TrustListError, match=outgoing):
        cache.accept(signed(_rotated(9), NORTH, SOUTH), ANCHOR)
    assert cache.latest() is not None and cache.latest().sequence == 8  # type: ignore[union-attr]
    fresh = TrustListCache(tmp_path / "fresh")
    with pytest.raises(TrustListError, match=outgoing):
        fresh.accept(signed(_rotated(9), NORTH, SOUTH), ANCHOR)
    assert not fresh.path.exists()
    both = signed(_rotated(9), NORTH, SOUTH, NEW_NORTH, NEW_SOUTH)
    assert fresh.accept(both, ANCHOR).sequence == 9
    assert fresh.latest() is not None


def test_rollback_is_refused(tmp_path: Path) -> None:
    cache = TrustListCache(tmp_path)
    cache.accept(signed(region(sequence=8)), ANCHOR)
    with pytest.raises(TrustListError, match="rollback"):
        cache.accept(signed(region(sequence=7)), ANCHOR)
    cache.accept(signed(region(sequence=8), NORTH, CROSS), ANCHOR)  # the same list, re-signed


def test_same_sequence_with_other_content_is_refused(tmp_path: Path) -> None:
    cache = TrustListCache(tmp_path)
    cache.accept(signed(region(sequence=8)), ANCHOR)
    other = region(sequence=8)
    other["agreements"] = []
    with pytest.raises(TrustListError, match="different content"):
        cache.accept(signed(other), ANCHOR)


def test_rotation_to_announced_keys_then_they_are_the_pin(tmp_path: Path) -> None:
    cache = TrustListCache(tmp_path)
    cache.accept(signed(_rotating(8)), ANCHOR)
    accepted = cache.accept(signed(_rotated(9), NEW_NORTH, NEW_SOUTH), ANCHOR)
    assert accepted.governance.public_keys() == tuple(k.public_key for k in NEXT_BOARDS.values())
    # The old boards no longer speak for the region, even with the configured anchor.
    with pytest.raises(TrustListError, match="announces no next"):
        cache.accept(signed(region(sequence=10)), ANCHOR)


def test_rotation_needs_an_announcement(tmp_path: Path) -> None:
    cache = TrustListCache(tmp_path)
    cache.accept(signed(region(sequence=8)), ANCHOR)
    with pytest.raises(TrustListError, match="announces no next"):
        cache.accept(signed(_rotated(9), NEW_NORTH, NEW_SOUTH), ANCHOR)


def test_current_boards_cannot_swap_keys_unannounced(tmp_path: Path) -> None:
    cache = TrustListCache(tmp_path)
    cache.accept(signed(region(sequence=8)), ANCHOR)
    with pytest.raises(TrustListError, match="did not announce"):
        cache.accept(signed(_rotated(9)), ANCHOR)


# -- freshness ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset, expected",
    [
        (timedelta(0), Freshness.FRESH),
        (timedelta(days=16), Freshness.FRESH),
        (timedelta(days=17), Freshness.GRACE),
        (timedelta(days=23), Freshness.GRACE),
        (timedelta(days=24), Freshness.STALE),
        (-timedelta(days=30), Freshness.NOT_YET_ISSUED),
    ],
)
def test_freshness_around_next_update_and_grace(offset: timedelta, expected: Freshness) -> None:
    # NOW is 2026-01-15 12:00; nextUpdate 2026-02-01; default grace 7 days.
    assert freshness(parse_trust_list(region()), NOW + offset) is expected


def test_model_is_immutable() -> None:
    trust_list: TrustList = parse_trust_list(region())
    with pytest.raises(ValueError, match="frozen"):
        trust_list.sequence = 9
