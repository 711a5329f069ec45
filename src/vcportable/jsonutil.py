"""Moved to :mod:`vcportable.codec.json`; this name stays until every import has moved."""

from vcportable.codec.json import MAX_INPUT_BYTES, MAX_JSON_DEPTH, parse_json

__all__ = ["MAX_INPUT_BYTES", "MAX_JSON_DEPTH", "parse_json"]
