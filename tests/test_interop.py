"""Interop with Digital Bazaar's @digitalbazaar/vc, through the harness in ../shared/interop.

One direction stands alone: a credential the harness signed (committed under
tests/vectors/interop/) verifies here. The other needs node: credentials vcportable signs
verify in the harness, and a credential the harness signs now verifies here.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import load_json, require_harness, unsigned_sample
from vcportable.clock import FixedClock
from vcportable.issuer import Issuer
from vcportable.keys import KeyPair, KeyType
from vcportable.verifier import Verifier

CLOCK = FixedClock(datetime(2027, 1, 1, tzinfo=UTC))  # after the fixture proofs were created


def _node(harness: Path, script: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["node", script, str(path)], cwd=harness, capture_output=True, text=True, timeout=120
    )


def test_reference_signed_fixture_verifies() -> None:
    signed = load_json("interop/reference-signed.json")
    key = load_json("interop/reference-key.json")
    report = Verifier(clock=CLOCK).verify(signed)
    assert report.verified, report.failures
    assert report.issuer == key["did"]


def test_reference_signed_language_values_verify() -> None:
    """Names in two languages with BCP 47 tags in their usual case (``ar-EG``, ``en-US``) and a
    right-to-left direction, signed by the harness: compaction would lower-case the tags, and
    language tags ignore case, so the credential is in compacted form and verifies."""
    fixture = Path(__file__).parent / "fixtures" / "harness-signed-language-values.json"
    signed = json.loads(fixture.read_text("utf-8"))
    report = Verifier(clock=CLOCK).verify(signed)
    assert report.verified, report.failures
    assert report.achievement is not None
    assert report.achievement.name == "Carpenter"


def test_reference_key_derives_the_same_did() -> None:
    key = load_json("interop/reference-key.json")
    pair = KeyPair.from_private_bytes(KeyType.ED25519, bytes.fromhex(key["seedHex"]))
    assert pair.controller == key["did"]
    assert pair.key_id == key["verificationMethod"]


@pytest.mark.node
def test_harness_signs_now_and_vcportable_verifies(tmp_path: Path) -> None:
    harness = require_harness()
    unsigned = unsigned_sample()
    unsigned["credentialSubject"]["name"] = "Zoë Ünïcode-Test \u00e9\u4e2d"
    source = tmp_path / "unsigned.json"
    source.write_text(json.dumps(unsigned, ensure_ascii=False))
    proc = _node(harness, "issue.mjs", source)
    assert proc.returncode == 0, proc.stderr
    assert Verifier().verify(proc.stdout).verified


@pytest.mark.node
@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c,
        lambda c: c["credentialSubject"].update(name='Quote " back\\slash \t tab \u0001'),
        lambda c: c["credentialSubject"]["achievement"].update(
            alignment=[
                {
                    "type": ["Alignment"],
                    "targetName": "carpenter",
                    "targetUrl": "http://data.europa.eu/esco/occupation/1",
                    "targetFramework": "ESCO",
                    "targetCode": "7115",
                }
            ]
        ),
    ],
    ids=["sample", "escapes", "alignment"],
)
def test_vcportable_signs_and_harness_verifies(tmp_path: Path, edit: Any) -> None:
    harness = require_harness()
    unsigned = unsigned_sample()
    edit(unsigned)
    signed = Issuer(KeyPair.generate()).issue(unsigned)
    path = tmp_path / "signed.json"
    path.write_text(json.dumps(signed, ensure_ascii=False))
    proc = _node(harness, "verify.mjs", path)
    result = json.loads(proc.stdout)
    assert result["verified"] is True, result["errors"]
    assert proc.returncode == 0


@pytest.mark.node
def test_harness_rejects_what_vcportable_rejects(tmp_path: Path) -> None:
    harness = require_harness()
    signed = Issuer(KeyPair.generate()).issue(unsigned_sample())
    signed["credentialSubject"]["name"] = "Mallory"
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(signed))
    assert _node(harness, "verify.mjs", path).returncode == 1
    assert not Verifier().verify(signed).verified
