"""vcportable.jsonld: the offline loader, safe-mode RDFC-1.0, byte-identical to rdf-canonize.

Byte-exactness is checked three ways:

* the official vectors (W3C vc-di-eddsa / vc-di-ecdsa, 1EdTech Open Badges 3.0) in
  ``tests/vectors/canon/``;
* committed outputs of jsonld.js 9 + rdf-canonize 5 (``strings.json``, ``corpus.json``), so the
  tests stand alone without node;
* live runs of ``tests/node/canonize.mjs`` when ``node`` and the harness
  (``VCPORTABLE_INTEROP_DIR``) are available, which also keep the committed outputs honest.

Regenerate the committed outputs (needs node and the harness)::

    VCPORTABLE_INTEROP_DIR=/tmp/interop .venv/bin/python tests/test_jsonld.py --write-fixtures
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld.canon import URDNA2015

from vcportable import jsonld
from vcportable.errors import (
    CanonicalizationError,
    ConfigurationError,
    ContextNotAllowedError,
    VcPortableError,
)

ROOT = Path(__file__).resolve().parents[1]
CANON = ROOT / "tests" / "vectors" / "canon"
NODE_SCRIPT = ROOT / "tests" / "node" / "canonize.mjs"
CONTEXTS = ROOT / "contexts"

V2 = "https://www.w3.org/ns/credentials/v2"
V1 = "https://www.w3.org/2018/credentials/v1"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
XSD = "http://www.w3.org/2001/XMLSchema#"

# A context of our own for the differential corpus, served to both implementations.
TEST_CONTEXT_URL = "https://vcportable.test/contexts/corpus/v1"
TEST_CONTEXT: dict[str, Any] = {
    "@context": {
        "@version": 1.1,
        "@protected": True,
        "data": {"@id": "https://vcportable.test/vocab#data", "@type": "@json"},
        "label": {"@id": "https://vcportable.test/vocab#label", "@container": "@language"},
        "french": {"@id": "https://vcportable.test/vocab#french", "@language": "FR"},
        "rtl": {"@id": "https://vcportable.test/vocab#rtl", "@direction": "rtl"},
        "seq": {"@id": "https://vcportable.test/vocab#seq", "@container": "@list"},
        "ref": {"@id": "https://vcportable.test/vocab#ref", "@type": "@id"},
        "graph": {"@id": "https://vcportable.test/vocab#graph", "@container": "@graph"},
        "knows": {"@id": "https://vcportable.test/vocab#knows"},
        "amount": {"@id": "https://vcportable.test/vocab#amount"},
        "v": "https://vcportable.test/vocab#v",
    }
}
CORPUS_CONTEXTS = {TEST_CONTEXT_URL: TEST_CONTEXT}
CORPUS_LOADER = jsonld.DocumentLoader(extra=CORPUS_CONTEXTS)
LOADER = jsonld.default_loader()

BUNDLED_URLS = {
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/2018/credentials/examples/v1",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/jwk/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://w3id.org/security/v1",
    "https://w3id.org/security/v2",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://w3id.org/vc/status-list/2021/v1",
    "https://www.w3.org/ns/did/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
}


def read_json(relative: str) -> Any:
    return json.loads((CANON / relative).read_text(encoding="utf-8"))


def read_text(relative: str) -> str:
    return (CANON / relative).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# The reference implementation (node), when available
# ------------------------------------------------------------------------------------------


def interop_dir() -> Path | None:
    value = os.environ.get("VCPORTABLE_INTEROP_DIR")
    if not value or shutil.which("node") is None:
        return None
    path = Path(value)
    return path if (path / "node_modules" / "jsonld").is_dir() else None


def require_node() -> Path:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: differential test against rdf-canonize skipped")
    path = interop_dir()
    if path is None:
        pytest.skip(
            "VCPORTABLE_INTEROP_DIR does not point at the interop harness with node_modules "
            "(run `make interop`): differential test against rdf-canonize skipped"
        )
    return path


def run_node(
    documents: Sequence[Any],
    *,
    contexts: Mapping[str, Any] | None = None,
    rdf_direction: str | None = "i18n-datatype",
    harness: Path | None = None,
) -> list[dict[str, Any]]:
    harness = harness or require_node()
    request = {"documents": list(documents), "contexts": dict(contexts or {})}
    request["rdfDirection"] = rdf_direction
    completed = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        env={**os.environ, "VCPORTABLE_INTEROP_DIR": str(harness)},
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert len(results) == len(documents)
    return results


def ours(document: Any, loader: jsonld.DocumentLoader, rdf_direction: Any = "i18n-datatype") -> Any:
    try:
        return {"nquads": jsonld.canonize(document, loader, rdf_direction=rdf_direction)}
    except VcPortableError as exc:
        return {"error": type(exc).__name__, "message": str(exc)}


# ------------------------------------------------------------------------------------------
# Official vectors
# ------------------------------------------------------------------------------------------

VECTORS = [
    # (input, expected canonical form)
    ("vc-di-eddsa/unsigned.json", "vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt"),
    (
        "vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json",
        "vc-di-eddsa/eddsa-rdfc-2022/proofCanonDataInt.txt",
    ),
    ("vc-di-eddsa/unsigned.json", "vc-di-eddsa/Ed25519Signature2020/canonDocEdSig.txt"),
    (
        "vc-di-eddsa/Ed25519Signature2020/proofConfigEdSig.json",
        "vc-di-eddsa/Ed25519Signature2020/proofCanonEdSig.txt",
    ),
    ("vc-di-ecdsa/unsigned.json", "vc-di-ecdsa/ecdsa-rdfc-2019-p256/canonDocECDSAP256.txt"),
    (
        "vc-di-ecdsa/ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json",
        "vc-di-ecdsa/ecdsa-rdfc-2019-p256/proofCanonECDSAP256.txt",
    ),
    ("openbadges-3.0/credential.json", "openbadges-3.0/document-canon.txt"),
    ("openbadges-3.0/proof-config.json", "openbadges-3.0/proof-canon.txt"),
]


@pytest.mark.parametrize(("source", "expected"), VECTORS, ids=[e for _, e in VECTORS])
def test_official_vectors_byte_for_byte(source: str, expected: str) -> None:
    assert jsonld.canonize(read_json(source), LOADER) == read_text(expected)


def test_vector_copies_are_verbatim() -> None:
    provenance = read_text("PROVENANCE.md")
    shared = ROOT.parent / "shared" / "vectors"
    copies = [line.split("|")[1:3] for line in provenance.splitlines() if line.startswith("| `")]
    assert len(copies) == 13
    for copy, source in copies:
        copy, source = copy.strip(" `"), source.strip(" `")
        assert (CANON / copy).is_file()
        if (shared / source).is_file():
            assert (CANON / copy).read_bytes() == (shared / source).read_bytes(), copy


@pytest.mark.node
def test_official_vectors_match_rdf_canonize() -> None:
    documents = [read_json(source) for source, _ in VECTORS]
    for (_, expected), result in zip(VECTORS, run_node(documents), strict=True):
        assert result == {"nquads": read_text(expected)}


# ------------------------------------------------------------------------------------------
# Strings: every control character, quotes, backslashes, non-ASCII, language tags
# ------------------------------------------------------------------------------------------


def credential(**fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [V2],
        "id": "urn:uuid:5d2c3b1a-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject"},
    }
    document.update(fields)
    return document


def string_cases() -> list[Any]:
    """Values for a credential's ``name``: strings, language-tagged values, several at once."""
    singles = [f"<{chr(code)}>" for code in range(0x80)]
    texts = [
        "",
        "plain ASCII",
        'say "hi"',
        "back\\slash \\n \\u0041 \\\\",
        '\\"',
        "tab\tnew\nline\rreturn\x0cform\x08back",
        "\x00\x01\x1f\x7f",
        "😀 emoji, 👩‍👩‍👧 ZWJ family, 🇪🇺 flag",
        "שלום עולם",
        "مرحبا بالعالم",
        "mixed \u202eRTL override\u202c and \u200fmark",
        "\u0085 NEL, \u00a0 NBSP, \u2028 LS, \u2029 PS, \ufeff BOM",
        "\ufffd \uffff \ue000 \U0010ffff \U00010000",
        "é vs e\u0301",
        "日本語のテキスト",
        "देवनागरी",
        "Ωμέγα",
        "x" * 5000,
    ]
    tagged = [
        {"@value": "Colour", "@language": "en-GB"},
        {"@value": "Farbe", "@language": "DE"},
        {"@value": "中文", "@language": "zh-Hant-TW"},
        {"@value": "private", "@language": "x-private"},
        {"@value": 'quo"te\n', "@language": "en"},
    ]
    several = [
        ["\ue000x", "\U0001f600x", "\ufffd", "a", "\U00010000"],
        ["\uffff", "\U0001f600", "zz"],
        ["same", {"@value": "same", "@language": "en"}, {"@value": "same", "@language": "fr"}],
    ]
    return [*singles, *texts, *tagged, *several]


