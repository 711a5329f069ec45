"""The CLI contract: commands, output, exit codes, and no traceback on bad input."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import VECTORS, load_json, unsigned_sample
from vcportable.cli import cli
from vcportable.cli.render import render_panel

SAMPLE = str(VECTORS.parent.parent / "examples" / "credentials" / "carpenter-level-2.json")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Any:
    result = CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def keyfile(tmp_path: Path) -> Path:
    path = tmp_path / "issuer.key"
    result = run("key", "generate", "--out", str(path), "--no-passphrase")
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def signed_file(tmp_path: Path, keyfile: Path) -> Path:
    out = tmp_path / "signed.json"
    result = run("issue", "--key", str(keyfile), "--credential", SAMPLE, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_key_generate_prints_did_last(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    result = run(
        "key",
        "generate",
        "--type",
        "p256",
        "--out",
        str(path),
        "--passphrase-env",
        "PW",
        env={"PW": "correct horse"},
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("did:key:zDn")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_key_generate_refuses_to_overwrite(keyfile: Path) -> None:
    result = run("key", "generate", "--out", str(keyfile), "--no-passphrase")
    assert result.exit_code == 4
    assert "key file" in result.output


def test_key_generate_needs_a_passphrase_source(tmp_path: Path) -> None:
    result = run("key", "generate", "--out", str(tmp_path / "k.key"))
    assert result.exit_code == 2
    assert "passphrase" in result.output


def test_did_show(keyfile: Path) -> None:
    result = run("did", "show", str(keyfile))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["id"].startswith("did:key:z6Mk")
    assert document["assertionMethod"]


def test_issue_prints_signed_credential_with_issuer_name(keyfile: Path) -> None:
    result = run("issue", "--key", str(keyfile), "--credential", SAMPLE)
    assert result.exit_code == 0, result.output
    signed = json.loads(result.stdout)
    did = run("did", "show", str(keyfile))
    assert signed["issuer"]["id"] == json.loads(did.stdout)["id"]
    assert signed["issuer"]["name"] == json.loads(Path(SAMPLE).read_text())["issuer"]["name"]
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"


def test_issue_sets_valid_from_when_absent(tmp_path: Path, keyfile: Path) -> None:
    unsigned = unsigned_sample()
    del unsigned["validFrom"]
    source = tmp_path / "u.json"
    source.write_text(json.dumps(unsigned))
    result = run("issue", "--key", str(keyfile), "--credential", str(source))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["validFrom"].endswith("Z")


def test_issue_encrypted_key(tmp_path: Path) -> None:
    path = tmp_path / "enc.key"
    env = {"PW": "s3cret passphrase"}
    assert (
        run("key", "generate", "--out", str(path), "--passphrase-env", "PW", env=env).exit_code == 0
    )
    ok = run("issue", "--key", str(path), "--credential", SAMPLE, "--passphrase-env", "PW", env=env)
    assert ok.exit_code == 0, ok.output
    wrong = run(
        "issue",
        "--key",
        str(path),
        "--credential",
        SAMPLE,
        "--passphrase-env",
        "PW",
        env={"PW": "wrong"},
    )
    assert wrong.exit_code == 3
    assert "passphrase" in wrong.output.lower()


def test_issue_rejects_invalid_credential_naming_the_field(tmp_path: Path, keyfile: Path) -> None:
    unsigned = unsigned_sample()
    del unsigned["credentialSubject"]["achievement"]["name"]
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(unsigned))
    out = tmp_path / "out.json"
    result = run("issue", "--key", str(keyfile), "--credential", str(source), "--out", str(out))
    assert result.exit_code == 1
    assert "credentialSubject.achievement.name" in result.output
    assert not out.exists()


def test_issue_unknown_cryptosuite_is_usage_error(keyfile: Path) -> None:
    result = run("issue", "--key", str(keyfile), "--credential", SAMPLE, "--cryptosuite", "rot13")
    assert result.exit_code == 2
    assert "eddsa-rdfc-2022" in result.output


def test_verify_human_output(signed_file: Path) -> None:
    result = run("verify", str(signed_file))
    assert result.exit_code == 0, result.output
    assert "VERIFIED" in result.output
    assert "Carpenter - Level 2" in result.output


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines()]


def test_verify_json_is_one_line_per_input_with_its_name(signed_file: Path, tmp_path: Path) -> None:
    tampered = json.loads(signed_file.read_text())
    tampered["credentialSubject"]["name"] = "Eve"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tampered))
    result = run("verify", "--json", str(signed_file), str(bad))
    assert result.exit_code == 1
    reports = json_lines(result.stdout)
    assert [(r["input"], r["verified"]) for r in reports] == [
        (str(signed_file), True),
        (str(bad), False),
    ]
    assert all("checks" in r for r in reports)
    single = json_lines(run("verify", "--json", str(signed_file)).stdout)
    assert [(r["input"], r["verified"]) for r in single] == [(str(signed_file), True)]


def test_verify_stdin(signed_file: Path) -> None:
    result = run("verify", "-", input=signed_file.read_text())
    assert result.exit_code == 0, result.output


def test_verify_at(signed_file: Path) -> None:
    result = run("verify", "--json", "--at", "2031-01-01T00:00:00Z", str(signed_file))
    assert result.exit_code == 1
    assert any(c["code"] == "EXPIRED" for c in json_lines(result.stdout)[0]["checks"])
    assert run("verify", "--at", "yesterday", str(signed_file)).exit_code == 2


def test_verify_unreadable_input(tmp_path: Path) -> None:
    result = run("verify", str(tmp_path / "missing.json"))
    assert result.exit_code == 3
    assert "cannot read" in result.output


@pytest.mark.parametrize("content", ["not json", '{"truncated": ', "[" * 5000, "[]"])
def test_verify_input_with_no_credential_in_it_is_unreadable(tmp_path: Path, content: str) -> None:
    path = tmp_path / "in.json"
    path.write_text(content)
    result = run("verify", str(path))
    assert result.exit_code == 3
    assert "NOT VERIFIED" in result.stdout and result.stderr.startswith(
        f"Error: cannot read {path}"
    )


def test_verify_a_credential_that_breaks_the_model_is_not_verified(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text("{}")
    result = run("verify", str(path))
    assert result.exit_code == 1 and "NOT VERIFIED" in result.stdout and not result.stderr


def test_verify_usage_error() -> None:
    assert run("verify").exit_code == 2


def test_console_script_has_no_traceback(tmp_path: Path) -> None:
    """The real entry point, as a user runs it."""
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    proc = subprocess.run(
        [sys.executable, "-c", "from vcportable.cli import main; main()", "verify", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr + proc.stdout


# -- JOSE formats ---------------------------------------------------------------------------


def test_issue_jwt_and_verify(tmp_path: Path, keyfile: Path) -> None:
    token = run("issue", "--key", str(keyfile), "--credential", SAMPLE, "--format", "jwt")
    assert token.exit_code == 0, token.output
    assert token.stdout.count(".") == 2
    path = tmp_path / "cred.jwt"
    path.write_text(token.stdout)
    result = run("verify", "--json", str(path))
    assert result.exit_code == 0, result.output
    report = json_lines(result.stdout)[0]
    assert report["format"] == "vc+jwt"
    assert any(c["id"] == "data_model" and c["status"] == "passed" for c in report["checks"])


def test_sd_jwt_issue_present_verify(tmp_path: Path, keyfile: Path) -> None:
    holder = tmp_path / "holder.key"
    did = run("key", "generate", "--out", str(holder), "--no-passphrase").stdout.strip()
    issued = run(
        "issue",
        "--key",
        str(keyfile),
        "--credential",
        SAMPLE,
        "--format",
        "sd-jwt",
        "--holder",
        did,
    )
    assert issued.exit_code == 0, issued.output
    sd_jwt = tmp_path / "cred.sd-jwt"
    sd_jwt.write_text(issued.stdout)
    shown = run(
        "present",
        "--credential",
        str(sd_jwt),
        "--disclose",
        "credentialSubject.name",
        "--holder-key",
        str(holder),
        "--nonce",
        "n-1",
        "--aud",
        "https://employer.example",
    )
    assert shown.exit_code == 0, shown.output
    presentation = tmp_path / "presentation.sd-jwt"
    presentation.write_text(shown.stdout)
    result = run(
        "verify",
        "--json",
        "--require-key-binding",
        "--challenge",
        "n-1",
        "--domain",
        "https://employer.example",
        str(presentation),
    )
    assert result.exit_code == 0, result.output
    [report] = json_lines(result.stdout)
    assert report["disclosed"] == [{"path": "credentialSubject.name", "value": "Maria Example"}]
    human = run("verify", str(presentation))
    assert "disclosed:    credentialSubject.name = Maria Example" in human.output
    wrong = run(
        "verify",
        "--json",
        "--require-key-binding",
        "--challenge",
        "other",
        "--domain",
        "https://employer.example",
        str(presentation),
    )
    assert wrong.exit_code == 1


def test_present_json_ld_credential(tmp_path: Path, keyfile: Path) -> None:
    holder = tmp_path / "holder.key"
    did = run("key", "generate", "--out", str(holder), "--no-passphrase").stdout.strip()
    # She presents her own credential: the board issues it for her DID.
    signed = run("issue", "--key", str(keyfile), "--credential", SAMPLE, "--subject", did)
    assert signed.exit_code == 0, signed.output
    assert json.loads(signed.stdout)["credentialSubject"]["id"] == did
    signed_file = tmp_path / "hers.signed.json"
    signed_file.write_text(signed.stdout)
    shown = run(
        "present",
        "--credential",
        str(signed_file),
        "--holder-key",
        str(holder),
        "--nonce",
        "c-9",
        "--aud",
        "employer.example",
    )
    assert shown.exit_code == 0, shown.output
    vp = tmp_path / "vp.json"
    vp.write_text(shown.stdout)
    ok = run("verify", "--challenge", "c-9", "--domain", "employer.example", str(vp))
    assert ok.exit_code == 0, ok.output
    assert "enclosed credential 1: verified" in ok.output
    assert run("verify", "--challenge", "c-10", str(vp)).exit_code == 1


def test_present_usage_errors(signed_file: Path) -> None:
    no_key = run("present", "--credential", str(signed_file))
    assert no_key.exit_code == 2 and "--holder-key" in no_key.output
    sd = run("present", "--credential", str(signed_file), "--disclose", "credentialSubject.name")
    assert sd.exit_code == 2 and "SD-JWT" in sd.output


def test_issue_sd_options_need_sd_jwt(keyfile: Path) -> None:
    result = run("issue", "--key", str(keyfile), "--credential", SAMPLE, "--disclosable", "x")
    assert result.exit_code == 2


def test_verify_alg_none_token(tmp_path: Path) -> None:
    import base64

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = (
        f"{b64({'alg': 'none', 'typ': 'vc+jwt'})}.{b64(load_json('interop/sample-unsigned.json'))}."
    )
    path = tmp_path / "none.jwt"
    path.write_text(token)
    result = run("verify", "--json", str(path))
    assert result.exit_code == 1
    assert any(c["code"] == "ALG_NOT_ALLOWED" for c in json_lines(result.stdout)[0]["checks"])


def test_cli_process_has_no_network_client() -> None:
    """In the CLI's process pyld gets no HTTP client: its default loader refuses every URL."""
    code = (
        "from vcportable.cli import _disable_network_clients\n"
        "_disable_network_clients()\n"
        "from pyld import jsonld\n"
        "try:\n"
        "    jsonld.get_document_loader()('https://example.com/ctx', {})\n"
        "except Exception as exc:\n"
        "    print('refused', type(exc).__name__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("refused")


def test_verify_keeps_going_after_an_unreadable_input(tmp_path: Path, signed_file: Path) -> None:
    result = run("verify", "--json", str(tmp_path / "missing.json"), str(signed_file))
    assert result.exit_code == 3
    reports = json_lines(result.stdout)
    assert [r["verified"] for r in reports] == [False, True]
    assert "cannot read" in reports[0]["checks"][0]["message"]


def test_issue_out_into_missing_folder(tmp_path: Path, keyfile: Path) -> None:
    out = tmp_path / "no" / "such" / "dir.json"
    result = run("issue", "--key", str(keyfile), "--credential", SAMPLE, "--out", str(out))
    assert result.exit_code == 4
    assert "cannot write" in result.output


@pytest.mark.parametrize("context", [{"@vocab": "https://x.example/"}, [], 5])
def test_issue_odd_context_is_a_clear_error(tmp_path: Path, keyfile: Path, context: Any) -> None:
    unsigned = unsigned_sample()
    unsigned["@context"] = context
    source = tmp_path / "odd.json"
    source.write_text(json.dumps(unsigned))
    result = run("issue", "--key", str(keyfile), "--credential", str(source))
    assert result.exit_code == 1
    assert "@context" in result.output


def test_issue_refuses_a_credential_typed_as_presentation(tmp_path: Path, keyfile: Path) -> None:
    unsigned = unsigned_sample()
    unsigned["type"].append("VerifiablePresentation")
    source = tmp_path / "both.json"
    source.write_text(json.dumps(unsigned))
    result = run("issue", "--key", str(keyfile), "--credential", str(source))
    assert result.exit_code == 1
    assert "VerifiablePresentation" in result.output


def test_human_output_neutralises_terminal_escapes(tmp_path: Path, signed_file: Path) -> None:
    forged = json.loads(signed_file.read_text())
    forged["name"] = "X\x1b[2A\r\x1b[2K\x1b[1;32mVERIFIED\x1b[0m\u202e"
    path = tmp_path / "ansi.json"
    path.write_text(json.dumps(forged))
    result = run("verify", str(path))
    assert result.exit_code == 1
    assert "\x1b[2A" not in result.output and "\r" not in result.output
    assert "\u202e" not in result.output
    assert "\\u001b[2A" in result.output


def test_present_checks_usage_before_asking_for_a_passphrase(
    tmp_path: Path, signed_file: Path
) -> None:
    holder = tmp_path / "holder.key"
    env = {"PW": "holder passphrase"}
    run("key", "generate", "--out", str(holder), "--passphrase-env", "PW", env=env)
    # No passphrase source at all: the usage error must come first, not a passphrase error.
    result = run(
        "present",
        "--credential",
        str(signed_file),
        "--holder-key",
        str(holder),
        "--disclose",
        "credentialSubject.name",
    )
    assert result.exit_code == 2 and "SD-JWT" in result.output


def test_present_refuses_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"name": "\xff"}')
    holder = tmp_path / "holder.key"
    run("key", "generate", "--out", str(holder), "--no-passphrase")
    result = run("present", "--credential", str(path), "--holder-key", str(holder))
    assert result.exit_code == 3 and "not UTF-8" in result.output


