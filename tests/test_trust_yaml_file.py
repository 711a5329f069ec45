"""A trust list in YAML: read into exactly the JSON it states, or refused with the line."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vcportable.errors import InputError
from vcportable.trust.yaml_file import dump_yaml, is_yaml_path, load_yaml


def load(text: str | bytes, **limits: Any) -> Any:
    return load_yaml(text, what="list.yaml", **({"max_bytes": 1 << 20} | limits))


def test_json_types_come_out_and_dates_stay_strings() -> None:
    text = (
        "a: 1\n"
        "b: [-0, 2.5, 1e5, true, false, null, 'x', \"y\"]\n"
        "issued: 2026-01-01T00:00:00Z\n"
        "day: 2026-01-01\n"
        "text: |\n  two\n  lines\n"
    )
    assert load(text) == {
        "a": 1,
        "b": [0, 2.5, 100000.0, True, False, None, "x", "y"],
        "issued": "2026-01-01T00:00:00Z",
        "day": "2026-01-01",
        "text": "two\nlines\n",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", "list.yaml line 3: the key 'a' is given twice"),
        ("a: &x [1]\nb: *x\n", "line 1: uses an anchor (&x)"),
        ("a: *x\n", "line 1: uses an alias (*x); write the value out"),
        ("a: !!python/object/apply:os.system [ls]\n", "uses the YAML tag"),
        ("a: !!binary aGk=\n", "uses the YAML tag"),
        ("a: !custom x\n", "uses the YAML tag '!custom'"),
        ("a: yes\n", "'yes' would be read as a YAML bool"),
        ("a: on\n", "'on' would be read as a YAML bool"),
        ("a: True\n", "'True' would be read as a YAML bool"),
        ("a: ~\n", "'~' would be read as a YAML null"),
        ("a: 1:20\n", "'1:20' would be read as a YAML int"),
        ("a: 012\n", "'012' would be read as a YAML int"),
        ("a: 1_000\n", "'1_000' would be read as a YAML int"),
        ("a: .nan\n", "'.nan' would be read as a YAML float"),
        ("a:\n", "line 1: a value is missing"),
        ("a: 1e999\n", "the number '1e999' is out of range"),
        ("a: " + "9" * 65 + "\n", "longer than 64 digits"),
        ("? [k]\n: v\n", "has a key that is not text"),
        ("<<: {name: evil}\n", "line 1: the key '<<' is not text to every YAML reader: quote"),
        ("null: 1\n", "the key 'null' is not text to every YAML reader"),
        ("yes: 1\n", "the key 'yes' is not text to every YAML reader"),
        ("1: a\n", "the key '1' is not text to every YAML reader"),
        ("2024-01-01: a\n", "the key '2024-01-01' is not text to every YAML reader"),
        ("a: 1\n---\nb: 2\n", "line 2: holds more than one YAML document"),
        ("a: [1, 2\n", "not valid YAML at line 2"),
        (b"a: \xff\n", "not UTF-8"),
    ],
)
def test_refusals_name_the_line_and_the_fix(text: str | bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        load(text)
    assert message in caught.value.message
    assert caught.value.code == "MALFORMED"


@pytest.mark.parametrize("text", ['a: "\\ud800"\n', '"\\udfff": 1\n', 'a: "\\uD83D\\uDE00"\n'])
@pytest.mark.parametrize("libyaml", [True, False], ids=["libyaml", "pure-python"])
def test_surrogate_escapes_are_refused_by_either_reader(
    text: str, libyaml: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libyaml refuses them; PyYAML's own reader would hand out lone surrogates, which the
    strict JSON parser refuses: both readers must refuse them alike."""
    yaml = pytest.importorskip("yaml")
    if not libyaml:
        monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    elif not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML built without libyaml")
    with pytest.raises(InputError) as caught:
        load(text)
    assert "line 1" in caught.value.message and caught.value.code == "MALFORMED"


def test_size_and_depth_are_bounded() -> None:
    with pytest.raises(InputError) as large:
        load("a: " + "x" * 100, max_bytes=50)
    assert large.value.code == "TOO_LARGE"
    nested = "[" * 10 + "]" * 10
    assert load(nested, max_depth=10) == load(nested)
    with pytest.raises(InputError) as deep:
        load(nested, max_depth=9)
    assert deep.value.code == "TOO_DEEP" and "deeper than 9 levels" in deep.value.message


def test_a_billion_laughs_is_refused_before_any_expansion() -> None:
    laughs = 'a: &a ["lol","lol"]\n' + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)}]\n" for n in range(9)
    )
    with pytest.raises(InputError, match="anchor"):
        load(laughs)


def test_strings_that_look_like_other_types_are_quoted_when_written() -> None:
    value = {"texts": ["yes", "NO", "1e5", "012", "1:20", "~", "null", "-0", "", "2026-01-01"]}
    written = dump_yaml(value)
    assert "- 'yes'" in written and "- '1e5'" in written and "- 'null'" in written
    assert load(written) == value


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_any_json_value_survives_yaml(value: Any) -> None:
    assert load(dump_yaml(value)) == value


def test_suffixes() -> None:
    assert is_yaml_path("list.yaml") and is_yaml_path("LIST.YML")
    assert not is_yaml_path("list.json") and not is_yaml_path("yaml")
