"""Convert the SD-JWT test-case YAML (``!sd`` tags) into the JSON fixtures next to this file.

Run once with any Python that has PyYAML (the test suite itself needs no YAML)::

    python3 tests/vectors/sd-jwt/convert_yaml.py ../shared/vectors/sd-jwt

Each ``cases/<source>__<name>.json`` holds ``user_claims`` (plain JSON), ``disclosable`` (JSON
Pointers of the ``!sd``-tagged claims), ``holder_disclosed`` (JSON Pointers of the claims the
holder reveals, exactly as sd-jwt-python's ``holder_disclosed_claims`` selects them: in an
object a truthy value, in an array anything but false/null), and the case's other settings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml


class SD:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __hash__(self) -> int:
        return hash(("sd", self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SD) and other.value == self.value


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> SD:
    if isinstance(node, yaml.ScalarNode):
        # Resolve the scalar's type as if it had no tag (so "42" stays a number, "null" None).
        quoted = node.style not in (None, "")
        tag = loader.resolve(yaml.ScalarNode, node.value, (not quoted, quoted))
        plain = yaml.ScalarNode(tag, node.value, style=node.style)
        return SD(loader.construct_object(plain))
    if isinstance(node, yaml.SequenceNode):
        return SD(loader.construct_sequence(node, deep=True))
    return SD(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


yaml.SafeLoader.add_constructor("!sd", _construct)


def _pointer(path: list[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _strip(value: Any, path: list[Any], marks: list[str]) -> Any:
    if isinstance(value, SD):
        marks.append(_pointer(path))
        return _strip(value.value, path, marks)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            name = key.value if isinstance(key, SD) else key
            if isinstance(key, SD):
                marks.append(_pointer([*path, name]))
            out[str(name)] = _strip(item, [*path, name], marks)
        return out
    if isinstance(value, list):
        return [_strip(item, [*path, i], marks) for i, item in enumerate(value)]
    return value


def _selected(tree: Any, path: list[Any], out: list[str]) -> None:
    if isinstance(tree, dict):
        for key, value in tree.items():
            if value:
                out.append(_pointer([*path, key]))
            _selected(value, [*path, key], out)
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            if value is not False and value is not None:
                out.append(_pointer([*path, index]))
            _selected(value, [*path, index], out)


def main(root: Path) -> None:
    target = Path(__file__).parent / "cases"
    target.mkdir(exist_ok=True)
    for spec in sorted(root.glob("*/**/specification.yml")):
        data = yaml.safe_load(spec.read_text())
        marks: list[str] = []
        claims = _strip(data["user_claims"], [], marks)
        chosen: list[str] = []
        _selected(data.get("holder_disclosed_claims") or {}, [], chosen)
        expected = data.get("expect_verified_user_claims")
        case = {
            "source": str(spec.relative_to(root)),
            "user_claims": claims,
            "disclosable": marks,
            "holder_disclosed": chosen,
            "expect_verified_user_claims": (
                _strip(expected, [], []) if expected is not None else None
            ),
            "key_binding": bool(data.get("key_binding", False)),
            "serialization_format": data.get("serialization_format", "compact"),
            "add_decoy_claims": bool(data.get("add_decoy_claims", False)),
        }
        name = "__".join(spec.relative_to(root).parts[:-1]).replace("/", "__")
        (target / f"{name}.json").write_text(json.dumps(case, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
