"""`vcportable trust` and `vcportable verifier`, and the trust options `verify` attaches."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from fixtures.trust_region import (
    BOARDS,
    CARPENTER,
    ISSUER_KEYS,
    NEXT_BOARDS,
    NOW,
    RIVERSIDE_BUILD,
    credential,
    issue,
    region,
)
from vcportable.cli import cli
from vcportable.cli.profile import PROFILE_ENV, trust_options, trust_setup, verdict_line
from vcportable.clock import FixedClock
from vcportable.trust.model import parse_trust_list
from vcportable.trust.signing import sign_trust_list
from vcportable.trust.verdict import VerdictLevel, verdict
from vcportable.trust.yaml_file import is_yaml_path, load_yaml
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


def _read(path: str | Path) -> Any:
    """A list file as the CLI keeps it: JSON, or YAML by its name."""
    text = Path(path).read_text(encoding="utf-8")
    if is_yaml_path(str(path)):
        return load_yaml(text, what=str(path), max_bytes=1 << 20)
    return json.loads(text)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_build_sign_verify_and_show_a_list(tmp_path: Path, boards: list[str], suffix: str) -> None:
    listing = str(tmp_path / f"list{suffix}")
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
    data = _read(listing)
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
    again = run("trust", "sign", both, "--key", boards[0], "--out", f"{both}.x")
    assert again.exit_code == 2 and "signed this list already" in again.output  # nothing to add
    twice = run("trust", "sign", listing, "--key", boards[1], "--key", boards[1], "--out", one)
    assert twice.exit_code == 2 and "the same key is given twice" in twice.output
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


def test_a_private_key_given_as_a_public_one_is_refused_and_never_echoed(tmp_path: Path) -> None:
    from vcportable.keys import KeyPair

    secret = KeyPair.generate().to_multibase_private()
    result = run(
        "trust", "init", str(tmp_path / "l.json"), "--id", "urn:x", "--name", "en=x",
        "--governance-key", secret,
    )  # fmt: skip
    assert result.exit_code == 2 and "is a PRIVATE key" in result.output
    assert secret not in result.output and secret[:12] not in result.output


def test_a_cache_that_cannot_be_written_is_one_line(signed_region: Path, boards: list[str]) -> None:
    result = run(
        "trust", "verify", str(signed_region), *_keys(boards), "--threshold", "2",
        "--cache", "/proc/self/x",
    )  # fmt: skip
    assert result.exit_code != 0 and "cannot keep the accepted list" in result.output
    assert "Traceback" not in result.output


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


def test_trust_verify_with_a_cache_checks_the_pinned_files_signatures(
    tmp_path: Path, boards: list[str]
) -> None:
    """An audit of the cache's own file checks its signatures, not the digest kept beside it
    (a verifier's start trusts that digest): an altered pin with a digest to match is refused."""
    import hashlib

    listing, published, cache = tmp_path / "list.json", tmp_path / "signed.json", tmp_path / "c"
    listing.write_text(json.dumps(region()))
    signing = run("trust", "sign", str(listing), "--key", boards[0], "--key", boards[1],
                  "--out", str(published))  # fmt: skip
    assert signing.exit_code == 0, signing.output
    options = ["--cache", str(cache), *_keys(boards), "--threshold", "2", "--at", NOW.isoformat()]
    first = run("trust", "verify", str(published), *options)
    assert first.exit_code == 0 and "signatures valid (2 of 3), accepted" in first.output
    pinned = cache / "accepted-trust-list.json"
    envelope = json.loads(pinned.read_bytes())
    envelope["signatures"][1]["signature"] = envelope["signatures"][0]["signature"]
    altered = json.dumps(envelope).encode()
    pinned.write_bytes(altered)
    (cache / "accepted-trust-list.sha256").write_text(hashlib.sha256(altered).hexdigest())
    audit = run("trust", "verify", str(pinned), *options)
    assert audit.exit_code != 0 and "1 valid signature" in audit.output, audit.output


def test_a_rotation_announced_then_made_is_followed_by_a_pinned_verifier(
    tmp_path: Path, boards: list[str]
) -> None:
    listing = str(tmp_path / "list.json")
    init = ["trust", "init", listing, "--id", "urn:x", "--name", "en=R", *_keys(boards)]
    assert run(*init, "--threshold", "2", "--issued", "2026-01-01T00:00:00Z").exit_code == 0
    before = Path(listing).read_bytes()
    unannounced = run("trust", "bump", listing, "--rotate")
    assert unannounced.exit_code == 2 and "announce one with trust announce" in unannounced.output
    assert Path(listing).read_bytes() == before

    successors = []
    for name, key in NEXT_BOARDS.items():
        key.save(tmp_path / f"{name}.key", None)
        successors.append(str(tmp_path / f"{name}.key"))
    announce = run("trust", "announce", listing, *_keys(successors), "--threshold", "2")
    assert announce.exit_code == 0, announce.output
    cache = str(tmp_path / "cache")
    verify = ["trust", "verify", "--cache", cache, *_keys(boards), "--threshold", "2",
              "--at", "2026-01-10T00:00:00Z"]  # fmt: skip

    def publish(signers: list[str], name: str) -> Result:
        out = str(tmp_path / name)
        signing = run("trust", "sign", listing, *(a for k in signers for a in ("--key", k)),
                      "--out", out)  # fmt: skip
        assert signing.exit_code == 0, signing.output
        return run(*verify[:2], out, *verify[2:])

    assert publish(boards[:2], "announcing.json").exit_code == 0

    rotate = ["trust", "bump", listing, "--rotate", "--issued", "2026-01-02T00:00:00Z"]
    assert run(*rotate).exit_code == 0
    governance = _read(listing)["governance"]
    assert "next" not in governance and governance["threshold"] == 2
    assert [k["publicKeyMultibase"] for k in governance["keys"]] == [
        key.public_key.to_multibase() for key in NEXT_BOARDS.values()
    ]
    old = run("trust", "sign", listing, "--key", boards[0], "--out", str(tmp_path / "x.json"))
    assert old.exit_code == 2 and "not a governance key" in old.output
    rotated = publish(successors[1:], "rotated.json")
    assert rotated.exit_code == 0 and "sequence 2" in rotated.output, rotated.output


# -- YAML ----------------------------------------------------------------------------------------


def test_convert_json_to_yaml_and_back_is_identical_and_signable(
    tmp_path: Path, boards: list[str]
) -> None:
    source = tmp_path / "region.json"
    source.write_text(json.dumps(region(), indent=2, ensure_ascii=False), encoding="utf-8")
    as_yaml, back = tmp_path / "region.yaml", tmp_path / "back.json"
    assert run("trust", "convert", str(source), str(as_yaml)).exit_code == 0
    assert run("trust", "convert", str(as_yaml), str(back)).exit_code == 0
    assert _read(back) == _read(as_yaml) == parse_trust_list(region()).to_json_dict()
    assert "governance:\n" in as_yaml.read_text(encoding="utf-8")  # block YAML, not JSON

    signed_from = {}
    for name, path in (("yaml", as_yaml), ("json", back)):
        out = tmp_path / f"signed-{name}.json"
        result = run("trust", "sign", str(path), *(a for b in boards[:2] for a in ("--key", b)),
                     "--out", str(out))  # fmt: skip
        assert result.exit_code == 0, result.output
        signed_from[name] = json.loads(out.read_text())["payload"]
    assert signed_from["yaml"] == signed_from["json"]  # the same list is signed either way
    shown = run("trust", "show", str(as_yaml), "--lang", "es")
    assert shown.exit_code == 0 and "Municipios" in shown.output


def test_editing_a_yaml_list_keeps_it_yaml(tmp_path: Path, boards: list[str]) -> None:
    listing = tmp_path / "list.yml"
    init = ["trust", "init", str(listing), "--id", "urn:x", "--name", "en=R", *_keys(boards)]
    assert run(*init, "--issued", "2026-01-01T00:00:00Z").exit_code == 0
    add = ["trust", "add-municipality", str(listing), "m", "--name", "en=Yes", "--country", "NO"]
    assert run(*add).exit_code == 0
    text = listing.read_text(encoding="utf-8")
    assert "issued: '2026-01-01T00:00:00Z'" in text and "country: 'NO'" in text  # quoted
    assert _read(listing)["municipalities"] == [{"id": "m", "name": {"en": "Yes"}, "country": "NO"}]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t + "sequence: 9\n", "line 19: the key 'sequence' is given twice"),
        (lambda t: t.replace("sequence: 1", "sequence: &n 1"), "uses an anchor (&n)"),
        (lambda t: t.replace("sequence: 1", "sequence: !!int 1"), "uses the YAML tag"),
        (lambda t: t.replace("country: 'NO'", "country: NO"), "'NO' would be read as a YAML bool"),
        (lambda t: t.replace("sequence: 1", "sequence: 0x1"), "quote it for text"),
        (lambda t: t.replace("sequence: 1", "sequence: [" * 70 + "]" * 70), "deeper than 64"),
    ],
    ids=["duplicate", "anchor", "tag", "norway", "hex", "deep"],
)
def test_a_yaml_list_is_read_strictly(
    tmp_path: Path, boards: list[str], edit: Any, message: str
) -> None:
    listing = tmp_path / "list.yaml"
    init = ["trust", "init", str(listing), "--id", "urn:x", "--name", "en=R", *_keys(boards[:1])]
    assert run(*init).exit_code == 0
    assert run("trust", "add-municipality", str(listing), "m", "--name", "en=M",
               "--country", "NO").exit_code == 0  # fmt: skip
    listing.write_text(edit(listing.read_text(encoding="utf-8")), encoding="utf-8")
    result = run("trust", "show", str(listing))
    assert result.exit_code == 3, result.output
    assert message in result.output