def write_strings_fixture(harness: Path) -> None:
    cases = string_cases()
    results = run_node([credential(name=value) for value in cases], harness=harness)
    fixture = {
        "generator": "tests/node/canonize.mjs (jsonld.js 9.0.0 + rdf-canonize 5.0.0, safe mode)",
        "document": "test_jsonld.credential(name=<name>)",
        "cases": [{"name": value, **result} for value, result in zip(cases, results, strict=True)],
    }
    text = json.dumps(fixture, indent=1, ensure_ascii=True) + "\n"
    (CANON / "strings.json").write_text(text, encoding="utf-8")


def strings_fixture() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = read_json("strings.json")["cases"]
    return cases


def test_strings_fixture_covers_the_cases() -> None:
    assert [case["name"] for case in strings_fixture()] == string_cases()
    assert all("nquads" in case for case in strings_fixture())


@pytest.mark.parametrize("index", range(len(string_cases())))
def test_strings_match_rdf_canonize_fixture(index: int) -> None:
    case = strings_fixture()[index]
    assert jsonld.canonize(credential(name=case["name"]), LOADER) == case["nquads"]


@pytest.mark.node
def test_strings_match_rdf_canonize_live() -> None:
    cases = strings_fixture()
    results = run_node([credential(name=case["name"]) for case in cases])
    for case, result in zip(cases, results, strict=True):
        assert result == {"nquads": case["nquads"]}, case["name"]


@pytest.mark.node
def test_random_strings_and_numbers_match_rdf_canonize_live() -> None:
    rng = random.Random(20250301)
    alphabet = [chr(c) for c in range(0x80)] + list("éß€😀\U0010ffff\ue000\ufffd\u2028שم")
    names = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(300)]
    numbers: list[Any] = [rng.uniform(-1e6, 1e6) for _ in range(150)]
    numbers += [rng.randint(-(2**70), 2**70) for _ in range(50)]
    numbers += [
        math.ldexp(rng.random(), rng.randint(-1074, 1023)) * rng.choice((-1, 1)) for _ in range(100)
    ]
    documents = [credential(name=name) for name in names]
    documents += [corpus_doc(amount=number) for number in numbers]
    results = run_node(documents, contexts=CORPUS_CONTEXTS)
    for document, result in zip(documents, results, strict=True):
        assert ours(document, CORPUS_LOADER) == result, document


