"""`vcportable serve --dev --setup-only`, `serve token create|list|revoke`, and the command the
W3C VC-JOSE-COSE suite runs (`python -m vcportable.server.jose_suite`)."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography import x509

from vcportable.cli import cli
from vcportable.keys import KeyPair, KeyType
from vcportable.server.config import load_config
from vcportable.server.dev import DEV_ISSUERS
from vcportable.server.jose_suite import main as jose_suite

JOSE = Path(__file__).parent / "vectors" / "jose"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_dev_setup_writes_everything_the_suites_need(tmp_path: Path) -> None:
    result = run("serve", "--dev", "--dir", str(tmp_path), "--port", "40999", "--setup-only")
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "server.toml")
    assert config.base_url == "https://127.0.0.1:40999"
    assert [i.name for i in config.issuers] == [i.name for i in DEV_ISSUERS]
    cert = x509.load_pem_x509_certificate((tmp_path / "cert.pem").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    assert (tmp_path / "cert-key.pem").stat().st_mode & 0o077 == 0
    local = (tmp_path / "localConfig.cjs").read_text()
    exported = json.loads(local.split("module.exports = ", 1)[1].rstrip().rstrip(";"))
    (implementation,) = exported["implementations"]
    tags = {t for issuer in implementation["issuers"] for t in issuer["tags"]}
    assert {"eddsa-rdfc-2022", "ecdsa-sd-2023", "vc2.0", "vc-api", "BitstringStatusList"} <= tags
    tokens = json.loads((tmp_path / "tokens.json").read_text())
    for issuer in implementation["issuers"]:
        assert issuer["id"].startswith("did:key:")
        name = issuer["endpoint"].split("/")[3]
        assert issuer["headers"]["Authorization"] == f"Bearer {tokens[name]}"


def test_serve_needs_config_or_dev() -> None:
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 2
    assert "--config FILE or --dev" in result.output


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["serve", "--config", "server.toml"], ["serve"]),
        (["serve", "--dev", "--setup-only"], ["serve"]),
        (
            ["serve", "token", "list", "--config", "x.toml", "--issuer", "a"],
            ["serve", "token", "list"],
        ),
    ],
)
@pytest.mark.parametrize("missing", ["fastapi", "uvicorn"])
def test_every_serve_command_names_the_missing_extra(
    args: list[str],
    command: list[str],
    missing: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, missing, None)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert f"({missing} is not installed): pip install 'vcportable[server]'" in result.output
    assert list(tmp_path.iterdir()) == []  # refused before anything is written
    assert CliRunner().invoke(cli, [*command, "--help"]).exit_code == 0  # help needs no extra


def test_token_create_list_revoke(tmp_path: Path) -> None:
    run("serve", "--dev", "--dir", str(tmp_path), "--setup-only")
    config = str(tmp_path / "server.toml")
    where = ["--config", config, "--issuer", "status-list"]
    created = run(
        "serve", "token", "create", "--config", config, "--issuer", "status-list",
        "--scope", "status", "--expires", "30d", "--label", "ops",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    text = created.stdout.strip()
    assert text.startswith("vcp_status-list_")
    token_id = text.split("_")[2]
    listed = run("serve", "token", "list", "--config", config, "--issuer", "status-list")
    assert token_id in listed.stdout and "status  active until" in listed.stdout
    assert text.split("_", 3)[3] not in listed.stdout  # the secret is never shown again
    revoked = run(
        "serve", "token", "revoke", "--config", config, "--issuer", "status-list", token_id
    )
    assert revoked.exit_code == 0
    assert (
        "revoked"
        in run("serve", "token", "list", "--config", config, "--issuer", "status-list").stdout
    )
    again = CliRunner().invoke(
        cli, ["serve", "token", "revoke", "--config", config, "--issuer", "status-list", token_id]
    )
    assert again.exit_code == 2
    bad = CliRunner().invoke(
        cli, ["serve", "token", "create", "--config", config, "--issuer", "nobody"]
    )
    assert bad.exit_code == 2 and "no issuer named 'nobody'" in bad.output
    scope = CliRunner().invoke(cli, ["serve", "token", "create", *where, "--scope", "admin"])
    assert scope.exit_code == 2 and "unknown: admin" in scope.output


def test_a_token_before_the_first_start_says_the_server_makes_the_registry(
    tmp_path: Path,
) -> None:
    KeyPair.generate(KeyType.ED25519).save(tmp_path / "a.json", None)
    config = tmp_path / "server.toml"
    config.write_text('[server]\ninsecure_http = true\n[[issuers]]\nname = "a"\nkey = "a.json"\n')
    for command in (["create"], ["list"], ["revoke", "abc"]):
        result = CliRunner().invoke(
            cli,
            ["serve", "token", command[0], "--config", str(config), "--issuer", "a", *command[1:]],
        )
        assert result.exit_code == 2, result.output
        assert "issuer a has no registry yet: the server creates it" in result.output
        assert "issuer init" not in result.output
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.json", "server.toml"]  # no empty .db


@pytest.mark.parametrize(
    "function, feature, input_file, key, expected",
    [
        ("issue", "credential_jose", "credential-minimal.json", "vm-p256.json", "success"),
        ("verify", "credential_jose", "credential-jose-minimal.txt", "vm-p256.json", "success"),
        ("verify", "credential_jose", "credential-jose-bad-signature.txt", "vm-ed25519.json", "failure"),  # noqa: E501
        ("issue", "credential_sdjwt", "credential-selective.json", "vm-p384.json", "success"),
        ("verify", "credential_sdjwt", "credential-sdjwt-selective.txt", "vm-p384.json", "success"),
        ("verify", "credential_cose", "credential-jose-minimal.txt", "vm-p256.json", "indeterminate"),  # noqa: E501
    ],
)  # fmt: skip
def test_jose_suite_command(
    tmp_path: Path, function: str, feature: str, input_file: str, key: str, expected: str
) -> None:
    out = tmp_path / "out.json"
    code = jose_suite(
        [function, "--input", str(JOSE / input_file), "--key", str(JOSE / key),
         "--feature", feature, "--output", str(out)]
    )  # fmt: skip
    assert code == 0
    assert json.loads(out.read_text())["result"] == expected


def test_serve_refuses_a_broken_configuration_before_listening(tmp_path: Path) -> None:
    config = tmp_path / "server.toml"
    config.write_text(
        '[server]\ninsecure_http = true\n[[issuers]]\nname = "a"\nkey = "missing.json"\n'
    )
    result = CliRunner().invoke(cli, ["serve", "--config", str(config)])
    assert result.exit_code == 3
    assert "missing.json does not exist" in result.output
    assert "Traceback" not in result.output


def test_jose_suite_issues_an_sd_jwt_presentation(tmp_path: Path) -> None:
    """Test 19 of the suite: the presentation itself as a vp+sd-jwt, the named members
    disclosable; members every verifier must see stay in the clear."""
    from vcportable.proofs.sdjwt.issue import disclosures_of

    enveloped = {
        "@context": "https://www.w3.org/ns/credentials/v2",
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+sd-jwt,e30.e30.c2ln~",
    }
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "https://example.issuer/vc-jose-cose",
        "verifiableCredential": [enveloped],
    }
    source = tmp_path / "presentation.json"
    source.write_text(json.dumps(presentation))

    def issue(paths: list[str]) -> Any:
        out = tmp_path / "out.json"
        key = str(JOSE / "vm-p384.json")
        args = ["issue", "--input", str(source), "--key", key, "--feature", "presentation_sdjwt",
                "--sd", json.dumps(paths), "--output", str(out)]  # fmt: skip
        assert jose_suite(args) == 0
        return json.loads(out.read_text())

    issued = issue(["holder", "verifiableCredential[0]"])
    assert issued["result"] == "success"
    token = issued["data"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["typ"] == "vp+sd-jwt" and header["cty"] == "vp" and header["alg"] == "ES384"
    disclosed = {(d.name, json.dumps(d.value)) for d in disclosures_of(token)}
    assert disclosed == {
        ("holder", json.dumps(presentation["holder"])),
        (None, json.dumps(enveloped)),
    }
    assert issue(["type"])["result"] == "failure"
