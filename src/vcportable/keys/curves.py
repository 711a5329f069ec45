"""The key types vcportable knows, and everything that differs between them, in one table.

Each encoding (Multikey, JWK, PEM, JWS) reads its names from :data:`CURVES`, so adding a curve
is one row here, and no module keeps its own list of prefixes, curve names or algorithms.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = ["CURVES", "Curve", "KeyType", "curve_of_ec"]


class KeyType(StrEnum):
    ED25519 = "ed25519"
    P256 = "p256"
    P384 = "p384"
    #: Verified for other issuers' ES512 tokens (the W3C VC-JOSE-COSE vectors use it).
    P521 = "p521"


@dataclass(frozen=True)
class Curve:
    """What one key type looks like in every encoding vcportable reads or writes."""

    key_type: KeyType
    jwk_kty: str
    jwk_crv: str
    jws_alg: str
    #: Multicodec varints (https://github.com/multiformats/multicodec/blob/master/table.csv).
    public_codec: bytes
    private_codec: bytes
    #: Bytes of one coordinate (EC) or of the whole key (Ed25519), and of the private key.
    size: int
    #: The field prime: coordinates must be below it (canonical encodings only).
    prime: int
    #: The group order: private scalars must be in [1, order).
    order: int
    ec_curve: ec.EllipticCurve | None = None
    hash: type[hashes.HashAlgorithm] | None = None

    @property
    def public_size(self) -> int:
        """Raw public key: 32 bytes (Ed25519) or a compressed SEC1 point."""
        return self.size if self.ec_curve is None else 1 + self.size

    @property
    def signature_size(self) -> int:
        return 64 if self.ec_curve is None else 2 * self.size


CURVES: dict[KeyType, Curve] = {
    KeyType.ED25519: Curve(
        KeyType.ED25519,
        "OKP",
        "Ed25519",
        "EdDSA",
        b"\xed\x01",  # ed25519-pub 0xed
        b"\x80\x26",  # ed25519-priv 0x1300
        32,
        2**255 - 19,
        2**252 + 27742317777372353535851937790883648493,
    ),
    KeyType.P256: Curve(
        KeyType.P256,
        "EC",
        "P-256",
        "ES256",
        b"\x80\x24",  # p256-pub 0x1200
        b"\x86\x26",  # p256-priv 0x1306
        32,
        2**256 - 2**224 + 2**192 + 2**96 - 1,
        0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
        ec.SECP256R1(),
        hashes.SHA256,
    ),
    KeyType.P384: Curve(
        KeyType.P384,
        "EC",
        "P-384",
        "ES384",
        b"\x81\x24",  # p384-pub 0x1201
        b"\x87\x26",  # p384-priv 0x1307
        48,
        2**384 - 2**128 - 2**96 + 2**32 - 1,
        int(
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196A"
            "CCC52973",
            16,
        ),
        ec.SECP384R1(),
        hashes.SHA384,
    ),
    KeyType.P521: Curve(
        KeyType.P521,
        "EC",
        "P-521",
        "ES512",
        b"\x82\x24",  # p521-pub 0x1202
        b"\x88\x26",  # p521-priv 0x1308
        66,
        2**521 - 1,
        int(
            "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
            "FFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
            16,
        ),
        ec.SECP521R1(),
        hashes.SHA512,
    ),
}


def curve_of_ec(curve: ec.EllipticCurve) -> Curve | None:
    """The row of a ``cryptography`` EC curve, or None for a curve vcportable refuses
    (secp256k1, Brainpool...)."""
    for row in CURVES.values():
        if row.ec_curve is not None and row.ec_curve.name == curve.name:
            return row
    return None