def nquads_literal(text: str) -> str:
    """rdf-canonize's literal escaping, written out independently: ECHAR, else UCHAR."""
    named = {8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r", 34: '\\"', 92: "\\\\"}
    out = []
    for char in text:
        code = ord(char)
        if code in named:
            out.append(named[code])
        elif code < 0x20 or code == 0x7F:
            out.append("\\u" + format(code, "04X"))
        else:
            out.append(char)
    return "".join(out)


def utf16_units(line: str) -> list[int]:
    units = []
    for char in line:
        code = ord(char)
        if code >= 0x10000:
            code -= 0x10000
            units += [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]
        else:
            units.append(code)
    return units


EMPTY_NAME_LINES = [line + "\n" for line in jsonld.canonize(credential(), LOADER).splitlines()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_any_name_is_escaped_and_sorted_like_rdf_canonize(name: str) -> None:
    name_line = (
        "<urn:uuid:5d2c3b1a-0000-4000-8000-000000000001> <https://schema.org/name> "
        f'"{nquads_literal(name)}" .\n'
    )
    expected = "".join(sorted([*EMPTY_NAME_LINES, name_line], key=utf16_units))
    assert jsonld.canonize(credential(name=name), LOADER) == expected


def test_unpaired_surrogate_is_refused() -> None:
    with pytest.raises(CanonicalizationError, match="surrogate"):
        jsonld.canonize(credential(name="broken \ud800 pair"), LOADER)


# ------------------------------------------------------------------------------------------
# The corpus: numbers, @json, languages, directions, lists, blank nodes, graphs, safe mode
# ------------------------------------------------------------------------------------------


def corpus_doc(**subject: Any) -> dict[str, Any]:
    return {
        "@context": [V2, TEST_CONTEXT_URL],
        "id": "urn:uuid:5d2c3b1a-0000-4000-8000-000000000002",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", **subject},
    }


def clique(size: int) -> dict[str, Any]:
    nodes = [{"id": f"_:n{i}"} for i in range(size)]
    for i, node in enumerate(nodes):
        node["knows"] = [{"id": f"_:n{j}"} for j in range(size) if j != i]
    return corpus_doc(knows=nodes)


def corpus_cases() -> list[tuple[str, Any, str | None]]:
    """(id, document, rdfDirection) for the differential corpus."""
    d = XSD + "double"
    numbers: list[Any] = [
        0, 1, -1, 1.0, -0.0, 1.5, 0.1, 1 / 3, 0.1 + 0.2, 4.35, 100.0, 1e16, 1e20, 1e21, 1e22,
        1.2345678901234567e20, 1e-6, 1e-7, -1e-7, 1.5e-7, 3.0e-5, 2**53, 2**53 + 1, 2**70,
        12345678901234567890, 2.0**-24, 5e-324, 1.7976931348623157e308, 0.5, -0.5, 2.5,
    ]  # fmt: skip
    typed: list[Any] = [
        {"@value": 1.5, "@type": XSD + "integer"},
        {"@value": 7, "@type": d},
        {"@value": "1.5", "@type": d},
        {"@value": "abc", "@type": d},
        {"@value": " 12abc", "@type": d},
        {"@value": "\u00a0-.5e3x", "@type": d},
        {"@value": "Infinity", "@type": d},
        {"@value": "1e999", "@type": d},
        {"@value": "1_000", "@type": d},
        {"@value": True, "@type": d},
        {"@value": 5, "@type": XSD + "decimal"},
        {"@value": 1e-7, "@type": XSD + "integer"},
        {"@value": 2.0**-24, "@type": XSD + "float"},
        {"@value": "2025-01-01", "@type": XSD + "date"},
        True,
        False,
    ]
    cases: list[tuple[str, Any, str | None]] = []
    cases += [(f"number {n!r}", corpus_doc(amount=n), "i18n-datatype") for n in numbers]
    cases += [(f"typed {t!r}", corpus_doc(amount=t), "i18n-datatype") for t in typed]
    json_values: list[Any] = [
        {"b": 1, "a": [1.0, 2.5, 1e21, -0.0, True, None, 'x\x00"\\\x7f\u2028😀']},
        {"\U0001f600": 1, "\ufffd": 2, "é": {"z": {}, "y": []}, "": 0},
        "just a string",
        12345678901234567890,
        None,
        [],
    ]
    cases += [(f"@json {v!r}", corpus_doc(data=v), "i18n-datatype") for v in json_values]
    more: list[tuple[str, Any]] = [
        ("language map", corpus_doc(label={"en": "Hi", "EN-GB": "Colour", "de": ["a", "b"]})),
        ("language map @none", corpus_doc(label={"@none": "none", "fr": "oui"})),
        ("term language", corpus_doc(french="bonjour")),
        ("value language", corpus_doc(v={"@value": "x", "@language": "Ar-EG"})),
        ("direction value", corpus_doc(v={"@value": "x", "@language": "ar", "@direction": "rtl"})),
        ("direction term", corpus_doc(rtl="نص عربي")),
        ("list", corpus_doc(seq=[1, "a", {"v": "x"}, True])),
        ("nested lists", corpus_doc(seq=[[2, 3], ["a"]])),
        ("lists beyond the work bound", corpus_doc(seq=[1, "a", {"v": "x"}, [2, 3], []])),
        ("empty list", corpus_doc(seq=[])),
        ("coerced @id", corpus_doc(ref="did:example:other")),
        ("coerced blank node with spaces", corpus_doc(ref="_: odd label")),
        ("explicit blank node with spaces", corpus_doc(knows={"id": "_: odd label", "v": "x"})),
        ("blank node key without values", {**corpus_doc(), "_:p": []}),
        ("blank node key with a value", {**corpus_doc(), "_:p": "x"}),
        ("anonymous twins", corpus_doc(knows=[{"v": "same"}, {"v": "same"}])),
        (
            "anonymous triplets",
            corpus_doc(knows=[{"v": "s"}, {"v": "s"}, {"v": "s", "knows": {"v": "s"}}]),
        ),
        ("blank node self loop", corpus_doc(knows={"id": "_:self", "knows": {"id": "_:self"}})),
        (
            "blank node chain",
            corpus_doc(knows={"id": "_:a", "knows": {"id": "_:b", "knows": {"v": "end"}}}),
        ),
        ("poison clique 3", clique(3)),
        ("poison clique 4", clique(4)),
        ("graph container", corpus_doc(graph={"id": "urn:inner", "v": "in a graph"})),
        ("graph container anonymous", corpus_doc(graph=[{"v": "g1"}, {"v": "g2"}])),
        ("graph container only id", corpus_doc(graph={"id": "urn:only"})),
        ("graph container scalar", corpus_doc(graph="urn:scalar")),
        ("@included", corpus_doc(**{"@included": [{"id": "urn:inc", "v": "x"}]})),
        (
            "@reverse",
            corpus_doc(**{"@reverse": {"https://vcportable.test/vocab#p": {"id": "urn:r"}}}),
        ),
        ("undefined term", corpus_doc(notDefined="x")),
        ("keyword-like key", corpus_doc(**{"@foo": "x"})),
        ("relative @id", corpus_doc(knows={"id": "relative/path", "v": "x"})),
        ("relative coerced @id", corpus_doc(ref="relative")),
        ("null @value", corpus_doc(v={"@value": None})),
        ("only @language", corpus_doc(v={"@language": "en"})),
        ("null value", corpus_doc(v=None)),
        ("invalid language", corpus_doc(v={"@value": "x", "@language": "not a tag"})),
        ("top-level only @id", {"@context": [V2], "id": "urn:only"}),
        ("top-level empty", {"@context": [V2]}),
        ("free-floating scalar", {"@context": [V2], "@graph": ["scalar"]}),
        ("@graph only @id", {"@context": [V2], "@graph": [{"id": "urn:only"}]}),
        ("undefined type", {**corpus_doc(), "type": ["VerifiableCredential", "NotAType"]}),
        ("reserved @type", {**corpus_doc(), "type": ["VerifiableCredential", "@reserved"]}),
        ("reserved @id", {**corpus_doc(), "id": "@reserved"}),
        ("IRI with a comma in its scheme", {**corpus_doc(), "id": "a,b:c"}),
        ("IRI ending in a newline", {**corpus_doc(), "id": "https://example.org/x\n"}),
        (
            "IRI with JavaScript-only whitespace",
            {**corpus_doc(), "id": "https://example.org/a\ufeffb"},
        ),
        (
            "IRI with characters to escape",
            {**corpus_doc(), "id": 'https://example.org/a<b>"{|}^`\\\x00'},
        ),
        ("relative @vocab", {"@context": [V2, {"@vocab": "rel/"}], "id": "urn:x", "x": 1}),
        ("unused relative @vocab", {"@context": [V2, {"@vocab": "rel/"}], "id": "urn:x"}),
        ("bad context language", {"@context": [V2, {"@language": "bad tag"}], "id": "urn:x"}),
        ("reserved term", {"@context": [V2, {"@reservedterm": "http://ex/x"}], "id": "urn:x"}),
        ("reserved @id term", {"@context": [V2, {"foo": "@bar"}], "id": "urn:x"}),
        ("blank node predicate", {"@context": [V2, {"bn": "_:b"}], "id": "urn:x", "bn": "x"}),
        ("null term", {"@context": [V2, {"nul": None}], "id": "urn:x", "nul": "x"}),
        ("unknown context", {"@context": ["https://unknown.example/ctx"], "id": "urn:x"}),
        ("relative context", {"@context": [V2, "ctx.json"], "id": "urn:x"}),
        (
            "protected redefinition",
            {"@context": [V2, "https://w3id.org/security/data-integrity/v1"], "id": "urn:x"},
        ),
        (
            "presentation with credential",
            {
                "@context": [V2],
                "type": "VerifiablePresentation",
                "verifiableCredential": credential(name="inside"),
            },
        ),
        (
            "presentation only id",
            {
                "@context": [V2],
                "type": "VerifiablePresentation",
                "verifiableCredential": {"id": "urn:c"},
            },
        ),
        (
            "presentation empty",
            {"@context": [V2], "type": "VerifiablePresentation", "verifiableCredential": {}},
        ),
        (
            "did document",
            {
                "@context": [
                    "https://www.w3.org/ns/did/v1",
                    "https://w3id.org/security/multikey/v1",
                    "https://w3id.org/security/jwk/v1",
                ],
                "id": "did:example:1",
                "verificationMethod": [
                    {
                        "id": "did:example:1#k",
                        "type": "Multikey",
                        "controller": "did:example:1",
                        "publicKeyMultibase": "z6Mk",
                    },
                    {
                        "id": "did:example:1#j",
                        "type": "JsonWebKey",
                        "controller": "did:example:1",
                        "publicKeyJwk": {
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
                        },
                    },
                ],
                "assertionMethod": ["did:example:1#k"],
            },
        ),
        (
            "vc 1.1 status list 2021",
            {
                "@context": [
                    V1,
                    "https://w3id.org/security/suites/ed25519-2020/v1",
                    "https://w3id.org/vc/status-list/2021/v1",
                ],
                "id": "urn:x",
                "type": "VerifiableCredential",
                "issuanceDate": "2020-01-01T00:00:00Z",
                "credentialStatus": {
                    "id": "urn:s#1",
                    "type": "StatusList2021Entry",
                    "statusPurpose": "revocation",
                    "statusListIndex": "1",
                    "statusListCredential": "urn:s",
                },
            },
        ),
        (
            "bitstring status list",
            {
                "@context": [V2],
                "id": "urn:x",
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "credentialSubject": {
                    "id": "urn:x#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": "uH4sI",
                },
            },
        ),
        (
            "ob 3.0.2 on vc 1.1",
            {
                "@context": [V1, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],
                "id": "urn:x",
                "type": ["VerifiableCredential", "OpenBadgeCredential"],
                "issuer": {"id": "did:example:1", "type": "Profile", "name": "n"},
                "issuanceDate": "2020-01-01T00:00:00Z",
            },
        ),
        (
            "undefined-terms v2",
            {
                "@context": [V2, "https://www.w3.org/ns/credentials/undefined-terms/v2"],
                "id": "urn:x",
                "type": ["VerifiableCredential", "Whatever"],
                "foo": {"bar": 1},
            },
        ),
        (
            "security v2",
            {
                "@context": ["https://w3id.org/security/v2"],
                "id": "urn:x",
                "type": "Ed25519Signature2018",
                "created": "2020-01-01T00:00:00Z",
            },
        ),
    ]
    cases += [(name, document, "i18n-datatype") for name, document in more]
    cases += [
        ("direction value, rdfDirection null", more[4][1], None),
        ("direction term, rdfDirection null", more[5][1], None),
        ("plain value, rdfDirection null", more[3][1], None),
    ]
    return cases


def write_corpus_fixture(harness: Path) -> None:
    cases = corpus_cases()
    entries = []
    for direction in ("i18n-datatype", None):
        selected = [case for case in cases if case[2] == direction]
        results = run_node(
            [document for _, document, _ in selected],
            contexts=CORPUS_CONTEXTS,
            rdf_direction=direction,
            harness=harness,
        )
        for (name, _, _), result in zip(selected, results, strict=True):
            error = result.get("error", {})
            outcome = result if "nquads" in result else {"error": error["code"] or error["message"]}
            entries.append({"id": name, "rdfDirection": direction, **outcome})
    entries.sort(key=lambda entry: [case[0] for case in cases].index(entry["id"]))
    fixture = {
        "generator": "tests/node/canonize.mjs (jsonld.js 9.0.0 + rdf-canonize 5.0.0, safe mode)",
        "documents": "test_jsonld.corpus_cases(); contexts: test_jsonld.CORPUS_CONTEXTS",
        "cases": entries,
    }
    text = json.dumps(fixture, indent=1, ensure_ascii=True) + "\n"
    (CANON / "corpus.json").write_text(text, encoding="utf-8")


def corpus_fixture() -> dict[str, dict[str, Any]]:
    return {case["id"]: case for case in read_json("corpus.json")["cases"]}


def test_corpus_fixture_covers_the_cases() -> None:
    assert list(corpus_fixture()) == [name for name, _, _ in corpus_cases()]


@pytest.mark.parametrize(
    ("name", "document", "direction"), corpus_cases(), ids=[c[0] for c in corpus_cases()]
)
def test_corpus_matches_rdf_canonize_fixture(
    name: str, document: Any, direction: str | None
) -> None:
    expected = corpus_fixture()[name]
    got = ours(document, CORPUS_LOADER, direction)
    if "nquads" in expected:
        assert got == {"nquads": expected["nquads"]}
    else:
        # rdf-canonize refuses it: so must we (an error, never different output).
        assert "error" in got, f"rdf-canonize refused {name} ({expected['error']}) but we did not"


@pytest.mark.node
def test_corpus_matches_rdf_canonize_live() -> None:
    fixture = corpus_fixture()
    for direction in ("i18n-datatype", None):
        selected = [case for case in corpus_cases() if case[2] == direction]
        results = run_node(
            [document for _, document, _ in selected],
            contexts=CORPUS_CONTEXTS,
            rdf_direction=direction,
        )
        for (name, _, _), result in zip(selected, results, strict=True):
            expected = fixture[name]
            if "nquads" in expected:
                assert result == {"nquads": expected["nquads"]}, name
            else:
                error = result["error"]
                assert (error["code"] or error["message"]) == expected["error"], name


def test_corpus_exercises_both_outcomes() -> None:
    outcomes = [("nquads" in case) for case in corpus_fixture().values()]
    assert outcomes.count(True) > 50
    assert outcomes.count(False) > 25


# Where jsonld.js produces output and vcportable refuses: each is an error here, never a
# different output (documented in the module docstring).
DEVIATIONS = [
    (
        "@base resolves relative IRIs",
        {
            "@context": [V2, {"@base": "https://base.example/"}],
            "id": "urn:x",
            "type": "VerifiableCredential",
            "issuer": "rel",
        },
    ),
    ("IRI with Python-only whitespace", credential(id="https://example.org/a\x1cb")),
    ("@context inside a @json literal", corpus_doc(data={"@context": "https://example.org/x"})),
    ("empty string coerced to @id", credential(renderMethod="")),
]


@pytest.mark.parametrize(("name", "document"), DEVIATIONS, ids=[n for n, _ in DEVIATIONS])
def test_deviations_are_errors(name: str, document: Any) -> None:
    with pytest.raises(VcPortableError):
        jsonld.canonize(document, CORPUS_LOADER)


@pytest.mark.node
def test_deviations_are_accepted_by_jsonld_js() -> None:
    results = run_node([document for _, document in DEVIATIONS], contexts=CORPUS_CONTEXTS)
    assert all("nquads" in result for result in results), results


def test_top_level_array_is_refused() -> None:
    with pytest.raises(CanonicalizationError, match="JSON object"):
        jsonld.canonize([credential()], LOADER)  # type: ignore[arg-type]


def test_iri_characters_are_escaped_like_rdf_canonize() -> None:
    # These are absolute IRIs for both jsonld.js and pyld; rdf-canonize writes them as UCHARs.
    out = jsonld.canonize(credential(id='https://example.org/a<b>"{|}^`\\\x00'), LOADER)
    assert (
        "<https://example.org/a\\u003Cb\\u003E\\u0022\\u007B\\u007C\\u007D\\u005E\\u0060\\u005C\\u0000>"
        in out
    )


def test_non_finite_numbers_are_refused() -> None:
    for value in (math.nan, math.inf, -math.inf, 10**400):
        with pytest.raises(CanonicalizationError, match="finite"):
            jsonld.canonize(corpus_doc(amount=value), CORPUS_LOADER)


# ------------------------------------------------------------------------------------------
# Safe mode: what is refused, and that the message names it
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "fragments"),
    [
        (
            credential(credentialSubject={"id": "did:example:s", "degree": "x"}),
            ["'degree'", "credentialSubject"],
        ),
        (credential(foo="bar"), ["'foo'", "top-level"]),
        (
            credential(credentialSubject={"id": "relative/path"}),
            ["relative @id", "'relative/path'", "credentialSubject"],
        ),
        (credential(type=["VerifiableCredential", "Undefined"]), ["relative @type", "'Undefined'"]),
        (credential(name={"@value": None}), ["null @value", "name"]),
        ({"@context": [V2], "@graph": [{"id": "urn:x"}]}, ["only 'id'", "@graph"]),
        (
            {"@context": [V2], "type": "VerifiablePresentation", "verifiableCredential": {}},
            ["empty object", "verifiableCredential"],
        ),
        ({"@context": [V2], "@graph": ["scalar"]}, ["free-floating scalar"]),
        (credential(name={"@value": "x", "@language": "en_GB"}), ["'en_gb'", "BCP47"]),
        (
            {"@context": [V2, {"@vocab": "rel/"}], "id": "urn:x", "x": 1},
            ["relative @vocab", "'rel/'"],
        ),
        (
            {"@context": [V2, {"@reservedterm": "http://ex/x"}], "id": "urn:x"},
            ["reserved term", "'@reservedterm'"],
        ),
        ({"@context": [V2, {"foo": {"@id": "@bar"}}], "id": "urn:x"}, ["reserved @id", "'@bar'"]),
        ({"@context": [V2, {"bn": "_:b"}], "id": "urn:x", "bn": "x"}, ["blank node predicate"]),
        (credential(id="https://example.org/a b"), ["whitespace"]),
        ({"@context": [V2, {"@import": V2}], "id": "urn:x"}, ["@import"]),
    ],
)
def test_safe_mode_refuses_and_names_the_problem(document: Any, fragments: list[str]) -> None:
    with pytest.raises(CanonicalizationError) as info:
        jsonld.canonize(document, LOADER)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_direction_depends_on_rdf_direction() -> None:
    document = credential(name={"@value": "مرحبا", "@language": "ar", "@direction": "rtl"})
    out = jsonld.canonize(document, LOADER)
    assert '"مرحبا"^^<https://www.w3.org/ns/i18n#ar_rtl>' in out
    with pytest.raises(CanonicalizationError, match="rdfDirection"):
        jsonld.canonize(document, LOADER, rdf_direction=None)


