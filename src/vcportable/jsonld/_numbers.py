"""JavaScript number semantics, as jsonld.js toRdf and the ``canonicalize`` JCS package have
them.

``1.0`` is the integer ``1``, doubles are written with ``toExponential(15)`` rounding, ``@json``
literals are JSON Canonicalization Scheme text, and strings sort by UTF-16 code unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from ..errors import CanonicalizationError

# --------------------------------------------------------------------------------------------
# JavaScript number semantics (jsonld.js toRdf and the `canonicalize` JCS package)
# --------------------------------------------------------------------------------------------


def _js_number(value: int | float) -> float:
    """The IEEE double JSON.parse would have produced for this JSON number."""
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        shown = repr(value) if len(repr(value)) < 40 else f"{repr(value)[:20]}..."
        raise CanonicalizationError(f"number {shown} is not a finite IEEE double")
    return number


def _js_number_to_string(x: float) -> str:
    """ECMAScript Number::toString(10)."""
    if x != x:
        return "NaN"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _js_number_to_string(-x)
    if x == float("inf"):
        return "Infinity"
    mantissa, _, exponent = repr(x).partition("e")
    integral, _, fraction = mantissa.partition(".")
    digits = integral + fraction
    significant = digits.lstrip("0")
    point = len(integral) + (int(exponent) if exponent else 0) - (len(digits) - len(significant))
    significant = significant.rstrip("0")
    k = len(significant)
    if k <= point <= 21:
        return significant + "0" * (point - k)
    if 0 < point <= 21:
        return significant[:point] + "." + significant[point:]
    if -6 < point <= 0:
        return "0." + "0" * -point + significant
    e = point - 1
    sign = "+" if e >= 0 else "-"
    head = significant if k == 1 else significant[0] + "." + significant[1:]
    return f"{head}e{sign}{abs(e)}"


def _js_is_double(x: float) -> bool:
    """jsonld.js ``types.isDouble``: the number's string has a '.', or it is >= 1e21."""
    return "." in _js_number_to_string(x) or abs(x) >= 1e21


def _js_to_exponential_15(x: float) -> str:
    """ECMAScript Number.prototype.toExponential(15): exact value, ties rounded up."""
    if x != x:
        return "NaN"
    sign = ""
    if x < 0:
        sign, x = "-", -x
    if x == float("inf"):
        return sign + "Infinity"
    if x == 0:
        return sign + "0.000000000000000e+0"
    num, den = x.as_integer_ratio()
    # 10**e <= num/den < 10**(e + 1); the digit-count estimate is at most one too high.
    e = len(str(num)) - len(str(den))
    if (num < den * 10**e) if e >= 0 else (num * 10**-e < den):
        e -= 1
    shift = 15 - e
    n, d = (num * 10**shift, den) if shift >= 0 else (num, den * 10**-shift)
    q, r = divmod(n, d)
    if 2 * r >= d:
        q += 1
    if q >= 10**16:
        q //= 10
        e += 1
    text = str(q)
    return f"{sign}{text[0]}.{text[1:]}e{'+' if e >= 0 else '-'}{abs(e)}"


def _js_canonical_double(x: float) -> str:
    """jsonld.js: ``value.toExponential(15).replace(/(\\d)0*e\\+?/, '$1E')``."""
    return re.sub(r"(\d)0*e\+?", r"\1E", _js_to_exponential_15(x), count=1)


def _js_to_fixed_0(x: float) -> str:
    """ECMAScript Number.prototype.toFixed(0) (ties rounded up; keeps '-' for -0.x)."""
    if x != x:
        return "NaN"
    if abs(x) >= 1e21:
        return _js_number_to_string(x)
    sign = ""
    if x < 0:
        sign, x = "-", -x
    num, den = x.as_integer_ratio()
    q, r = divmod(num, den)
    if 2 * r >= den:
        q += 1
    return sign + str(q)


_JS_STR_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# Patterns of rare paths are compiled on first use (re keeps them): not by every cold start.
_JS_FLOAT_PREFIX: Final = (
    r"[" + _JS_STR_WHITESPACE + r"]*([+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
    r"(?:[eE][+-]?[0-9]+)?))"
)


def _js_parse_float(text: str) -> float:
    """ECMAScript parseFloat."""
    match = re.match(_JS_FLOAT_PREFIX, text)
    if match is None:
        return float("nan")
    return float(match.group(1).replace("Infinity", "inf"))


_JSON_STRING_ESCAPES: Final = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
# What JCS escapes; none of it is printable but '"' and '\\' (a surrogate is not printable).
_JSON_STRING_SPECIAL: Final = '[\x00-\x1f"\\\\\ud800-\udfff]'


def _json_string_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return _JSON_STRING_ESCAPES.get(code) or f"\\u{code:04x}"


def _utf16_key(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _jcs(value: Any) -> str:
    """JSON Canonicalization Scheme as the ``canonicalize`` npm package (jsonld.js) writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return _js_number_to_string(_js_number(value))
    if isinstance(value, str):
        if value.isprintable() and '"' not in value and "\\" not in value:
            return '"' + value + '"'  # nothing to escape: the usual case, without re's lookup
        return '"' + re.sub(_JSON_STRING_SPECIAL, _json_string_escape, value) + '"'
    if isinstance(value, list | tuple):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, Mapping):
        keys = sorted(value, key=_utf16_key)
        return "{" + ",".join(_jcs(key) + ":" + _jcs(value[key]) for key in keys) + "}"
    raise CanonicalizationError(f"@json value of type {type(value).__name__} is not JSON")