# -- the verdict shows what was certified --------------------------------------------------

LEVEL = "urn:uuid:0d6e9b2a-5c1f-4e8b-9a3d-7f2c1b0e4a55"


def certified_sample() -> dict[str, Any]:
    """The sample with an achieved rubric level and evidence, as OB 3.0 states them."""
    unsigned = unsigned_sample()
    achievement = unsigned["credentialSubject"]["achievement"]
    achievement["achievementType"] = "License"
    achievement["alignment"] = [
        {
            "type": ["Alignment"],
            "targetName": "carpenter",
            "targetFramework": "ESCO",
            "targetCode": "7115.1",
            "targetUrl": "http://data.europa.eu/esco/occupation/48c4d0c9",
        },
        {
            "type": ["Alignment"],
            "targetName": "EQF level 4",
            "targetFramework": "EQF",
            "targetCode": "4",
            "targetUrl": "http://data.europa.eu/snb/eqf/4",
        },
    ]
    achievement["resultDescription"] = [
        {
            "id": "urn:uuid:2a4c6e8f-1b3d-4f5a-8c7e-9d0b1a2c3e4f",
            "type": ["ResultDescription"],
            "name": "Practical examination",
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [
                {"id": LEVEL, "type": ["RubricCriterionLevel"], "name": "Journeyman"}
            ],
        }
    ]
    unsigned["credentialSubject"]["result"] = [
        {
            "type": ["Result"],
            "resultDescription": "urn:uuid:2a4c6e8f-1b3d-4f5a-8c7e-9d0b1a2c3e4f",
            "achievedLevel": LEVEL,
        }
    ]
    unsigned["evidence"] = [
        {
            "id": "https://board.example/exams/2025-117",
            "type": ["Evidence"],
            "name": "Workshop task",
            "narrative": "16 h timber frame build",
        }
    ]
    return unsigned