def test_poison_graph_hits_the_work_bound() -> None:
    with pytest.raises(CanonicalizationError, match="work limit"):
        jsonld.canonize(clique(6), CORPUS_LOADER)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    nested: dict[str, Any] = {"v": "bottom"}
    for _ in range(5000):
        nested = {"knows": nested}
    with pytest.raises(CanonicalizationError):
        jsonld.canonize(corpus_doc(knows=nested), CORPUS_LOADER)


def test_pyld_syntax_errors_become_canonicalization_errors() -> None:
    with pytest.raises(CanonicalizationError, match="invalid JSON-LD"):
        jsonld.canonize(credential(id=5), LOADER)
    with pytest.raises(CanonicalizationError, match="protected term redefinition"):
        jsonld.canonize({"@context": [V2, {"name": "http://ex/name"}], "id": "urn:x"}, LOADER)


def test_canonize_does_not_modify_its_input() -> None:
    document = read_json("openbadges-3.0/credential.json")
    before = json.dumps(document, sort_keys=True)
    jsonld.canonize(document, LOADER)
    assert json.dumps(document, sort_keys=True) == before


# ------------------------------------------------------------------------------------------
# Contexts: allowed URLs only, checked before any processing
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"@context": ["https://example.org/remote/v1"], "id": "urn:x"},
        {
            "@context": [V2],
            "credentialSubject": {"@context": "https://example.org/nested", "id": "urn:s"},
        },
        {"@context": [V2, {"t": {"@id": "http://ex/t", "@context": "https://example.org/scoped"}}]},
        {"@context": [V2, {"@import": "https://example.org/imported"}]},
        {"@context": "relative.jsonld"},
        {"@context": [V2], "evidence": [{"@context": ["https://example.org/in-array"]}]},
    ],
)
def test_unknown_contexts_are_not_allowed(document: dict[str, Any]) -> None:
    with pytest.raises(ContextNotAllowedError):
        jsonld.check_contexts(document, LOADER)
    with pytest.raises(ContextNotAllowedError):
        jsonld.canonize(document, LOADER)


