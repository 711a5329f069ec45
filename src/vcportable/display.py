"""Text that comes from a credential, made safe to show to a person.

An issuer writes the names, descriptions and evidence a verdict or a wallet card shows. Such
text must not move a terminal's cursor, recolour the verdict, hide or reorder what the reader
sees: control characters (C0, DEL, C1), format characters (bidi overrides, zero-width
characters, BOM) and the line and paragraph separators U+2028/U+2029 are shown as visible
``\\uXXXX`` escapes instead.
"""

from __future__ import annotations

_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def safe(text: str) -> str:
    """``text`` with every unsafe character shown as a visible escape."""
    if text.isprintable():
        return text
    import unicodedata  # a shared library: loaded only for text that needs it

    return "".join(
        f"\\u{ord(c):04x}" if unicodedata.category(c) in _UNSAFE_CATEGORIES else c for c in text
    )
