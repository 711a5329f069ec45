"""The worker's wallet: her credentials as signed, her holder key, and the presentations she
makes from them.

Modules: :mod:`.presentation` (presentations in every format, shared with `vcportable
present`), :mod:`.store` (the SQLite store in the wallet's folder), :mod:`.holder` (the holder
key), :mod:`.backup` (export and import). docs/wallet.md explains the whole.
"""

from __future__ import annotations

from .backup import Restored, export_backup, import_backup
from .holder import create_holder_key, holder_key_info, load_holder_key
from .presentation import (
    FORMATS,
    PresentationFormat,
    create_presentation,
    credential_form,
    credential_types,
    present,
    sign_presentation,
)
from .store import StoredCredential, Summary, Wallet, default_folder, verified_credential

__all__ = [
    "FORMATS",
    "PresentationFormat",
    "Restored",
    "StoredCredential",
    "Summary",
    "Wallet",
    "create_holder_key",
    "create_presentation",
    "credential_form",
    "credential_types",
    "default_folder",
    "export_backup",
    "holder_key_info",
    "import_backup",
    "load_holder_key",
    "present",
    "sign_presentation",
    "verified_credential",
]
