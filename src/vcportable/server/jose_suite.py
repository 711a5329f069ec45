"""The command the W3C VC-JOSE-COSE test suite runs (it does not use HTTP):

    python -m vcportable.server.jose_suite issue|verify --input F --key F --feature F
        [--sd JSON] --output F

It writes ``{"result": "success" | "failure" | "error", "data": ...}`` to ``--output`` (the
contract in shared/w3c-suites/README.md). The key file is a verification method holding a JWK
(and, to issue, its ``secretKeyJwk``); the method's controller document is built from it alone,
so a token is verified only against the key the test hands over. Only the library is called:
:class:`~vcportable.issuer.Issuer` to issue, :class:`~vcportable.verifier.Verifier` to verify.
COSE is not implemented (the dev configuration switches those features off).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..codec.json import parse_json
from ..errors import VcPortableError
from ..keys import KeyPair

FEATURES = (
    "credential_jose",
    "presentation_jose",
    "credential_sdjwt",
    "presentation_sdjwt",
    "credential_cose",
    "presentation_cose",
)


def _method(path: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    method = parse_json(path.read_bytes(), what=str(path))
    if not isinstance(method, dict) or not isinstance(method.get("publicKeyJwk"), dict):
        raise VcPortableError(f"{path} is not a verification method with a publicKeyJwk")
    secret = method.pop("secretKeyJwk", None)
    return method, secret if isinstance(secret, dict) else None


def _verifier(method: dict[str, Any]) -> Any:
    from ..dids import OfflineResolver
    from ..policy import VerificationPolicy
    from ..proofs.jose.jws import JosePolicy
    from ..proofs.jose.keys import ALGS_WITH_NIST_CURVES, ControllerDocuments
    from ..verifier import Verifier

    document = {
        "id": method["controller"],
        "verificationMethod": [method],
        "assertionMethod": [method["id"]],
        "authentication": [method["id"]],
    }
    source = ControllerDocuments([document], resolver=OfflineResolver())
    policy = VerificationPolicy(jose=JosePolicy(allowed_algs=ALGS_WITH_NIST_CURVES))
    return Verifier(resolver=source, policy=policy)  # type: ignore[arg-type]


def _issue(
    feature: str, text: bytes, method: dict[str, Any], secret: dict[str, Any], sd: Any
) -> str:
    from ..issuer import Issuer
    from ..proofs.jose.jws import sign_compact

    key = KeyPair.from_jwk(
        {k: v for k, v in secret.items() if k in ("kty", "crv", "x", "y", "d")}
    ).with_identity(method["controller"], method["id"])
    document = parse_json(text, what="input")
    if not isinstance(document, dict):
        raise VcPortableError("the input is not a JSON object")
    if feature == "credential_jose":
        return Issuer(key).issue_jwt(document)
    if feature == "credential_sdjwt":
        paths = sd if isinstance(sd, list) else None
        return Issuer(key).issue_sd_jwt(document, disclosable=paths)
    if feature == "presentation_jose":
        return sign_compact({"typ": "vp+jwt", "cty": "vp", "kid": key.key_id}, document, key)
    if feature == "presentation_sdjwt":
        return _sd_jwt_presentation(document, key, sd if isinstance(sd, list) else [])
    raise VcPortableError(f"issuing {feature} is not implemented")


def _sd_jwt_presentation(document: dict[str, Any], key: KeyPair, paths: list[Any]) -> str:
    """The presentation itself secured as a ``vp+sd-jwt`` whose members at ``paths`` are
    disclosable (what the suite's test 19 asks: ``holder``, ``verifiableCredential[0]``). The
    holder of an SD-JWT *credential* presents it with ``present_sd_jwt`` instead; this secures a
    presentation object, as ``vp+jwt`` does for JOSE."""
    from ..proofs.sdjwt.disclosures import parse_path
    from ..proofs.sdjwt.issue import NEVER_DISCLOSABLE, sd_jwt_from_claims

    for path in paths:
        if not isinstance(path, str) or parse_path(path)[0] in NEVER_DISCLOSABLE:
            raise VcPortableError(f"{path!r} cannot be selectively disclosable")
    header = {"cty": "vp", "kid": key.key_id}
    return sd_jwt_from_claims(document, key, disclosable=paths, typ="vp+sd-jwt", header=header)


def run(args: argparse.Namespace) -> dict[str, str]:
    if args.feature.endswith("_cose"):
        return {"result": "indeterminate", "data": "COSE is not implemented"}
    method, secret = _method(Path(args.key))
    text = Path(args.input).read_bytes()
    if args.function == "issue":
        if secret is None:
            return {"result": "error", "data": "the key file has no secretKeyJwk"}
        sd = json.loads(args.sd) if args.sd else None
        return {"result": "success", "data": _issue(args.feature, text, method, secret, sd)}
    report = _verifier(method).verify(text)
    data = json.dumps(report.to_json_dict())
    return {"result": "success" if report.verified else "failure", "data": data}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vcportable.server.jose_suite")
    parser.add_argument("function", choices=("issue", "verify"))
    parser.add_argument("--input", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--feature", required=True, choices=FEATURES)
    parser.add_argument("--sd")
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    try:
        outcome = run(args)
    except VcPortableError as exc:
        # Refusing to issue what breaks the data model is a "failure" the suite expects.
        outcome = {"result": "failure", "data": exc.message}
    except (OSError, ValueError) as exc:
        outcome = {"result": "error", "data": str(exc)}
    Path(args.output).write_text(json.dumps(outcome), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