def test_check_contexts_accepts_bundled_and_embedded() -> None:
    jsonld.check_contexts(read_json("openbadges-3.0/credential.json"), LOADER)
    jsonld.check_contexts({"@context": [V2, {"x": "http://ex/x"}, None], "id": "urn:x"}, LOADER)
    jsonld.check_contexts({"id": "urn:no-context"}, LOADER)


def test_context_not_allowed_names_the_url() -> None:
    with pytest.raises(ContextNotAllowedError) as info:
        jsonld.canonize({"@context": ["https://evil.example/ctx"], "id": "urn:x"}, LOADER)
    assert info.value.url == "https://evil.example/ctx"
    assert info.value.code == "CONTEXT_NOT_ALLOWED"


def test_contexts_referenced_by_a_user_context_are_checked_first(tmp_path: Path) -> None:
    folder = make_folder(
        tmp_path,
        {
            "https://example.org/ctx/v1": {
                "@context": ["https://example.org/missing", {"a": "http://ex/a"}]
            }
        },
    )
    loader = jsonld.DocumentLoader(extra_dirs=[folder])
    document = {"@context": [V2, "https://example.org/ctx/v1"], "id": "urn:x"}
    with pytest.raises(ContextNotAllowedError, match="example.org/missing"):
        jsonld.check_contexts(document, loader)


