"""A trust list kept as YAML: read strictly into the JSON data model, written back readably.

A governance body may keep its list in YAML under version control; what it loads must mean
exactly what the same JSON would, and nothing more. PyYAML's own loaders do not give that, so
the value is built here from the parser's events (libyaml's when installed):

* anchors, aliases (the "billion laughs") and tags (``!!python/...``, ``!!binary``) are refused;
* a key given twice is refused with its line (PyYAML keeps the last one silently);
* only JSON's types come out: a plain ``null``, ``true``, ``false``, or JSON number is one, any
  other plain scalar that YAML 1.1 would turn into something else (``yes``, ``on``, ``~``,
  ``1:20``, ``0x1F``, ``1_000``, ``.inf``) is refused with a hint to quote it. Dates and times
  stay strings, as in JSON (the trust list model checks them); a ``\\u`` escape of a lone
  surrogate is refused by either reader (libyaml's or PyYAML's own), as by the JSON parser;
* the size and the nesting depth are bounded, and a file holds one document only.

The value then goes through the same model validation as a JSON list.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

from ..codec.json import MAX_INT_DIGITS, MAX_JSON_DEPTH
from ..errors import InputError

__all__ = ["YAML_SUFFIXES", "dump_yaml", "is_yaml_path", "load_yaml"]

#: File name endings read and written as YAML (any other name is JSON).
YAML_SUFFIXES: Final = (".yaml", ".yml")
_INSTALL: Final = "YAML trust lists need PyYAML: pip install 'vcportable[yaml]'"
_STR: Final = "tag:yaml.org,2002:str"
_TIMESTAMP: Final = "tag:yaml.org,2002:timestamp"
_INT_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT_RE: Final = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_CONSTANTS: Final[dict[str, Any]] = {"null": None, "true": True, "false": False}
#: What a double-quoted escape (``"\\ud800"``) can make that is not Unicode text: libyaml refuses
#: it, PyYAML's pure-Python reader lets it through, and the strict JSON parser refuses it too.
_SURROGATE_RE: Final = re.compile("[\ud800-\udfff]")


def is_yaml_path(path: str) -> bool:
    """Whether a file is YAML by its name (``.yaml``/``.yml``, any case)."""
    return path.lower().endswith(YAML_SUFFIXES)


def _yaml() -> Any:
    try:
        import yaml
    except ImportError:
        raise InputError(_INSTALL) from None
    return yaml


def load_yaml(
    data: bytes | str, *, what: str, max_bytes: int, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """The JSON value one YAML document states; :class:`InputError` naming the line of
    anything refused (see the module docstring)."""
    yaml = _yaml()
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise InputError(
            f"{what} is {len(raw)} bytes, over the limit of {max_bytes}", code="TOO_LARGE"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 (byte {exc.start})") from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return _Builder(what, max_depth).build(yaml.parse(text, Loader=loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{what} is not valid YAML{where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{what} is not valid YAML: {exc}") from None


class _Builder:
    """Builds the value from parser events with an explicit stack (no recursion, any depth
    is refused before it is reached)."""

    def __init__(self, what: str, max_depth: int) -> None:
        import yaml

        self._yaml = yaml
        self._what = what
        self._max_depth = max_depth
        self._resolver: Any = yaml.resolver.Resolver()

    def _refuse(self, event: Any, problem: str, code: str = "MALFORMED") -> InputError:
        return InputError(f"{self._what} line {event.start_mark.line + 1}: {problem}", code=code)

    def build(self, events: Any) -> Any:
        yaml = self._yaml
        # Each open container as [value, the key awaiting its value (mappings) or None].
        stack: list[list[Any]] = []
        documents = 0
        result: Any = None
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise self._refuse(event, "holds more than one YAML document")
                continue
            if isinstance(event, yaml.AliasEvent):
                raise self._refuse(event, f"uses an alias (*{event.anchor}); write the value out")
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                raise self._refuse(event, f"uses an anchor (&{event.anchor}); remove it")
            if isinstance(event, yaml.NodeEvent) and getattr(event, "tag", None) is not None:
                raise self._refuse(event, f"uses the YAML tag {event.tag[:60]!r}; remove it")
            if isinstance(event, yaml.CollectionStartEvent):
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is None:
                    raise self._refuse(event, "has a key that is not text")
                if len(stack) >= self._max_depth:
                    raise self._refuse(
                        event, f"nests deeper than {self._max_depth} levels", code="TOO_DEEP"
                    )
                container: Any = {} if isinstance(event, yaml.MappingStartEvent) else []
                stack.append([container, None])
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                value = stack.pop()[0]
            elif isinstance(event, yaml.ScalarEvent):
                if stack and isinstance(stack[-1][0], dict) and stack[-1][1] is None:
                    stack[-1][1] = self._key(event, stack[-1][0])
                    continue
                value = self._scalar(event)
            else:  # stream and document start/end
                continue
            if not stack:
                result = value
            elif isinstance(stack[-1][0], list):
                stack[-1][0].append(value)
            else:
                stack[-1][0][stack[-1][1]] = value
                stack[-1][1] = None
        return result

    def _key(self, event: Any, mapping: dict[str, Any]) -> str:
        key = self._text(event)
        if not event.style and (
            _is_json_scalar(key)
            or self._resolver.resolve(self._yaml.ScalarNode, key, (True, False)) != _STR
        ):  # '<<' (a merge), 'null', 'yes', '1', '2024-01-01': not text to other YAML tools
            raise self._refuse(
                event, f"the key {key[:60]!r} is not text to every YAML reader: quote it"
            )
        if key in mapping:
            raise self._refuse(event, f"the key {key[:60]!r} is given twice")
        return key

    def _text(self, event: Any) -> str:
        text: str = event.value
        if event.style == '"' and _SURROGATE_RE.search(text):
            raise self._refuse(
                event, "a \\u escape of a UTF-16 surrogate (not Unicode text): write the character"
            )
        return text

    def _scalar(self, event: Any) -> Any:
        text = self._text(event)
        if event.style:  # quoted or a block scalar: always a string (plain: None or "")
            return text
        if text in _CONSTANTS:
            return _CONSTANTS[text]
        if _INT_RE.fullmatch(text):  # JSON's integers (no "+1", "012", "0x1F", "1_000")
            if len(text.lstrip("-")) > MAX_INT_DIGITS:
                raise self._refuse(event, f"a number longer than {MAX_INT_DIGITS} digits")
            return int(text)
        if _FLOAT_RE.fullmatch(text):
            number = float(text)
            if not math.isfinite(number):
                raise self._refuse(event, f"the number {text[:60]!r} is out of range")
            return number
        if not text:
            raise self._refuse(event, "a value is missing: write null, or '' for no text")
        tag = self._resolver.resolve(self._yaml.ScalarNode, text, (True, False))
        if tag not in (_STR, _TIMESTAMP):
            kind = tag.rsplit(":", 1)[-1]
            raise self._refuse(
                event,
                f"{text[:60]!r} would be read as a YAML {kind}, not as in JSON: quote it for "
                "text, or write null, true, false or a plain number",
            )
        return text


def _is_json_scalar(text: str) -> bool:
    """Whether a plain ``text`` reads as a JSON null, boolean or number here."""
    return text in _CONSTANTS or _FLOAT_RE.fullmatch(text) is not None


def dump_yaml(value: Any) -> str:
    """``value`` (JSON data) as block YAML in the given key order, every string that could be
    read as anything else quoted, so :func:`load_yaml` gives ``value`` back."""
    yaml = _yaml()

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
        def represent_str(self, data: str) -> Any:
            if "\n" in data:
                return self.represent_scalar(_STR, data, style="|")
            if _is_json_scalar(data):  # YAML 1.1 would leave "1e5" plain: a number here
                return self.represent_scalar(_STR, data, style="'")
            return super().represent_str(data)

    Dumper.add_representer(str, Dumper.represent_str)
    text: str = yaml.dump(
        value, Dumper=Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
        width=100,
    )  # fmt: skip
    return text
