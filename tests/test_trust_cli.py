"""`vcportable trust` and `vcportable verifier`, and the trust options `verify` attaches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from fixtures.trust_region import (
    BOARDS,
    CARPENTER,
    ISSUER_KEYS,
    NOW,
    RIVERSIDE_BUILD,
    credential,
    issue,
    region,
)
from vcportable.cli import cli
from vcportable.cli.trust import PROFILE_ENV, trust_options, trust_setup, verdict_line
from vcportable.clock import FixedClock
from vcportable.trust.model import parse_trust_list
from vcportable.trust.signing import sign_trust_list
from vcportable.trust.verdict import VerdictLevel, verdict
from vcportable.verifier import Verifier


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def boards(tmp_path: Path) -> list[str]:
    paths = []
    for name, key in BOARDS.items():
        path = tmp_path / f"{name}.key"
        key.save(path, None)
        paths.append(str(path))
    return paths


def _keys(boards: list[str]) -> list[str]:
    return [arg for path in boards for arg in ("--governance-key", path)]


def test_build_sign_verify_and_show_a_list(tmp_path: Path, boards: list[str]) -> None:
    listing = str(tmp_path / "list.json")
    issuer_key = tmp_path / "issuer.key"
    ISSUER_KEYS[RIVERSIDE_BUILD].save(issuer_key, None)
    steps = [
        [
            "trust",
            "init",
            listing,
            "--id",
            "urn:x:region",
            "--name",
            "en=Region",
            "--name",
            "es=Región",
            *_keys(boards),
            "--threshold",
            "2",
            "--issued",
            "2026-01-01T00:00:00Z",
        ],
        [
            "trust",
            "add-municipality",
            listing,
            "riverside",
            "--name",
            "en=Riverside",
            "--name",
            "es=Ribera",
            "--country",
            "ES",
        ],
        [
            "trust",
            "add-municipality",
            listing,
            "valmont",
            "--name",
            "en=Valmont",
            "--country",
            "FR",
        ],
        [
            "trust",
            "add-issuer",
            listing,
            RIVERSIDE_BUILD,
            "--name",
            "en=Riverside Board",
            "--municipality",
            "riverside",
            "--key",
            str(issuer_key),
            "--alignment",
            "ESCO:71*",
            "--max-eqf",
            "5",
            "--active-from",
            "2020-01-01T00:00:00Z",
        ],
        [
            "trust",
            "recognize",
            listing,
            "--id",
            "valmont-riverside",
            "--by",
            "valmont",
            "--of",
            "riverside",
            "--alignment",
            "esco:71*",
            "--from",
            "2025-01-01T00:00:00Z",
            "--condition",
            "en=local safety module",
            "--condition",
            "es=módulo local de seguridad",
        ],
        [
            "trust",
            "catalogue",
            "add",
            listing,
            CARPENTER,
            "--name",
            "en=Carpenter",
            "--name",
            "es=Carpintero",
            "--code",
            "esco:7115.1",
            "--eqf",
            "4",
        ],
        [
            "trust",
            "set-status",
            listing,
            RIVERSIDE_BUILD,
            "--status",
            "suspended",
            "--from",
            "2027-01-01T00:00:00Z",
        ],
    ]
    for step in steps:
        result = run(*step)
        assert result.exit_code == 0, result.output
    assert run("trust", "bump", listing, "--issued", "2026-01-01T00:00:00Z").exit_code == 0
    data = json.loads(Path(listing).read_text())
    assert (data["sequence"], data["nextUpdate"]) == (2, "2026-01-31T00:00:00Z")
    assert data["issuers"][0]["keys"][0]["id"] == RIVERSIDE_BUILD + "#key-1"
    assert data["agreements"][0]["scope"]["alignments"] == ["ESCO:71*"]
    assert data["catalogue"][0]["codes"] == ["ESCO:7115.1"]

    one = str(tmp_path / "one.json")
    both = str(tmp_path / "both.json")
    assert run("trust", "sign", listing, "--key", boards[0], "--out", one).exit_code == 0
    below = run(
        "trust", "verify", one, *_keys(boards), "--threshold", "2", "--at", "2026-01-10T00:00:00Z"
    )
    assert below.exit_code == 1 and "2 are required" in below.output
    assert run("trust", "sign", one, "--key", boards[2], "--out", both).exit_code == 0
    ok = run(
        "trust", "verify", both, *_keys(boards), "--threshold", "2", "--at", "2026-01-10T00:00:00Z"
    )
    assert ok.exit_code == 0 and "fresh" in ok.output, ok.output
    stale = run(
        "trust", "verify", both, *_keys(boards), "--threshold", "2", "--at", "2026-03-01T00:00:00Z"
    )
    assert stale.exit_code == 1 and "stale" in stale.output

    shown = run("trust", "show", both, "--lang", "es")
    assert shown.exit_code == 0
    assert "Municipios" in shown.output and "Carpintero" in shown.output
    assert "módulo local de seguridad" in shown.output


def test_edits_that_break_the_list_are_refused_and_leave_the_file(
    tmp_path: Path, boards: list[str]
) -> None:
    listing = tmp_path / "list.json"
    assert (
        run(
            "trust", "init", str(listing), "--id", "urn:x", "--name", "en=R", *_keys(boards)
        ).exit_code
        == 0
    )
    before = listing.read_bytes()
    result = run(
        "trust",
        "add-issuer",
        str(listing),
        "https://x.example",
        "--name",
        "en=X",
        "--municipality",
        "atlantis",
        "--key",
        boards[0],
    )
    assert result.exit_code == 1
    assert "municipality 'atlantis', which is not listed" in result.output
    assert listing.read_bytes() == before
    again = run("trust", "init", str(listing), "--id", "urn:x", "--name", "en=R", *_keys(boards))
    assert again.exit_code != 0 and "--force" in again.output
    bad = run(
        "trust", "add-municipality", str(listing), "m", "--name", "Riverside", "--country", "ES"
    )
    assert bad.exit_code == 2 and "LANG=TEXT" in bad.output


def test_signing_with_a_key_outside_the_governance_is_refused(
    tmp_path: Path, boards: list[str]
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps(region()))
    stranger = tmp_path / "stranger.key"
    ISSUER_KEYS[RIVERSIDE_BUILD].save(stranger, None)
    result = run(
        "trust", "sign", str(listing), "--key", str(stranger), "--out", str(tmp_path / "s.json")
    )
    assert result.exit_code == 2 and "not a governance key" in result.output


# -- the verifier profile and verify's trust options ----------------------------------------------


@click.command()
@trust_options
def probe(**options: Any) -> None:
    """Stands in for `vcportable verify`: prints what trust_setup makes of the options."""
    setup = trust_setup(**options)
    if setup is None:
        click.echo("no trust list")
        return
    signed = issue(credential(RIVERSIDE_BUILD, CARPENTER), ISSUER_KEYS[RIVERSIDE_BUILD])
    report = Verifier(resolver=setup.resolver, checks=setup.checks, clock=FixedClock(NOW)).verify(
        signed
    )
    click.echo(verdict(report, setup.checks[0].lang).level.value)
    click.echo(verdict_line(report, setup.checks[0].lang))


@pytest.fixture
def signed_region(tmp_path: Path) -> Path:
    path = tmp_path / "region.signed.json"
    path.write_bytes(
        sign_trust_list(parse_trust_list(region()), [BOARDS["board-north"], BOARDS["board-cross"]])
    )
    return path


def test_explicit_trust_options(signed_region: Path, boards: list[str], tmp_path: Path) -> None:
    env = {PROFILE_ENV: str(tmp_path / "none.json")}
    args = ["--trust-list", str(signed_region), *_keys(boards), "--threshold", "2"]
    result = CliRunner().invoke(probe, [*args, "--as", "valmont", "--lang", "fr"], env=env)
    assert result.exit_code == 0, result.output
    assert VerdictLevel.ACCEPTED_WITH_WARNINGS.value in result.output
    assert "ACCEPTÉE AVEC AVERTISSEMENTS" in result.output
    missing_as = CliRunner().invoke(probe, args, env=env)
    assert missing_as.exit_code == 2 and "--as" in missing_as.output
    nowhere = CliRunner().invoke(probe, [*args, "--as", "atlantis"], env=env)
    assert nowhere.exit_code != 0 and "atlantis" in nowhere.output
    assert CliRunner().invoke(probe, [], env=env).output.strip() == "no trust list"


def test_verifier_profile_makes_the_list_mandatory(
    signed_region: Path, boards: list[str], tmp_path: Path
) -> None:
    profile = tmp_path / "config" / "verifier.json"
    env = {PROFILE_ENV: str(profile)}
    init = run(
        "verifier",
        "init",
        "--trust-list",
        str(signed_region),
        *_keys(boards),
        "--threshold",
        "2",
        "--as",
        "hillside",
        "--lang",
        "de",
        env=env,
    )
    assert init.exit_code == 0, init.output
    saved = json.loads(profile.read_text())
    assert saved["municipality"] == "hillside" and saved["threshold"] == 2
    assert (tmp_path / "config" / "trust-cache" / "accepted-trust-list.json").is_file()
    result = CliRunner().invoke(probe, [], env=env)
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output and "ANERKANNT" in result.output
    # A list the profile's governance did not sign: refused, never a silent fallback.
    signed_region.write_bytes(
        sign_trust_list(parse_trust_list(region(sequence=8)), [BOARDS["board-north"]])
    )
    refused = CliRunner().invoke(probe, [], env=env)
    assert refused.exit_code != 0 and "required" in str(refused.exception or refused.output)
    again = run(
        "verifier",
        "init",
        "--trust-list",
        str(signed_region),
        *_keys(boards),
        "--as",
        "hillside",
        env=env,
    )
    assert again.exit_code == 2 and "--force" in again.output