def test_the_network_is_never_touched(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    loader = jsonld.DocumentLoader()  # fresh: nothing cached yet
    assert jsonld.canonize(read_json("openbadges-3.0/credential.json"), loader) == read_text(
        "openbadges-3.0/document-canon.txt"
    )
    for url in (
        "https://example.org/remote/v1",
        "https://www.w3.org/ns/odrl.jsonld",
        "http://www.w3.org/ns/credentials/v2",
    ):
        with pytest.raises(ContextNotAllowedError):
            jsonld.canonize({"@context": [url], "id": "urn:x"}, loader)
        with pytest.raises(ContextNotAllowedError):
            loader(url, {})


def test_loader_refuses_even_when_the_precheck_is_bypassed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pre-check is a convenience; the loader itself is the gate. pyld wraps loader errors,
    # canonize unwraps them.
    from vcportable.jsonld import _safe

    monkeypatch.setattr(_safe, "_walk_contexts", lambda *args, **kwargs: None)
    with pytest.raises(ContextNotAllowedError, match="unknown.example"):
        jsonld.canonize({"@context": ["https://unknown.example/v1"], "id": "urn:x"}, LOADER)


def test_concurrent_canonicalization_gives_the_same_results() -> None:
    loader = jsonld.DocumentLoader(extra=CORPUS_CONTEXTS)
    documents = [document for _, document, direction in corpus_cases() if direction][:40]
    expected = [ours(document, loader) for document in documents]
    results: list[Any] = [None] * 8

    def work(slot: int) -> None:
        results[slot] = [ours(document, loader) for document in documents]

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(result == expected for result in results)


# ------------------------------------------------------------------------------------------
# The bundle and the loader
# ------------------------------------------------------------------------------------------


def test_bundle_serves_every_required_context() -> None:
    assert set(LOADER.urls()) == BUNDLED_URLS
    for url in BUNDLED_URLS:
        assert "@context" in LOADER.load(url)


def test_bundle_manifest_pins_every_file() -> None:
    manifest = json.loads((CONTEXTS / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == BUNDLED_URLS
    files = {path.name for path in CONTEXTS.glob("*.json")} - {"manifest.json"}
    assert files == {entry["file"] for entry in manifest.values()}
    readme = (CONTEXTS / "README.md").read_text(encoding="utf-8")
    for url, entry in manifest.items():
        data = (CONTEXTS / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert f"| {url} | `{entry['file']}` |" in readme
        assert entry["sha256"] in readme


def test_bundle_matches_the_shared_vectors_when_present() -> None:
    shared = ROOT.parent / "shared" / "vectors" / "contexts"
    if not (shared / "urls.json").is_file():
        pytest.skip("../shared/vectors/contexts is not available")
    urls = json.loads((shared / "urls.json").read_text(encoding="utf-8"))
    manifest = json.loads((CONTEXTS / "manifest.json").read_text(encoding="utf-8"))
    assert {url: entry["file"] for url, entry in manifest.items()} == urls
    for entry in manifest.values():
        assert (CONTEXTS / entry["file"]).read_bytes() == (shared / entry["file"]).read_bytes()


def test_bundled_contexts_pass_the_safe_mode_context_checks() -> None:
    loader = jsonld.DocumentLoader()
    for url in BUNDLED_URLS - {"https://www.w3.org/2018/credentials/examples/v1"}:
        jsonld._walk_contexts({"@context": url}, loader, strict=True)
    # The VC 1.1 examples context imports ODRL, which is not bundled (see contexts/README.md).
    with pytest.raises(ContextNotAllowedError, match="odrl"):
        jsonld.check_contexts(
            {"@context": "https://www.w3.org/2018/credentials/examples/v1"}, loader
        )


def test_loader_returns_the_same_object_and_pyld_does_not_modify_it() -> None:
    loader = jsonld.DocumentLoader()
    first = {url: loader.load(url) for url in BUNDLED_URLS}
    snapshot = {url: json.dumps(doc, sort_keys=True) for url, doc in first.items()}
    documents = [read_json(source) for source, _ in VECTORS]
    documents += [document for _, document, _ in corpus_cases()]
    documents.append(
        {
            "@context": ["https://w3id.org/security/v2"],
            "id": "urn:x",
            "type": "Ed25519Signature2018",
        }
    )
    for document in documents:
        with contextlib.suppress(VcPortableError):
            jsonld.canonize(document, loader)
    for url in BUNDLED_URLS:
        assert loader.load(url) is first[url]
        assert loader(url)["document"] is first[url]
        assert json.dumps(loader.load(url), sort_keys=True) == snapshot[url]


def test_bundled_documents_are_shared_between_loaders() -> None:
    assert jsonld.DocumentLoader().load(V2) is jsonld.DocumentLoader().load(V2)
    assert jsonld.default_loader() is jsonld.default_loader()


def test_pyld_remote_document_shape() -> None:
    remote = LOADER(V2, {"headers": {}})
    assert remote["documentUrl"] == V2
    assert remote["contextUrl"] is None
    assert remote["document"] is LOADER.load(V2)


def test_corrupted_bundle_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = dict(jsonld._bundle_manifest())
    manifest[V2] = jsonld._Pinned(manifest[V2].file, "0" * 64)
    from vcportable.jsonld import _loader

    monkeypatch.setattr(_loader, "_bundle_manifest", lambda: manifest)
    monkeypatch.setattr(_loader, "_bundle_docs", {})
    loader = jsonld.DocumentLoader()
    with pytest.raises(ConfigurationError, match="bundle corrupted"):
        loader.load(V2)
    with pytest.raises(ConfigurationError, match="bundle corrupted"):
        jsonld.canonize(credential(), loader)
    # Other files are still served (each file is checked on its own).
    assert "@context" in loader.load(OB3)


def test_resolved_context_caches_are_bounded() -> None:
    loader = jsonld.DocumentLoader()
    for i in range(jsonld.RESOLVED_CONTEXT_CACHE_SIZE + 50):
        document = {
            "@context": [V2, {f"t{i}": f"https://example.org/t{i}"}],
            "id": "urn:x",
            f"t{i}": "v",
        }
        jsonld.canonize(document, loader)
    assert len(loader._resolved) <= jsonld.RESOLVED_CONTEXT_CACHE_SIZE
    assert len(loader._processed) <= jsonld.PROCESSED_CONTEXT_CACHE_SIZE


def test_caches_are_per_loader() -> None:
    url = "https://example.org/ctx/v1"
    a = jsonld.DocumentLoader(
        extra={url: {"@context": {"id": "@id", "x": "https://example.org/a#x"}}}
    )
    b = jsonld.DocumentLoader(
        extra={url: {"@context": {"id": "@id", "x": "https://example.org/b#x"}}}
    )
    document = {"@context": [url], "id": "urn:x", "x": "v"}
    assert "example.org/a#x" in jsonld.canonize(document, a)
    assert "example.org/b#x" in jsonld.canonize(document, b)
    assert "example.org/a#x" in jsonld.canonize(document, a)


def test_repeated_canonicalization_is_stable() -> None:
    document = read_json("openbadges-3.0/credential.json")
    expected = read_text("openbadges-3.0/document-canon.txt")
    loader = jsonld.DocumentLoader()
    for _ in range(5):
        assert jsonld.canonize(document, loader) == expected


# -- user folders and the extra mapping ---------------------------------------------------


def make_folder(tmp_path: Path, contexts: Mapping[str, Any], *, pin: bool = False) -> Path:
    folder = tmp_path / f"contexts-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    manifest: dict[str, Any] = {}
    for i, (url, document) in enumerate(contexts.items()):
        data = json.dumps(document).encode()
        (folder / f"ctx-{i}.json").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        manifest[url] = {"file": f"ctx-{i}.json", "sha256": digest} if pin else f"ctx-{i}.json"
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


TRADES_URL = "https://contexts.example.org/trades/v1"
TRADES = {"@context": {"@protected": True, "trade": "https://contexts.example.org/trades#trade"}}


@pytest.mark.parametrize("pin", [False, True])
def test_user_folder_contexts_are_served(tmp_path: Path, pin: bool) -> None:
    loader = jsonld.DocumentLoader(
        extra_dirs=[make_folder(tmp_path, {TRADES_URL: TRADES}, pin=pin)]
    )
    assert TRADES_URL in loader.urls() and TRADES_URL in loader
    assert loader.load(TRADES_URL) == TRADES
    assert loader.load(TRADES_URL) is loader.load(TRADES_URL)
    out = jsonld.canonize(
        credential(**{"@context": [V2, TRADES_URL], "trade": "carpentry"}), loader
    )
    assert '<https://contexts.example.org/trades#trade> "carpentry"' in out
    with pytest.raises(ContextNotAllowedError):
        jsonld.canonize(credential(**{"@context": [V2, TRADES_URL]}), LOADER)


def test_user_folder_pinned_digest_mismatch(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {TRADES_URL: TRADES}, pin=True)
    (folder / "ctx-0.json").write_text(json.dumps({"@context": {"trade": "https://evil/"}}))
    loader = jsonld.DocumentLoader(extra_dirs=[folder])
    with pytest.raises(ConfigurationError, match="sha256"):
        loader.load(TRADES_URL)


def test_user_folder_size_bound(tmp_path: Path) -> None:
    big = {"@context": {"t": "https://example.org/t"}, "padding": "x" * jsonld.MAX_CONTEXT_BYTES}
    with pytest.raises(ConfigurationError, match="1 MiB"):
        jsonld.DocumentLoader(extra_dirs=[make_folder(tmp_path, {TRADES_URL: big})])
    with pytest.raises(ConfigurationError, match="1 MiB"):
        jsonld.DocumentLoader(extra={TRADES_URL: big})


def test_user_file_growing_after_setup_is_still_bounded(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, {TRADES_URL: TRADES})
    loader = jsonld.DocumentLoader(extra_dirs=[folder])
    (folder / "ctx-0.json").write_text(" " * (jsonld.MAX_CONTEXT_BYTES + 1) + json.dumps(TRADES))
    with pytest.raises(ConfigurationError, match="1 MiB"):
        loader.load(TRADES_URL)


@pytest.mark.parametrize(
    ("manifest", "files", "message"),
    [
        (None, {}, "cannot read manifest.json"),
        ("not json", {}, "invalid manifest.json"),
        ([TRADES_URL], {}, "JSON object"),
        ({TRADES_URL: "../escape.json"}, {}, "plain file name"),
        ({TRADES_URL: "sub/dir.json"}, {}, "plain file name"),
        ({TRADES_URL: "manifest.json"}, {}, "plain file name"),
        ({"relative/url": "a.json"}, {"a.json": TRADES}, "absolute URL"),
        ({TRADES_URL: "missing.json"}, {}, "context file"),
        ({TRADES_URL: {"file": "a.json", "sha256": "xyz"}}, {"a.json": TRADES}, "sha256"),
        ({TRADES_URL: {"file": "a.json", "extra": 1}}, {"a.json": TRADES}, "unknown keys"),
        ({V2: "a.json"}, {"a.json": TRADES}, "cannot be replaced"),
    ],
)
def test_bad_user_folders_are_configuration_errors(
    tmp_path: Path, manifest: Any, files: dict[str, Any], message: str
) -> None:
    folder = tmp_path / "ctx"
    folder.mkdir()
    if manifest is not None:
        text = manifest if isinstance(manifest, str) else json.dumps(manifest)
        (folder / "manifest.json").write_text(text, encoding="utf-8")
    for name, document in files.items():
        (folder / name).write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=message):
        jsonld.DocumentLoader(extra_dirs=[folder])


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON"), ("[1, 2]", "no @context"), ('{"a": 1}', "no @context")],
)
def test_bad_user_context_files_fail_when_loaded(
    tmp_path: Path, content: str, message: str
) -> None:
    folder = make_folder(tmp_path, {TRADES_URL: TRADES})
    (folder / "ctx-0.json").write_text(content, encoding="utf-8")
    loader = jsonld.DocumentLoader(extra_dirs=[folder])
    with pytest.raises(ConfigurationError, match=message):
        loader.load(TRADES_URL)


def test_a_url_is_defined_once(tmp_path: Path) -> None:
    one = make_folder(tmp_path, {TRADES_URL: TRADES})
    two = make_folder(tmp_path, {TRADES_URL: TRADES})
    with pytest.raises(ConfigurationError, match="defined twice"):
        jsonld.DocumentLoader(extra_dirs=[one, two])
    with pytest.raises(ConfigurationError, match="defined twice"):
        jsonld.DocumentLoader(extra_dirs=[one], extra={TRADES_URL: TRADES})
    with pytest.raises(ConfigurationError, match="cannot be replaced"):
        jsonld.DocumentLoader(extra={V2: TRADES})


def test_extra_mapping_is_copied_and_validated() -> None:
    mine = json.loads(json.dumps(TRADES))
    loader = jsonld.DocumentLoader(extra={TRADES_URL: mine})
    mine["@context"]["trade"] = "https://evil.example/"
    assert loader.load(TRADES_URL) == TRADES
    with pytest.raises(ConfigurationError, match="plain JSON"):
        jsonld.DocumentLoader(extra={TRADES_URL: {"@context": {"x": object()}}})
    with pytest.raises(ConfigurationError, match="absolute URL"):
        jsonld.DocumentLoader(extra={"not-a-url": TRADES})
    with pytest.raises(ConfigurationError, match="no @context"):
        jsonld.DocumentLoader(extra={TRADES_URL: {"trade": "x"}})


# ------------------------------------------------------------------------------------------
# RDFC-1.0 port against pyld's independent implementation (blank-node-heavy graphs)
# ------------------------------------------------------------------------------------------

_PREDICATES = ["http://ex/p", "http://ex/q"]


@st.composite
def blank_node_graphs(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    size = draw(st.integers(1, 6))
    nodes = [f"_:n{i}" for i in range(size)]
    objects = [*nodes, "<http://ex/o>", '"lit"', '"other"']
    edges = draw(
        st.lists(
            st.tuples(
                st.sampled_from(nodes), st.sampled_from(_PREDICATES), st.sampled_from(objects)
            ),
            min_size=1,
            max_size=12,
            unique=True,
        )
    )
    # pyld counts a quad twice for a blank node in two positions (rdf-canonize does not).
    return [edge for edge in edges if edge[0] != edge[2]]


def pyld_canonical(edges: list[tuple[str, str, str]]) -> str:
    def term(value: str) -> dict[str, str]:
        if value.startswith("_:"):
            return {"type": "blank node", "value": value}
        if value.startswith("<"):
            return {"type": "IRI", "value": value[1:-1]}
        return {"type": "literal", "value": value[1:-1], "datatype": XSD + "string"}

    triples = [
        {"subject": term(s), "predicate": {"type": "IRI", "value": p}, "object": term(o)}
        for s, p, o in edges
    ]
    result: str = URDNA2015().main({"@default": triples}, {"format": "application/n-quads"})
    return result


@settings(max_examples=300, deadline=None)
@given(blank_node_graphs())
def test_rdfc10_port_agrees_with_pyld_on_blank_node_graphs(
    edges: list[tuple[str, str, str]],
) -> None:
    if not edges:
        return
    quads = [(s, f"<{p}>", o, None, p) for s, p, o in edges]
    try:
        ours_out = jsonld._Rdfc10(quads).run()
    except CanonicalizationError:
        return  # beyond rdf-canonize's work bound (pyld has none)
    assert ours_out == pyld_canonical(edges)


def test_rdfc10_counts_a_self_loop_quad_once() -> None:
    # rdf-canonize keeps a Set of quads per blank node; a quad naming the node twice counts once.
    out = jsonld.canonize(
        corpus_doc(knows={"id": "_:self", "knows": {"id": "_:self"}}), CORPUS_LOADER
    )
    assert out == corpus_fixture()["blank node self loop"]["nquads"]


# ------------------------------------------------------------------------------------------
# JavaScript number helpers
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"), (-0.0, "0"), (1.0, "1"), (123.0, "123"), (0.001, "0.001"), (1e-6, "0.000001"),
        (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (1e20, "100000000000000000000"), (1e21, "1e+21"),
        (1.2345678901234568e20, "123456789012345680000"), (0.1 + 0.2, "0.30000000000000004"),
        (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-2.5, "-2.5"),
    ],
)  # fmt: skip
def test_js_number_to_string(value: float, text: str) -> None:
    assert jsonld._js_number_to_string(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.1, "1.1E0"), (0.0, "0.0E0"), (10.5, "1.05E1"), (1e21, "1.0E21"), (1.5e-7, "1.5E-7"),
        (2.0**-24, "5.960464477539063E-8"),  # a tie: JavaScript rounds up, Python's %e to even
        (-1.0, "-1.0E0"), (1 / 3, "3.333333333333333E-1"),
    ],
)  # fmt: skip
def test_js_canonical_double(value: float, text: str) -> None:
    assert jsonld._js_canonical_double(value) == text


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_js_number_to_string_round_trips(value: float) -> None:
    text = jsonld._js_number_to_string(value)
    assert float(text) == value
    mantissa = jsonld._js_to_exponential_15(value).split("e")[0]
    assert len(mantissa.replace("-", "").replace(".", "")) == 16


