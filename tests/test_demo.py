"""`make demo` tells the river region's story end to end, and each outcome is what it says.

The demo runs once (module fixture) in a temporary folder; each test then checks one outcome
of issue 14 on the files it left, with the library or a `vcportable verify` of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vcportable.codec.base64url import b64url_decode
from vcportable.errors import TrustListError
from vcportable.keys import PublicKey
from vcportable.keys.keyfile import read_key_file_info
from vcportable.trust.signing import GovernanceAnchor, SignedTrustList, verify_trust_list

ROOT = Path(__file__).resolve().parent.parent
BOARDS = ("west-council", "east-council", "river-commission")


@dataclass(frozen=True)
class Demo:
    out: Path
    stdout: str
    seconds: float

    def board(self, name: str) -> PublicKey:
        return read_key_file_info(self.out / "governance" / f"{name}.key").public_key

    def verdict(self, after: str) -> str:
        """The first line printed after the command that ends with ``after``."""
        lines = self.stdout.splitlines()
        found = [i for i, line in enumerate(lines) if line.startswith("$") and line.endswith(after)]
        assert found, f"no command ending with {after!r}"
        return lines[found[0] + 1]

    def verify(self, town: str, *inputs: str) -> list[dict[str, Any]]:
        """An employer's reports, as JSON, from a `vcportable verify` of the test's own."""
        proc = subprocess.run(
            [sys.executable, "-m", "vcportable", "verify", "--json", "--profile",
             f"employers/{town}/profile.json", "--status-dir", "public/status", *inputs],
            cwd=self.out, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return [json.loads(line) for line in proc.stdout.splitlines()]


def _codes(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["id"]: (c["status"], c["code"]) for c in report["checks"]}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    out = tmp_path_factory.mktemp("demo") / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCPORTABLE_")}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "VCPORTABLE_DEMO_OUT": str(out)},
    )
    seconds = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    return Demo(out, proc.stdout, seconds)


def test_it_finishes_in_under_a_minute_with_everything_in_one_folder(demo: Demo) -> None:
    assert "Demo complete" in demo.stdout
    assert demo.seconds < 60
    made = {p.name for p in demo.out.iterdir()}
    assert {"governance", "bodies", "public", "maria", "employers", "region"} <= made
    assert not (ROOT / "examples" / "river-region" / "bodies").exists()  # nothing in the source


def test_the_trust_list_is_signed_by_two_of_three_boards(demo: Demo) -> None:
    data = (demo.out / "public" / "trust-list-1.json").read_bytes()
    boards = tuple(demo.board(b) for b in BOARDS)
    trust_list = verify_trust_list(data, GovernanceAnchor(boards, threshold=2))
    assert trust_list.governance.threshold == 2 and len(trust_list.governance.keys) == 3
    assert SignedTrustList.parse(data).valid_signers(boards) == set(boards[:2])
    with pytest.raises(TrustListError):
        verify_trust_list(data, GovernanceAnchor(boards, threshold=3))
    assert "signatures valid (2 of 3)" in demo.verdict("--cache governance/accepted")


def test_the_rosters_are_issued_as_data_integrity_and_as_jwt(demo: Demo) -> None:
    issued = demo.out / "bodies"
    di = sorted((issued / "valmont-construction" / "issued").glob("*.json"))
    assert [p.stem for p in di] == ["ines-moreau", "luc-girard", "maria-lopez"]
    for path in di:
        assert json.loads(path.read_text())["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    jwts = sorted((issued / "hanglage-care" / "issued").glob("*.jwt"))
    assert [p.stem for p in jwts] == ["anna-weber", "mehmet-yilmaz"]
    for path in jwts:
        header = json.loads(b64url_decode(path.read_text().split(".")[0]))
        assert header["typ"] == "vc+jwt"


def test_the_employer_across_the_river_recognises_the_card_image_in_german(demo: Demo) -> None:
    card = demo.out / "maria" / "card.png"
    assert card.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # The first line of the employer's own `verify`, all in German (the profile's language).
    assert demo.verdict("public/status maria/card.png").startswith("  ANERKANNT  Hanglage erkennt")
    (report,) = demo.verify("hanglage", "maria/card.png")
    assert report["verified"] and report["verdict"]["level"] == "accepted"
    assert _codes(report)["recognition"] == ("passed", "OK")
    assert _codes(report)["status[0]"] == ("passed", "OK")
    assert report["verdict"]["reason"].startswith("Hanglage erkennt Zimmerer")


def test_healthcare_is_genuine_but_not_recognised_in_valmont(demo: Demo) -> None:
    care = "bodies/hanglage-care/issued/anna-weber.jwt"
    (home,) = demo.verify("hanglage", care)
    assert home["verified"]
    (across,) = demo.verify("valmont", care)
    checks = _codes(across)
    assert checks["proof"][0] == checks["trusted_issuer"][0] == checks["accreditation"][0]
    assert checks["proof"][0] == "passed"
    assert checks["recognition"] == ("failed", "NOT_RECOGNISED")
    assert "authentique" in across["verdict"]["reason"]
    assert demo.verdict("valmont/profile.json --status-dir public/status " + care).startswith(
        "  REFUSÉE  Valmont ne reconnaît pas Aide-soignant"
    )
    # The other way, Rivebourg's care credential is recognised in Hanglage, on a condition.
    (one_way,) = demo.verify("hanglage", "bodies/rivebourg-health/issued/chloe-bernard.jwt")
    assert _codes(one_way)["recognition"] == ("warning", "RECOGNISED_WITH_CONDITIONS")
    assert "Deutschkenntnisse B2" in one_way["verdict"]["reason"]


def test_a_revoked_and_a_tampered_credential_are_rejected(demo: Demo) -> None:
    revoked, forged = demo.verify(
        "hanglage", "bodies/valmont-construction/issued/luc-girard.json", "forged.json"
    )
    assert not revoked["verified"] and _codes(revoked)["status[0]"] == ("failed", "REVOKED")
    assert not forged["verified"] and _codes(forged)["proof"] == ("failed", "SIGNATURE_INVALID")


def test_the_trust_list_is_renewed_with_a_rotated_key(demo: Demo) -> None:
    data = (demo.out / "public" / "trust-list-3.json").read_bytes()
    old = tuple(demo.board(b) for b in BOARDS)
    new = (*old[:2], demo.board("river-commission-2"))
    renewed = verify_trust_list(data, GovernanceAnchor(new, threshold=2))
    assert renewed.sequence == 3 and set(renewed.governance.public_keys()) == set(new)
    with pytest.raises(TrustListError):  # the retired key does not speak for the region
        verify_trust_list(data, GovernanceAnchor(old, threshold=2))
    for town in ("hanglage", "valmont"):  # the employers followed the rotation
        cached = demo.out / "employers" / town / "trust-cache" / "accepted-trust-list.json"
        assert SignedTrustList.parse(cached.read_bytes()).trust_list().sequence == 3
