"""The holder's key: the key a worker's credentials are issued to, and that signs her
presentations. A vcportable key file in the wallet's folder, always encrypted (a wallet lives on
a phone or laptop that can be lost); its DID is what she gives the issuer as the subject."""

from __future__ import annotations

from ..errors import KeyFileError
from ..keys import KeyFileInfo, KeyPair, KeyType, read_key_file_info
from .store import Wallet


def create_holder_key(
    wallet: Wallet, passphrase: bytes, key_type: KeyType = KeyType.ED25519
) -> KeyPair:
    """A new key, saved encrypted under ``passphrase``; never replaces an existing one (the
    credentials issued to it could no longer be presented)."""
    if wallet.key_path.exists():
        raise KeyFileError(
            f"the wallet already has a holder key ({wallet.key_path}); it is never replaced: "
            "credentials were issued to it"
        )
    wallet.create_folder()
    pair = KeyPair.generate(key_type)
    pair.save(wallet.key_path, passphrase)
    return pair


def holder_key_info(wallet: Wallet) -> KeyFileInfo:
    """The holder key's public part and DID, without the passphrase."""
    if not wallet.key_path.exists():
        raise KeyFileError(
            f"the wallet {wallet.folder} has no holder key yet: create one with "
            "`vcportable wallet key create`"
        )
    return read_key_file_info(wallet.key_path)


def load_holder_key(wallet: Wallet, passphrase: bytes) -> KeyPair:
    """The holder key, decrypted."""
    holder_key_info(wallet)  # the clear message when there is none
    return KeyPair.load(wallet.key_path, passphrase)
