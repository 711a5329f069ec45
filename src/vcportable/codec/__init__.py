"""Codecs: the one way vcportable reads JSON, base64url, multibase/base58btc, XSD dates,
URLs and resource digests.

Each module is strict on purpose: a text that two parsers could read differently is refused, so
what a signature covers and what a check reads are always the same value. Bad input raises
:class:`~vcportable.errors.InputError` (code ``MALFORMED``, ``TOO_LARGE`` or ``TOO_DEEP``) with a
message that names what was wrong and where; nothing else escapes. Nothing here imports from the
rest of vcportable except :mod:`vcportable.errors`. See ``docs/codec.md``.
"""
