"""The one strict JSON parser: credentials, token headers and payloads, SD-JWT disclosures, DID
documents, did:jwk, key files and user contexts all go through :func:`parse_json`.

Why strict: where JSON parsers disagree (which duplicate member wins, whether ``1e999`` is
infinity, whether a lone surrogate is text, whether a BOM is content), an attacker can make a
signature cover one value and a check read another. So every such input is refused (the I-JSON
rules of RFC 7493), and every size is bounded before work is done. The C decoder does the
scanning; its hooks refuse what it would otherwise accept, and only on failure does a slower walk
find the JSON path to name in the message.

Most texts take a faster road first: jiter (pydantic's Rust parser) refuses duplicate members,
``NaN``/``Infinity``, lone surrogates and bad UTF-8 itself, without a Python call per object.
What it would let through is ruled out before it runs: a byte scan sends any text that may hold
a long integer or an overflowing float to the strict parser, and brackets wrapped around the
text make jiter's fixed nesting limit enforce ``max_depth``. Whatever jiter refuses, the strict
parser parses again, so a refusal reads the same on either road.
"""

from __future__ import annotations

import json
import math
import re
import sys
from functools import cache, lru_cache
from typing import Any, Final

import jiter

from vcportable.errors import ConfigurationError, InputError

__all__ = [
    "MAX_INPUT_BYTES",
    "MAX_INT_DIGITS",
    "MAX_JSON_DEPTH",
    "dumps_compact",
    "parse_json",
]

#: Largest JSON text read, in UTF-8 bytes (a credential with its proof is a few KB).
MAX_INPUT_BYTES: Final = 1024 * 1024
#: Deepest nesting of arrays and objects (Open Badges credentials nest about 8 levels).
MAX_JSON_DEPTH: Final = 64
#: Longest integer, in digits. Credential data needs at most 20 (a 64-bit count); 64 leaves room
#: for a 128-bit (39-digit) identifier while keeping far below Python's 4,300-digit
#: int-conversion limit, whose ValueError would otherwise escape as a traceback, and keeping
#: every integer finite as the IEEE double that JSON-LD and JavaScript read it as.
MAX_INT_DIGITS: Final = 64