def test_the_yaml_example_of_the_docs_is_a_valid_list(tmp_path: Path) -> None:
    doc = Path(__file__).resolve().parent.parent / "docs" / "trust-list.md"
    (example,) = re.findall(r"```yaml\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    listing = tmp_path / "list.yaml"
    listing.write_text(example, encoding="utf-8")
    trust_list = parse_trust_list(_read(listing))
    assert (len(trust_list.issuers), len(trust_list.agreements)) == (1, 1)
    shown = run("trust", "show", str(listing), "--lang", "fr")
    assert shown.exit_code == 0 and "Charpentier niveau 2" in shown.output


def test_yaml_needs_pyyaml_and_a_signed_list_stays_json(
    tmp_path: Path, boards: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps(region()))
    signed = tmp_path / "signed.yaml"
    assert (
        run("trust", "sign", str(listing), "--key", boards[0], "--out", str(signed)).exit_code == 0
    )
    refused = run("trust", "show", str(signed))
    assert refused.exit_code == 2 and "a signed list is JWS JSON" in refused.output
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml raises ImportError
    missing = run("trust", "convert", str(listing), str(tmp_path / "list.yaml"))
    assert missing.exit_code == 2 and "pip install 'vcportable[yaml]'" in missing.output
    assert run("trust", "show", str(signed)).exit_code == 3


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
