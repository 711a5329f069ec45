"""What the JOSE tests (test_jose.py, test_sdjwt.py) share: clock, resolver, issuer key, the
badge credential they secure, and how they verify and read a result."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from vcportable.dids import OfflineResolver
from vcportable.keys import KeyPair, KeyType
from vcportable.models.report import Code
from vcportable.proofs import jose, tokens
from vcportable.proofs.jose.checks import Resolver
from vcportable.proofs.jose.jws import JosePolicy, TokenRequest

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RESOLVER = OfflineResolver()
ISSUER = KeyPair.from_private_bytes(KeyType.ED25519, bytes(range(32)))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def badge(
    issuer: KeyPair,
    holder: KeyPair,
    *,
    credential_id: str,
    subject: dict[str, Any] | None = None,
    achievement: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An Open Badges 3.0 credential, "Carpenter Level 2" from ``issuer`` to ``holder``;
    ``subject`` and ``achievement`` add members about the holder and about the achievement."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer.controller, "type": ["Profile"], "name": "Certification Body"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "name": "Carpenter Level 2",
        "credentialSubject": {
            "id": holder.controller,
            "type": ["AchievementSubject"],
            **(subject or {}),
            "achievement": {
                "id": "urn:example:achievement:carpenter-2",
                "type": ["Achievement"],
                "name": "Carpenter Level 2",
                **(achievement or {}),
            },
        },
    }


def verify(
    token: str,
    policy: JosePolicy | None = None,
    *,
    request: TokenRequest | None = None,
    resolver: Resolver = RESOLVER,
    now: datetime = NOW,
) -> jose.JoseResult:
    return tokens.verify_token(
        token,
        resolver=resolver,
        now=now,
        policy=policy or JosePolicy(),
        request=request or TokenRequest(),
    )


def codes(result: jose.JoseResult) -> set[Code]:
    return {c.code for c in result.failures}


def assert_fails(result: jose.JoseResult, code: Code) -> None:
    assert not result.verified
    assert code in codes(result), [(c.id, c.code, c.message) for c in result.checks]