class _Refused(Exception):
    """Raised by a decoder hook with what it refused; :func:`_locate` then finds where."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Refused(_members_problem(pairs))
    return obj


def _constant(name: str) -> Any:
    raise _Refused(_number_problem(name, 0))


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(_number_problem(text, 0))
    return value


@lru_cache(maxsize=8)
def _decoder(max_int_digits: int) -> json.JSONDecoder:
    """One decoder per integer bound: building one per call would cost more than parsing."""
    python_limit = sys.get_int_max_str_digits() or math.inf
    if not 1 <= max_int_digits < python_limit:
        raise ConfigurationError(
            f"max_int_digits must be from 1 to {python_limit - 1} (Python's own limit), "
            f"not {max_int_digits}"
        )

    def integer(text: str) -> int:
        if len(text) - text.startswith("-") > max_int_digits:
            raise _Refused(_number_problem(text, max_int_digits))
        return int(text)

    return json.JSONDecoder(
        object_pairs_hook=_object, parse_constant=_constant, parse_float=_float, parse_int=integer
    )


# A \u escape of a UTF-16 surrogate: only then can a decoded string hold a lone one.
_SURROGATE_ESCAPE: Final = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")


def parse_json(
    data: bytes | str,
    *,
    what: str = "input",
    max_bytes: int = MAX_INPUT_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    max_int_digits: int = MAX_INT_DIGITS,
    schema_bounds_numbers: bool = False,
) -> Any:
    """Parse untrusted JSON strictly; raise :class:`InputError` naming ``what`` failed and where.

    Refused: over ``max_bytes`` (``TOO_LARGE``); nesting deeper than ``max_depth``
    (``TOO_DEEP``); not UTF-8, a leading byte order mark, duplicate member names,
    ``NaN``/``Infinity``, numbers that overflow a double, integers longer than
    ``max_int_digits``, lone surrogates, or anything that is not JSON (``MALFORMED``).

    ``schema_bounds_numbers``: the caller validates the value against a schema in which every
    number is a bounded integer (a trust list). Integers longer than ``max_int_digits`` and
    floats that overflow may then come back as long ints and infinities, for the schema to
    refuse, and the scan of the whole text for them (a tenth of a megabyte list's parse) is
    left out.
    """
    decoder = _decoder(max_int_digits)  # also checks the bound
    if isinstance(data, str):
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputError(
                f"{what} holds a lone UTF-16 surrogate at character {exc.start} (not Unicode text)"
            ) from None
        text = data
    else:
        raw = data
    if len(raw) > max_bytes:
        raise InputError(
            f"{what} is {len(raw)} bytes, over the limit of {max_bytes}", code="TOO_LARGE"
        )
    fast = _fast_parse(raw, max_depth, None if schema_bounds_numbers else max_int_digits)
    if fast is not None:
        return fast[0]
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{what} is not UTF-8 text: {exc.reason} at byte {exc.start}"
            ) from None
    if text.startswith("\ufeff"):
        raise InputError(f"{what} starts with a byte order mark (U+FEFF); remove it")
    if not text or text.isspace():
        raise InputError(f"{what} is empty")
    try:
        value = decoder.decode(text)
    except _Refused as refused:
        raise InputError(f"{what}: {_locate(text, max_int_digits, str(refused))}") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        # The C decoder guards its own recursion, far past any sensible limit.
        raise InputError(f"{what} nests deeper than {max_depth} levels", code="TOO_DEEP") from None
    # Each level opens a bracket: with no more brackets than the limit, no walk is needed.
    if raw.count(b"{") + raw.count(b"[") > max_depth and _deeper_than(value, max_depth):
        raise InputError(f"{what} nests deeper than {max_depth} levels", code="TOO_DEEP")
    if _SURROGATE_ESCAPE.search(raw) and _has_lone_surrogate(value):
        problem = "lone UTF-16 surrogate (not Unicode text)"
        raise InputError(f"{what}: {_locate(text, max_int_digits, problem)}")
    return value


# --------------------------------------------------------------------------------------------
# The fast road: jiter, for texts in which it cannot accept what the rules refuse.

#: How deep jiter nests: a value inside more arrays and objects than this is refused. Its own
#: constant, not an API: :func:`_jiter_nesting_holds` checks it before it is relied on.
_JITER_NESTING: Final = 200
#: Digits read as ``0``; ``E``, ``+`` and ``-`` as ``e`` (so ``1e+400`` and ``-1E-400`` show
#: ``e000`` like ``1e400``); ``{`` as ``[``: the shape of numbers and nesting, whatever the digits
#: (a table lookup per byte, the quickest scan Python has).
_SHAPE: Final = bytes.maketrans(b"123456789E+-{", b"000000000eee[")


def _fast_parse(raw: bytes, max_depth: int, max_int_digits: int | None) -> tuple[Any] | None:
    """``(value,)`` when jiter parses ``raw`` and no rule can refuse it; None when the strict
    parser must decide (jiter refuses it, or it may break a rule jiter does not know).
    ``max_int_digits`` None: numbers are not checked (see ``schema_bounds_numbers``)."""
    if max_depth > _JITER_NESTING:
        return None
    if max_int_digits is None:
        brackets = raw.count(b"[") + raw.count(b"{")
    else:
        shape = raw.translate(_SHAPE)
        if _numbers_to_check(shape, max_int_digits):
            return None
        brackets = shape.count(b"[")
    # Wrapped in arrays so that jiter's limit is ours: a text nesting max_depth deep is then
    # _JITER_NESTING + 1 deep, and its deepest values (if any) are past jiter's limit. A text
    # with no more brackets than max_depth needs no wraps (nor the copy they take).
    wraps = 0
    if brackets > max_depth:
        if not _jiter_nesting_holds():
            return None
        wraps = _JITER_NESTING + 1 - max_depth
    try:
        value = jiter.from_json(
            b"".join((b"[" * wraps, raw, b"]" * wraps)) if wraps else raw,
            allow_inf_nan=False, catch_duplicate_keys=True, cache_mode="keys",
        )  # fmt: skip
    except ValueError:
        return None
    for _ in range(wraps):
        # One value in each wrap, or the text was not one JSON value (``1, 2`` or ``1],[2``).
        if len(value) != 1:
            return None
        value = value[0]
    return (value,)


def _numbers_to_check(shape: bytes, max_int_digits: int) -> bool:
    """Whether the text may hold an integer over ``max_int_digits`` digits or a float that
    overflows, which jiter reads as a long int or as infinity. A float overflows only with 210
    digits before its point or 3 in its exponent (its value is below 10 ** (digits +
    exponent)), so a run of digits, or such an exponent after what may be a mantissa, is looked
    for. Text in strings may look the same: then the strict parser decides, which only costs
    time."""
    run = min(max_int_digits, 200) + 1
    if b"0" * run in shape:
        return True
    at = shape.find(b"e000")
    while at != -1:
        # What precedes it, less what a mantissa is made of, must end where a value may start.
        # A mantissa is under 2 * run long (a longer one holds a run found above), so the
        # window holds what precedes it, or is left empty (then it is checked too).
        before = shape[max(0, at - 2 * run - 2) : at].rstrip(b"0.e").rstrip(b" \t\r\n")
        if not before or before[-1] in b"[:,":
            return True
        at = shape.find(b"e000", at + 1)
    return False


@cache
def _jiter_nesting_holds() -> bool:
    """Whether jiter refuses exactly past :data:`_JITER_NESTING` (checked once)."""

    def parses(levels: int) -> bool:
        try:
            jiter.from_json(b"[" * levels + b"0" + b"]" * levels)
        except ValueError:
            return False
        return True

    return parses(_JITER_NESTING) and not parses(_JITER_NESTING + 1)


def dumps_compact(value: Any) -> bytes:
    """Compact UTF-8 JSON (no spaces, non-ASCII kept), as vcportable writes JOSE segments.
    :class:`InputError` for what JSON cannot hold (NaN, an infinity, a lone surrogate, an
    object that is no JSON value): nothing is signed that no reader would parse."""
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
            "utf-8"
        )
    except UnicodeEncodeError:
        raise InputError("a string is not Unicode text (a lone surrogate)") from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"not JSON: {exc}") from None


def nests_deeper(value: Any, limit: int) -> bool:
    """Whether containers in ``value`` nest more than ``limit`` levels (as the parser counts)."""
    return _deeper_than(value, limit)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` levels: one level of the tree at a time,
    each built by a comprehension (a third of the time of a stack walk)."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            child
            for item in level
            for child in (item.values() if type(item) is dict else item)
            if type(child) is dict or type(child) is list
        ]
    return bool(level)


def _has_lone_surrogate(value: Any) -> bool:
    """Whether a string anywhere in ``value`` (names included) is not Unicode text."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# --------------------------------------------------------------------------------------------
# The rules, as phrases; and finding where a refused value is: a second, slower parse that keeps
# what the hooks refuse, walked in document order. Only ever run on input that is refused.


def _number_problem(text: str, max_int_digits: int) -> str | None:
    if text in ("NaN", "Infinity", "-Infinity"):
        return f"{text} is not a JSON number"
    if text.lstrip("-").isdigit():
        digits = len(text.lstrip("-"))
        if digits > max_int_digits:
            return f"integer of {digits} digits is longer than the limit of {max_int_digits}"
        return None
    if not math.isfinite(float(text)):
        return f"number {text[:40]} overflows to infinity"
    return None


def _string_problem(text: str) -> str | None:
    match = _SURROGATE.search(text)
    if match is None:
        return None
    return f"lone UTF-16 surrogate \\u{ord(match.group()):04x} (not Unicode text)"


def _members_problem(pairs: list[tuple[str, Any]]) -> str | None:
    seen: set[str] = set()
    for name, _ in pairs:
        problem = _string_problem(name)
        if problem:
            return f"{problem} in a member name"
        if name in seen:
            return f"duplicate member {name!r}"
        seen.add(name)
    return None


class _Members(list[tuple[str, Any]]):
    """An object's members as written, duplicates kept."""


class _Number(str):
    """A number or constant as written, unconverted."""


def _path(parts: list[str | int]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _locate(text: str, max_int_digits: int, problem: str) -> str:
    """The first refused value of ``text`` with its JSON path; ``problem`` alone when the text
    cannot be walked (it also breaks a rule past the point where the first parse stopped)."""
    try:
        tree = json.loads(
            text, object_pairs_hook=_Members, parse_int=_Number, parse_float=_Number,
            parse_constant=_Number,
        )  # fmt: skip
    except (ValueError, RecursionError):
        return problem
    stack: list[tuple[Any, list[str | int]]] = [(tree, [])]
    while stack:
        node, parts = stack.pop()
        found: str | None = None
        if isinstance(node, _Number):
            found = _number_problem(node, max_int_digits)
        elif isinstance(node, str):
            found = _string_problem(node)
        elif isinstance(node, _Members):
            found = _members_problem(node)
            stack.extend((child, [*parts, name]) for name, child in reversed(node))
        elif isinstance(node, list):
            stack.extend((child, [*parts, i]) for i, child in reversed(list(enumerate(node))))
        if found:
            return f"{found} at {_path(parts)}"
    return problem  # pragma: no cover - the walk finds whatever a hook refused