def test_keywords_are_pylds() -> None:
    """The keyword list kept here (so that the fast path does not import pyld) is pyld's."""
    from pyld.jsonld import KEYWORDS

    from vcportable.jsonld._loader import KEYWORDS as OURS

    assert frozenset(KEYWORDS) == OURS


def test_jcs_escapes_every_character_as_json_stringify() -> None:
    """JCS strings (eddsa-jcs-2022, @json literals) escape what JSON.stringify escapes: the
    C0 controls (short forms where JSON has them), '"', '\\' and lone surrogates, and
    nothing else; the plain case skips the escaping pass, so every BMP code point is checked
    (and astral ones, printable or not, at intervals)."""
    from vcportable.jsonld._numbers import _jcs

    for code in [*range(0x10000), *range(0x10000, 0x110000, 251), 0xE0001, 0x10FFFF]:
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            expected = f"\\u{code:04x}"
        else:
            expected = json.dumps(char, ensure_ascii=False)[1:-1]
        assert _jcs(f"a{char}b") == f'"a{expected}b"', hex(code)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-fixtures"]:
        sys.exit("usage: VCPORTABLE_INTEROP_DIR=... python tests/test_jsonld.py --write-fixtures")
    harness = interop_dir()
    if harness is None:
        sys.exit("node and VCPORTABLE_INTEROP_DIR (the interop harness) are required")
    write_strings_fixture(harness)
    write_corpus_fixture(harness)
    print(f"wrote {CANON / 'strings.json'} and {CANON / 'corpus.json'}")