@pytest.fixture
def certified_file(tmp_path: Path, keyfile: Path) -> Path:
    source = tmp_path / "certified.json"
    source.write_text(json.dumps(certified_sample()))
    out = tmp_path / "certified.signed.json"
    result = run("issue", "--key", str(keyfile), "--credential", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_verdict_json_shows_what_was_certified(certified_file: Path) -> None:
    [report] = json_lines(run("verify", "--json", str(certified_file)).stdout)
    subject = unsigned_sample()["credentialSubject"]
    assert report["subject"] == subject["id"]
    assert report["subject_name"] == subject["name"]
    achievement = report["achievement"]
    assert achievement["name"] == subject["achievement"]["name"]
    assert achievement["description"] == subject["achievement"]["description"]
    assert achievement["achievement_type"] == "License"
    assert achievement["level"] == "Journeyman"
    assert [(a["framework"], a["code"], a["name"]) for a in achievement["alignments"]] == [
        ("ESCO", "7115.1", "carpenter"),
        ("EQF", "4", "EQF level 4"),
    ]
    assert report["evidence"] == [
        {
            "id": "https://board.example/exams/2025-117",
            "name": "Workshop task",
            "narrative": "16 h timber frame build",
        }
    ]
    assert report["issuer"].startswith("did:key:") and report["issuer_name"]
    assert report["valid_from"] and report["valid_until"]


def test_verdict_text_shows_what_was_certified(certified_file: Path) -> None:
    output = run("verify", str(certified_file)).output
    for expected in (
        "subject:      ",
        "achievement:  ",
        "type:         License",
        "level:        Journeyman",
        "alignment:    ESCO: 7115.1 (carpenter) http://data.europa.eu/esco/occupation/48c4d0c9",
        "alignment:    EQF: 4 (EQF level 4)",
        "evidence:     Workshop task 16 h timber frame build",
        "valid:        ",
    ):
        assert expected in output, expected


def test_verdict_omits_what_the_credential_does_not_carry(tmp_path: Path, keyfile: Path) -> None:
    unsigned = unsigned_sample()
    achievement = unsigned["credentialSubject"]["achievement"]
    for name in ("alignment", "achievementType"):
        achievement.pop(name, None)
    unsigned.pop("evidence", None)
    unsigned.pop("validUntil", None)
    source = tmp_path / "plain.json"
    source.write_text(json.dumps(unsigned))
    signed = tmp_path / "plain.signed.json"
    assert run("issue", "--key", str(keyfile), "--credential", str(source), "--out", str(signed))
    [report] = json_lines(run("verify", "--json", str(signed)).stdout)
    for absent in ("evidence", "valid_until", "disclosed"):
        assert absent not in report
    for absent in ("alignments", "achievement_type", "level"):
        assert absent not in report["achievement"]
    output = run("verify", str(signed)).output
    for label in ("alignment:", "level:", "evidence:", "type:"):
        assert label not in output


UNSAFE = "\u2028\u2029\u200b\u200d\u2066\u202e\u061c\ufeff\x85\x1b"


def test_verdict_neutralises_unsafe_characters_from_the_credential(
    tmp_path: Path, keyfile: Path
) -> None:
    unsigned = certified_sample()
    unsigned["credentialSubject"]["achievement"]["name"] = f"Carpenter{UNSAFE}[31mLevel 2"
    unsigned["evidence"][0]["name"] = f"Task{UNSAFE}"
    source = tmp_path / "unsafe.json"
    source.write_text(json.dumps(unsigned))
    signed = tmp_path / "unsafe.signed.json"
    assert run("issue", "--key", str(keyfile), "--credential", str(source), "--out", str(signed))
    text = run("verify", str(signed)).output
    panel = render_panel("x", verify_report(signed), colour=False)
    for output in (text, panel):
        assert not any(c in output for c in UNSAFE), output
        assert "\\u2028" in output and "\\u202e" in output and "\\u200b" in output
    # JSON escapes everything outside ASCII, so a terminal showing it is safe too.
    raw = run("verify", "--json", str(signed)).stdout
    assert raw.isascii() and "\x1b" not in raw


def verify_report(path: Path) -> Any:
    from vcportable.verifier import Verifier

    return Verifier().verify(path.read_bytes())


def test_verdict_panel_on_a_terminal(certified_file: Path) -> None:
    panel = render_panel(str(certified_file), verify_report(certified_file), colour=True)
    assert "VERIFIED" in panel and "Journeyman" in panel and "ESCO: 7115.1" in panel
    assert "\x1b[" in panel  # coloured
    plain = render_panel(str(certified_file), verify_report(certified_file), colour=False)
    assert "\x1b[3" not in plain  # no colour codes (bold may stay)


# -- issuing guards, BOM, colour -----------------------------------------------------------

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("fmt", ["jwt", "sd-jwt"])
def test_cryptosuite_with_a_token_format_is_a_usage_error(keyfile: Path, fmt: str) -> None:
    result = run(
        "issue", "--key", str(keyfile), "--credential", SAMPLE, "--format", fmt,
        "--cryptosuite", "eddsa-jcs-2022",
    )  # fmt: skip
    assert result.exit_code == 2 and "--cryptosuite" in result.stderr


@pytest.mark.parametrize(
    ("field", "value", "warning"),
    [
        ("validUntil", "2001-01-01T00:00:00Z", "is in the past"),
        ("validFrom", "2099-01-01T00:00:00Z", "is more than 365 days ahead"),
    ],
)
def test_issue_warns_on_improbable_dates(
    tmp_path: Path, keyfile: Path, field: str, value: str, warning: str
) -> None:
    unsigned = unsigned_sample()
    unsigned[field] = value
    if field == "validUntil":
        unsigned["validFrom"] = "2000-01-01T00:00:00Z"
    else:
        unsigned.pop("validUntil", None)
    source = tmp_path / "dates.json"
    source.write_text(json.dumps(unsigned))
    result = run("issue", "--key", str(keyfile), "--credential", str(source))
    assert result.exit_code == 0, result.output
    assert f"Warning: {field} {value} {warning}" in result.stderr
    assert json.loads(result.stdout)[field] == value


def test_issue_does_not_warn_on_ordinary_dates(keyfile: Path) -> None:
    result = run("issue", "--key", str(keyfile), "--credential", SAMPLE)
    assert result.exit_code == 0 and "Warning" not in result.stderr


@pytest.mark.parametrize("fmt", ["di", "jwt", "sd-jwt"])
def test_a_bom_is_stripped_from_every_input(tmp_path: Path, keyfile: Path, fmt: str) -> None:
    source = tmp_path / "bom.json"
    source.write_bytes(BOM + Path(SAMPLE).read_bytes())
    issued = run("issue", "--key", str(keyfile), "--credential", str(source), "--format", fmt)
    assert issued.exit_code == 0, issued.output
    signed = tmp_path / "signed-with-bom"
    signed.write_bytes(BOM + issued.stdout.encode("utf-8"))  # as a Windows editor saves it
    result = run("verify", "--json", str(signed))
    assert result.exit_code == 0, result.output
    assert run("verify", "-", input=signed.read_text("utf-8")).exit_code == 0


def test_colour_follows_no_color_and_the_flags(signed_file: Path) -> None:
    def coloured(*args: str, env: dict[str, str] | None = None) -> bool:
        result = CliRunner().invoke(cli, [*args, "verify", str(signed_file)], env=env, color=True)
        assert result.exit_code == 0, result.output
        return "\x1b[" in result.stdout

    assert coloured()  # a terminal (CliRunner with color=True stands in for one)
    assert not coloured(env={"NO_COLOR": "1"})
    assert coloured("--color", env={"NO_COLOR": "1"})
    assert not coloured("--no-color")


# -- verify: what a phone sends, the trust list, the status lists ---------------------------


def test_verify_reads_envelope_text_qr_photo_and_baked_badge(
    tmp_path: Path, signed_file: Path
) -> None:
    from vcportable.envelope import bake, encode, render

    text = encode(signed_file.read_text())
    inputs = {
        "envelope.txt": text.encode("ascii"),
        "qr.png": render(text, "png"),
        "badge.png": bake(render(text, "png"), signed_file.read_text()),
    }
    for name, data in inputs.items():
        (tmp_path / name).write_bytes(data)
    result = run("verify", "--json", *(str(tmp_path / name) for name in inputs))
    assert result.exit_code == 0, result.output
    assert [r["verified"] for r in json_lines(result.stdout)] == [True, True, True]


def test_verify_a_photo_without_a_credential_is_unreadable(tmp_path: Path) -> None:
    from vcportable.envelope import render

    photo = tmp_path / "other.png"
    photo.write_bytes(render("HELLO WORLD", "png"))
    result = run("verify", str(photo))
    assert result.exit_code == 3 and result.stderr.startswith(f"Error: cannot read {photo}")


@pytest.fixture
def region_files(tmp_path: Path) -> dict[str, str]:
    """The fixture region's trust list, signed by its boards, and two credentials."""
    from fixtures.trust_region import (
        BOARDS,
        CARPENTER,
        HILLSIDE_FRAUD,
        ISSUER_KEYS,
        RIVERSIDE_BUILD,
        credential,
        issue,
        region,
    )
    from vcportable.trust.model import parse_trust_list
    from vcportable.trust.signing import sign_trust_list

    signed = sign_trust_list(parse_trust_list(region()), list(BOARDS.values()))
    (tmp_path / "region.json").write_bytes(signed)
    for name, issuer in (("trusted", RIVERSIDE_BUILD), ("fraud", HILLSIDE_FRAUD)):
        document = issue(credential(issuer, CARPENTER), ISSUER_KEYS[issuer])
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    files = {name: str(tmp_path / f"{name}.json") for name in ("region", "trusted", "fraud")}
    return files | {f"key{n}": k.public_key.to_multibase() for n, k in enumerate(BOARDS.values())}


def test_verify_with_the_trust_list(region_files: dict[str, str]) -> None:
    from fixtures.trust_region import NOW

    trust = ["--trust-list", region_files["region"], "--as", "riverside", "--at", NOW.isoformat()]
    for n in range(3):
        trust += ["--governance-key", region_files[f"key{n}"]]
    ok = run("verify", *trust, region_files["trusted"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("ACCEPTED")
    fraud = run("verify", "--json", *trust, region_files["fraud"])
    assert fraud.exit_code == 1
    [report] = json_lines(fraud.stdout)
    assert any(c["code"] == "ISSUER_NOT_TRUSTED" for c in report["checks"])
    assert report["verdict"]["level"] == "rejected" and report["verdict"]["reason"]
    in_spanish = run("verify", *trust, "--lang", "es", region_files["trusted"])
    assert in_spanish.exit_code == 0 and not in_spanish.stdout.startswith("ACCEPTED")
    forged = run("verify", *trust[:4], "--governance-key", region_files["key0"],
                 region_files["trusted"])  # fmt: skip
    assert forged.exit_code != 0 and "Traceback" not in forged.output


def test_verify_without_a_trust_list_says_the_issuer_was_not_checked(signed_file: Path) -> None:
    result = run("verify", str(signed_file))
    assert result.exit_code == 0 and result.stdout.startswith("GENUINE, ISSUER NOT CHECKED")
    [report] = json_lines(run("verify", "--json", str(signed_file)).stdout)
    assert report["verdict"]["level"] == "genuine_untrusted"


def test_verify_with_cached_status_lists(tmp_path: Path) -> None:
    env = {"VCPORTABLE_DB": str(tmp_path / "registry.db")}
    key = tmp_path / "issuer.key"
    assert run("key", "generate", "--out", str(key), "--no-passphrase").exit_code == 0
    init = run(
        "issuer", "init", "--db", env["VCPORTABLE_DB"], "--key", str(key),
        "--name", "Riverside Board", "--municipality", "Riverside",
        "--status-url", "https://status.example/riverside", env=env,
    )  # fmt: skip
    assert init.exit_code == 0, init.output
    roster = tmp_path / "roster.csv"
    roster.write_text("key,name,subject_id\nw1,Ana,did:example:ana\nw2,Ben,did:example:ben\n")
    out = tmp_path / "out"
    batch = run(
        "issue-batch", str(roster), "--achievement", SAMPLE, "--out-dir", str(out),
        "--workers", "1", env=env,
    )  # fmt: skip
    assert batch.exit_code == 0, batch.output
    ana = json.loads((out / "w1.json").read_text())
    assert run("revoke", ana["id"], "--reason", "fraud", env=env).exit_code == 0
    status = tmp_path / "status"
    assert run("status", "publish", "--out", str(status), env=env).exit_code == 0
    result = run("verify", "--json", "--status-dir", str(status), str(out / "w1.json"),
                 str(out / "w2.json"))  # fmt: skip
    assert result.exit_code == 1
    revoked, valid = json_lines(result.stdout)
    assert any(c["code"] == "REVOKED" for c in revoked["checks"]) and not revoked["verified"]
    assert valid["verified"], valid
    (tmp_path / "empty").mkdir()
    missing = run("verify", "--status-dir", str(tmp_path / "empty"), str(out / "w2.json"))
    assert missing.exit_code == 3 and "index.json" in missing.stderr


@pytest.mark.parametrize("holder", ["did:web:nowhere.example", "not-a-did"])
def test_an_unresolvable_holder_is_a_usage_error(keyfile: Path, holder: str) -> None:
    args = ["--credential", SAMPLE, "--format", "sd-jwt", "--holder", holder]
    result = run("issue", "--key", str(keyfile), *args)
    assert result.exit_code == 2 and "--holder" in result.stderr


def test_the_verdict_line_is_neutralised_too(
    monkeypatch: pytest.MonkeyPatch, signed_file: Path
) -> None:
    """Whatever a check message quotes from a credential, the one-line verdict shows it safely."""
    from vcportable.cli.trust import verdict_line
    from vcportable.trust.verdict import Verdict, VerdictLevel

    def quoting(report: Any, lang: str | None = None) -> Verdict:
        return Verdict(VerdictLevel.REJECTED, "issuer \x1b[2J\u202eXYZ")

    monkeypatch.setattr("vcportable.trust.verdict.verdict", quoting)
    line = verdict_line(verify_report(signed_file), None)
    assert "\x1b[2J" not in line and "\u202e" not in line and "\\u202e" in line
