"""``vcportable serve --dev``: everything a newcomer (or the W3C suites) needs, in one folder.

A self-signed certificate for 127.0.0.1, did:key issuers for every cryptosuite vcportable signs
with (Ed25519, P-256, P-384), a status-list issuer, a throw-away SQLite registry per issuer, a
token per issuer, the configuration file that ties them together, and the ``localConfig.cjs``
the W3C test suites read. Nothing here is for production: the keys are not encrypted.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..clock import FixedClock
from ..fileutil import write_atomic
from ..keys import KeyPair, KeyType
from ..keys.curves import CURVES
from ..proofs.dataintegrity import ecdsa_sd
from .config import ServerConfig, load_config
from .tokens import create_token


@dataclass(frozen=True)
class DevIssuer:
    name: str
    cryptosuite: str
    key_type: KeyType
    status: bool = False


#: One issuer per cryptosuite and curve, as the suites want them, and the status-list issuer.
DEV_ISSUERS = (
    DevIssuer("eddsa-rdfc-2022", "eddsa-rdfc-2022", KeyType.ED25519),
    DevIssuer("eddsa-jcs-2022", "eddsa-jcs-2022", KeyType.ED25519),
    DevIssuer("ecdsa-rdfc-2019-p256", "ecdsa-rdfc-2019", KeyType.P256),
    DevIssuer("ecdsa-rdfc-2019-p384", "ecdsa-rdfc-2019", KeyType.P384),
    DevIssuer("ecdsa-jcs-2019-p256", "ecdsa-jcs-2019", KeyType.P256),
    DevIssuer("ecdsa-jcs-2019-p384", "ecdsa-jcs-2019", KeyType.P384),
    DevIssuer("ecdsa-sd-2023", "ecdsa-sd-2023", KeyType.P256),
    DevIssuer("status-list", "eddsa-rdfc-2022", KeyType.ED25519, status=True),
)


@dataclass(frozen=True)
class DevSetup:
    config_path: Path
    local_config: Path
    config: ServerConfig
    dids: dict[str, str]
    tokens: dict[str, str]


def self_signed_certificate(cert_path: Path, key_path: Path, *, now: datetime) -> None:
    """A P-256 certificate for 127.0.0.1 and localhost, valid 30 days."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vcportable dev server")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomic(key_path, key_bytes, mode=0o600)
    write_atomic(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def make_dev_setup(folder: Path, *, port: int, now: datetime | None = None) -> DevSetup:
    """Write keys, certificate, configuration, tokens (``tokens.json``) and localConfig.cjs
    into ``folder``."""
    now = now or datetime.now(UTC)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "keys").mkdir(exist_ok=True)
    self_signed_certificate(folder / "cert.pem", folder / "cert-key.pem", now=now)
    lines = [
        "# written by `vcportable serve --dev`: unencrypted keys, for testing only",
        "[server]",
        'host = "127.0.0.1"',
        f"port = {port}",
        'tls_cert = "cert.pem"',
        'tls_key = "cert-key.pem"',
        'data_dir = "data"',
        "allow_unbound_issuer = false",
        "",
    ]
    dids = {}
    for issuer in DEV_ISSUERS:
        key = KeyPair.generate(issuer.key_type)
        key.save(folder / "keys" / f"{issuer.name}.json", None)
        dids[issuer.name] = key.controller
        lines += [
            "[[issuers]]",
            f"name = {_toml_string(issuer.name)}",
            f"key = {_toml_string(f'keys/{issuer.name}.json')}",
            f"cryptosuite = {_toml_string(issuer.cryptosuite)}",
            f"status = {'true' if issuer.status else 'false'}",
            "",
        ]
    config_path = folder / "server.toml"
    write_atomic(config_path, "\n".join(lines).encode("utf-8"))
    config = load_config(config_path)
    tokens = {}
    from .app import open_services  # opens (creates) each registry with its profile

    services = open_services(config, FixedClock(now))
    try:
        for name, service in services.items():
            _, text = create_token(service.store, name, ("issue", "status"), now=now)
            tokens[name] = text
    finally:
        for service in services.values():
            service.store.close()
    local = folder / "localConfig.cjs"  # it carries the tokens: owner only, as tokens.json
    write_atomic(local, local_config(config.base_url, dids, tokens).encode("utf-8"), mode=0o600)
    tokens_text = json.dumps(tokens, indent=2) + "\n"
    write_atomic(folder / "tokens.json", tokens_text.encode("utf-8"), mode=0o600)
    return DevSetup(config_path, local, config, dids, tokens)


def local_config(base: str, dids: dict[str, str], tokens: dict[str, str]) -> str:
    """The suites' ``localConfig.cjs`` (see shared/w3c-suites/README.md) for the dev issuers."""

    both = {"vc": ["1.1", "2.0"]}

    def issuer(dev: DevIssuer, tags: list[str] | None = None) -> dict[str, object]:
        """``dev``'s entry; without ``tags``, the entry of its cryptosuite's suite."""
        entry: dict[str, object] = {
            "id": dids[dev.name],
            "endpoint": f"{base}/{dev.name}/credentials/issue",
            "tags": tags or [dev.cryptosuite],
            "options": {},
            "headers": {"Authorization": f"Bearer {tokens[dev.name]}"},
        }
        if tags is None:
            if dev.key_type is not KeyType.ED25519:
                entry["supportedEcdsaKeyTypes"] = [CURVES[dev.key_type].jwk_crv]
            sd = dev.cryptosuite == ecdsa_sd.CRYPTOSUITE
            entry["supports"] = {"vc": ["2.0"]} if sd else both
        return entry

    named = {dev.name: dev for dev in DEV_ISSUERS}
    verify = f"{base}/credentials/verify"
    implementation = {
        "name": "vcportable",
        "implementation": "vcportable VC-API (serve --dev)",
        "issuers": [
            *(issuer(dev) for dev in DEV_ISSUERS if not dev.status),
            issuer(named["eddsa-rdfc-2022"], ["vc2.0", "vc-api"]),
            issuer(named["status-list"], ["BitstringStatusList", "Revocation", "Suspension"]),
        ],
        "verifiers": [
            {"endpoint": verify, "tags": ["eddsa-rdfc-2022", "eddsa-jcs-2022"], "supports": both},
            {
                "endpoint": verify,
                "tags": ["ecdsa-rdfc-2019", "ecdsa-jcs-2019", "ecdsa-sd-2023"],
                "supportedEcdsaKeyTypes": ["P-256", "P-384"],
                "supports": both,
            },
            {"endpoint": verify, "tags": ["vc2.0", "vc-api", "BitstringStatusList"]},
        ],
        "vpVerifiers": [{"endpoint": f"{base}/presentations/verify", "tags": ["vc2.0"]}],
        "vcHolders": [{"endpoint": f"{base}/credentials/derive", "tags": ["vcHolder"]}],
        "jose-cose": {
            "features": {
                "credential_jose": True,
                "presentation_jose": True,
                "credential_sdjwt": True,
                "presentation_sdjwt": True,
                "credential_cose": False,
                "presentation_cose": False,
            }
        },
    }
    settings = {"enableInteropTests": False, "testAllImplementations": False}
    exports = {"settings": settings, "implementations": [implementation]}
    return (
        "// localConfig.cjs for the W3C VC test suites, written by `vcportable serve --dev`.\n"
        "// run.sh copies it into every suite root. The tokens are this dev server's.\n"
        f"module.exports = {json.dumps(exports, indent=2)};\n"
    )
