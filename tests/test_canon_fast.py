"""The fast canonicalization path (issue 4) agrees byte for byte with the full path, or steps aside.

Differential tests: :func:`vcportable.canonfast.canonize_fast` against
:func:`vcportable.jsonld.canonize` (pyld in safe mode + the rdf-canonize port) and against
rdf-canonize itself (jsonld.js 9 + rdf-canonize 5 through ``tests/node/canonize.mjs`` when
``node`` and the interop harness are available; through the committed fixture
``tests/vectors/canon_fast/rdf-canonize.json`` always), on the official vectors, on every
credential fixture of the project, and on generated Open Badges 3.0 / VC documents.

The rule checked everywhere: when the fast path returns a string, the reference returns the same
string; when the reference fails (safe mode, unknown context...), the fast path returns ``None``.

Regenerate the committed fixture (needs node and the harness)::

    VCPORTABLE_INTEROP_DIR=/tmp/interop .venv/bin/python tests/test_canon_fast.py --write-fixture
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import require_harness
from vcportable import canonfast, jsonld
from vcportable.errors import CanonicalizationTooComplex, VcPortableError

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors"
SHARED_VECTORS = ROOT.parent / "shared" / "vectors"
CONTEXTS = ROOT / "contexts"
FIXTURE = VECTORS / "canon_fast" / "rdf-canonize.json"
NODE_SCRIPT = ROOT / "tests" / "node" / "canonize.mjs"
LOADER = jsonld.default_loader()

T = TypeVar("T")

# Hypothesis budgets: the default run stays well under a minute; `-m slow` is the big run.
EXAMPLES = int(os.environ.get("VCPORTABLE_CANON_EXAMPLES", "250"))
SLOW_EXAMPLES = int(os.environ.get("VCPORTABLE_CANON_SLOW_EXAMPLES", "4000"))
settings.register_profile(
    "canon-fast",
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "canon-fast-slow", settings.get_profile("canon-fast"), max_examples=SLOW_EXAMPLES
)


# ------------------------------------------------------------------------------------------
# The oracle
# ------------------------------------------------------------------------------------------


def full_path(document: Any) -> str | None:
    """The full path's answer, ``None`` when it refuses the document."""
    try:
        return jsonld.canonize(document, LOADER)
    except VcPortableError:
        return None


def check(document: Any) -> tuple[str | None, str | None]:
    """Fast path vs full path; returns both answers. Any difference fails."""
    before = json.dumps(document, sort_keys=True)
    fast = canonfast.canonize_fast(document, LOADER)
    assert json.dumps(document, sort_keys=True) == before, "the fast path modified its input"
    full = full_path(document)
    if fast is not None:
        assert full is not None, (
            f"fast path produced output where the full path fails:\n{json.dumps(document)}"
        )
        assert fast == full, f"fast and full paths differ for:\n{json.dumps(document)}"
    return fast, full


# ------------------------------------------------------------------------------------------
# Documents: official vectors and the project's fixtures
# ------------------------------------------------------------------------------------------


def _json_files() -> Iterator[Path]:
    for base in (VECTORS, SHARED_VECTORS):
        if base.is_dir():
            yield from sorted(base.rglob("*.json"))


def _with_derived(name: str, document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The document, the document without its proof, and each proof configuration."""
    yield name, document
    if "proof" not in document:
        return
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    yield f"{name} (without proof)", unsecured
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    for i, proof in enumerate(proofs):
        if isinstance(proof, dict):
            config = {k: v for k, v in proof.items() if k != "proofValue"}
            config["@context"] = document.get("@context")
            yield f"{name} (proof configuration {i})", config


def vector_documents() -> list[tuple[str, dict[str, Any]]]:
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in _json_files():
        if path.parent.name == "contexts" or path == FIXTURE:
            continue
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue
        if not isinstance(document, dict) or "@context" not in document:
            continue
        for name, derived in _with_derived(str(path.relative_to(ROOT.parent)), document):
            found.setdefault(json.dumps(derived, sort_keys=True), (name, derived))
    return sorted(found.values(), key=lambda item: item[0])


VECTOR_DOCUMENTS = vector_documents()


@pytest.mark.parametrize(
    "document", [doc for _, doc in VECTOR_DOCUMENTS], ids=[name for name, _ in VECTOR_DOCUMENTS]
)
def test_vectors_and_fixtures_agree_with_full_path(document: dict[str, Any]) -> None:
    check(document)


def test_fast_path_covers_every_vector_the_full_path_accepts() -> None:
    """Coverage: every official vector / project fixture that canonicalizes takes the fast path."""
    accepted = [(name, doc) for name, doc in VECTOR_DOCUMENTS if full_path(doc) is not None]
    assert len(accepted) >= 25
    missed = [
        (name, canonfast.explain(doc, LOADER))
        for name, doc in accepted
        if canonfast.canonize_fast(doc, LOADER) is None
    ]
    assert missed == []


CANONICAL_VECTORS = [
    # (document, expected canonical N-Quads), from the W3C test vectors
    ("vc-di-eddsa/unsigned.json", "vc-di-eddsa/eddsa-rdfc-2022/canonDocDataInt.txt"),
    (
        "vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json",
        "vc-di-eddsa/eddsa-rdfc-2022/proofCanonDataInt.txt",
    ),
    ("vc-di-ecdsa/unsigned.json", "vc-di-ecdsa/ecdsa-rdfc-2019-p256/canonDocECDSAP256.txt"),
    (
        "vc-di-ecdsa/ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json",
        "vc-di-ecdsa/ecdsa-rdfc-2019-p256/proofCanonECDSAP256.txt",
    ),
]


@pytest.mark.parametrize(("document", "expected"), CANONICAL_VECTORS)
def test_official_canonical_forms_byte_for_byte(document: str, expected: str) -> None:
    if not (VECTORS / document).exists() or not (VECTORS / expected).exists():
        pytest.skip(f"vector {document} is not in tests/vectors")
    doc = json.loads((VECTORS / document).read_text(encoding="utf-8"))
    if "proofValue" in doc:
        doc = {k: v for k, v in doc.items() if k != "proofValue"}
    assert canonfast.canonize_fast(doc, LOADER) == (VECTORS / expected).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------
# Specific behaviour
# ------------------------------------------------------------------------------------------

DID_KEY = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
VC2 = "https://www.w3.org/ns/credentials/v2"
OB3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DI2 = "https://w3id.org/security/data-integrity/v2"


def credential(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [VC2, OB3],
        "id": "urn:uuid:6a1d3e2c-4b7f-4c3e-9a55-2f0e8b7c1d90",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "type": "Profile",
        },
        "validFrom": "2025-03-01T00:00:00Z",
        "credentialSubject": {
            "type": "AchievementSubject",
            "achievement": {
                "id": "urn:uuid:0b7c8f6e-3c2a-4d7e-8f21-5e4a9d3b2c11",
                "type": "Achievement",
                "name": "Carpenter Level 2",
                "criteria": {"narrative": "Passed."},
            },
        },
    }
    doc.update(fields)
    return doc


def assert_fast(document: dict[str, Any]) -> str:
    fast, full = check(document)
    assert fast is not None, canonfast.explain(document, LOADER)
    return fast


def assert_falls_back(document: dict[str, Any], *, full_fails: bool | None = None) -> None:
    fast, full = check(document)
    assert fast is None
    if full_fails is not None:
        assert (full is None) is full_fails


def test_sample_credential() -> None:
    document = json.loads((VECTORS / "interop" / "sample-unsigned.json").read_text("utf-8"))
    document["issuer"]["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    out = assert_fast(document)
    assert "_:c14n0 <https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative>" in out


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'quote " backslash \\ tab \t newline \n return \r',
        "".join(chr(c) for c in range(0x20)) + "\x7f",
        "non-ASCII: é ß 中文 \u2028 \u00a0 \ufeff",
        "astral 😀 alone",
        "high BMP \ue000 \ufffd alone",
    ],
)
def test_string_escaping(text: str) -> None:
    out = assert_fast(credential(name=text))
    assert "\\u007F" in out or "\x7f" not in text


def test_utf16_order_corner_falls_back() -> None:
    # JavaScript sorts U+1F600 (surrogates D83D..) before U+E000; code point order is the reverse.
    assert_falls_back(credential(name=["a😀", "a\ue000"]), full_fails=False)


def test_noncharacters() -> None:
    assert "\uffff" in assert_fast(credential(name="x\ufffe\uffff"))


def test_lone_surrogate_falls_back() -> None:
    assert_falls_back(credential(name="bad \ud800"), full_fails=True)


def test_undefined_term_falls_back_and_full_path_fails() -> None:
    assert_falls_back(credential(notATerm="x"), full_fails=True)
    subject = credential()["credentialSubject"]
    subject["achievement"]["notATerm"] = 1
    assert_falls_back(credential(credentialSubject=subject), full_fails=True)


def test_unknown_context_falls_back() -> None:
    doc = credential()
    doc["@context"] = [VC2, "https://example.org/not-bundled/v1"]
    assert_falls_back(doc, full_fails=True)


def test_term_outside_its_type_scope_fails() -> None:
    # achievementType is defined only inside Achievement's type-scoped context
    assert_falls_back(credential(achievementType="Diploma"), full_fails=True)


def test_language_values_and_maps() -> None:
    ctx = [
        VC2,
        OB3,
        {
            "@language": "en",
            "title": {"@id": "https://example.org/title", "@container": "@language"},
        },
    ]
    doc = credential()
    doc["@context"] = ctx
    doc["name"] = [{"@value": "Tischler", "@language": "DE-at"}, "Carpenter"]
    doc["title"] = {"fr": "Charpentier", "en-GB": ["Carpenter", "Joiner"], "@none": "Carpenter"}
    out = assert_fast(doc)
    assert '"Tischler"@de-at' in out and '"Charpentier"@fr' in out


def test_numbers_booleans_and_dates() -> None:
    ctx = [VC2, {"@vocab": "https://example.org/vocab#"}]
    doc = {
        "@context": ctx,
        "type": "VerifiableCredential",
        "validFrom": "2025-03-01T00:00:00Z",
        "n": [0, -7, 5.0, 2.5, -0.0, 1e20, 123.456, 2**53 - 1, 2**60, -(2**64)],
        "b": [True, False],
        "d": {"@value": "2025-01-01", "@type": "http://www.w3.org/2001/XMLSchema#date"},
        "x": {"@value": 3, "@type": "http://www.w3.org/2001/XMLSchema#double"},
    }
    out = assert_fast(doc)
    assert '"2.5E0"^^<http://www.w3.org/2001/XMLSchema#double>' in out
    assert '"5"^^<http://www.w3.org/2001/XMLSchema#integer>' in out
    assert '"3.0E0"^^<http://www.w3.org/2001/XMLSchema#double>' in out


@pytest.mark.parametrize("number", [2**53 + 1, 10**21, 1e21, 1e-7, 1234567890123456.5])
def test_numbers_javascript_reads_differently_fall_back(number: float) -> None:
    doc = {
        "@context": [VC2, {"@vocab": "https://example.org/vocab#"}],
        "type": "VerifiableCredential",
        "n": number,
    }
    assert_falls_back(doc)


def test_json_literals() -> None:
    doc = {
        "@context": [VC2],
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "credentialSubject": {
            "type": "JsonSchema",
            "jsonSchema": {"b": [1, True, None, "x\u0001é"], "a": {"z": 1, "y": 2}, "é": 0},
        },
    }
    out = assert_fast(doc)
    assert "rdf-syntax-ns#JSON>" in out


def test_lists() -> None:
    ctx = [
        VC2,
        {
            "@vocab": "https://example.org/vocab#",
            "seq": {"@id": "https://example.org/seq", "@container": "@list"},
        },
    ]
    doc = {
        "@context": ctx,
        "type": "VerifiableCredential",
        "seq": ["b", "a", {"name": "x"}, "a"],
        "one": {"seq": []},
    }
    out = assert_fast(doc)
    assert out.count("rdf-syntax-ns#first") == 4
    assert "rdf-syntax-ns#nil" in out


def test_proof_graph_and_presentation() -> None:
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2025-03-01T00:00:00Z",
        "verificationMethod": f"{DID_KEY}#{DID_KEY.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
        "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhveuJ7ohMNUjYHbzuVgm",
    }
    signed = credential(proof=proof)
    assert_fast(signed)
    assert_fast({**{k: v for k, v in proof.items() if k != "proofValue"}, "@context": [VC2, OB3]})
    other = credential(id="urn:uuid:2")
    other["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Passed too."
    presentation = {
        "@context": [VC2],
        "type": "VerifiablePresentation",
        "holder": "did:example:holder",
        "verifiableCredential": [signed, other],
        "proof": {
            **proof,
            "proofPurpose": "authentication",
            "challenge": "abc",
            "domain": "example.org",
        },
    }
    out = assert_fast(presentation)
    assert out.count("_:c14n") > 4


def test_blank_nodes_that_need_n_degree_hashing() -> None:
    # Two criteria with the same content in two credential graphs: the first-degree hashes tie,
    # and RDFC-1.0's N-degree hashing decides (pyoxigraph 0.5.13 decides differently there):
    # the full path's port of rdf-canonize goes on from the fast path's first-degree hashes.
    presentation = {
        "@context": [VC2],
        "type": "VerifiablePresentation",
        "verifiableCredential": [
            credential(),
            credential(
                id="urn:uuid:2",
                proof={
                    "type": "DataIntegrityProof",
                    "cryptosuite": "eddsa-rdfc-2022",
                    "proofPurpose": "assertionMethod",
                    "verificationMethod": "did:example:issuer#key-1",
                },
            ),
        ],
    }
    assert_fast(presentation)


def test_blank_node_ids_are_shared() -> None:
    doc = credential(
        credentialSubject=[{"id": "_:s", "name": "A"}, {"id": "_:s", "type": "AchievementSubject"}]
    )
    assert_fast(doc)


def test_duplicates_that_implementations_keep_are_kept() -> None:
    ctx = [
        VC2,
        {
            "@vocab": "https://example.org/vocab#",
            "count": {
                "@id": "https://example.org/count",
                "@type": "http://www.w3.org/2001/XMLSchema#integer",
            },
        },
    ]
    base = {"@context": ctx, "type": "VerifiableCredential"}
    assert_fast({**base, "count": [1, 1, 1.0]})  # equal numbers: deduplicated by both
    assert_fast({**base, "count": [1, "1"]})  # 1 and "1": two equal lines in rdf-canonize


@pytest.mark.parametrize("where", ["top", "nested"])
def test_non_propagated_contexts(where: str) -> None:
    local = {"@propagate": False, "nick": "https://example.org/nick"}
    doc = credential()
    subject = doc["credentialSubject"]
    subject["achievement"]["criteria"]["nick"] = "not defined here"
    if where == "top":
        doc["@context"] = [VC2, OB3, local]
        doc["nick"] = "defined"
    else:
        subject["@context"] = local
        subject["nick"] = "defined"
    # nested: "nick" is out of scope in the criteria (an error); top: @propagate counts only in
    # the first context of an array (pyld and jsonld.js alike), so "nick" is defined there
    fast, full = check(doc)
    assert (full is None) is (where == "nested")
    assert fast == full
    del subject["achievement"]["criteria"]["nick"]
    assert_fast(doc)


def test_inline_context_with_reserved_term_falls_back() -> None:
    doc = credential()
    doc["@context"] = [VC2, OB3, {"@foo": "https://example.org/foo"}]
    assert_falls_back(doc, full_fails=True)


def test_relative_iris_fall_back() -> None:
    assert_falls_back(credential(id="relative/id"), full_fails=True)
    assert_falls_back(credential(issuer="issuers/1"), full_fails=True)


def test_cache_is_bounded_and_reported() -> None:
    canonfast.set_cache_size(4)
    try:
        for i in range(12):
            doc = credential()
            doc["@context"] = [VC2, OB3, {"extra": f"https://example.org/extra/{i}"}]
            doc["extra"] = "x"
            assert_fast(doc)
        info = canonfast.cache_info()
        assert info.context_sets == 4 and info.max_context_sets_per_loader == 4
        assert 0 < info.compiled_contexts < 200
    finally:
        canonfast.set_cache_size(64)
    canonfast.clear_cache()
    assert canonfast.cache_info().context_sets == 0


def test_threads_get_the_same_answer() -> None:
    canonfast.clear_cache()
    docs = [credential(name=f"credential {i}") for i in range(8)]
    expected = [full_path(doc) for doc in docs]
    results: list[list[str | None]] = [[] for _ in range(4)]

    def work(slot: int) -> None:
        for _ in range(5):
            results[slot].extend(canonfast.canonize_fast(doc, LOADER) for doc in docs)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert result == expected * 5


def test_stats_count_fallback_reasons() -> None:
    before = canonfast.stats()
    canonfast.canonize_fast(credential(notATerm="x"), LOADER)
    after = canonfast.stats()
    assert after.get("fallback", 0) == before.get("fallback", 0) + 1
    assert after.get("fallback: undefined term", 0) == before.get("fallback: undefined term", 0) + 1


# ------------------------------------------------------------------------------------------
# Generated documents
# ------------------------------------------------------------------------------------------


class Chooser:
    """The choices a document generator makes; backed by hypothesis or by a seeded Random."""

    def pick(self, options: Sequence[T]) -> T:
        raise NotImplementedError

    def chance(self, percent: int) -> bool:
        raise NotImplementedError

    def integer(self, low: int, high: int) -> int:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError


# Characters that matter to escaping, sorting and encoding, and ordinary ones.
SPECIAL_CHARS = (
    [chr(c) for c in range(0x20)]
    + ['"', "\\", "\x7f", "<", ">", "{", "}", "|", "^", "`", " "]
    + ["é", "ß", "Ω", "中", "\u00a0", "\u0301", "\u2028", "\u2029", "\ufeff", "\ufffd"]
    + ["\ue000", "\uf8ff", "\uffff", "😀", "𝄞", "\U0010ffff"]
)
PLAIN_CHARS = "abcXYZ019 -_.:/#"
TEXT_ALPHABET = st.one_of(
    st.sampled_from(PLAIN_CHARS), st.sampled_from(SPECIAL_CHARS), st.characters(codec="utf-8")
)


class HypothesisChooser(Chooser):
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(0, 99)) < percent

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def text(self) -> str:
        if self.chance(60):
            return self.data.draw(st.text(st.sampled_from(PLAIN_CHARS), max_size=12))
        return self.data.draw(st.text(TEXT_ALPHABET, max_size=10))


class RandomChooser(Chooser):
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(list(options))

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def text(self) -> str:
        pool = PLAIN_CHARS if self.chance(60) else "".join(SPECIAL_CHARS) + PLAIN_CHARS
        return "".join(self.rng.choice(pool) for _ in range(self.rng.randrange(12)))


class Vocabulary:
    """The terms one context set defines: globally, and inside each scoped term's context."""

    def __init__(self, context: list[Any]) -> None:
        manifest = json.loads((CONTEXTS / "manifest.json").read_text("utf-8"))
        self.terms: dict[str, dict[str, Any]] = {}
        self.scoped: dict[str, dict[str, dict[str, Any]]] = {}
        for entry in context:
            if isinstance(entry, str):
                path = CONTEXTS / manifest[entry]["file"]
                entry = json.loads(path.read_text("utf-8"))["@context"]
            for ctx in entry if isinstance(entry, list) else [entry]:
                if isinstance(ctx, dict):
                    self._add(ctx)
        self.types = sorted(name for name in self.terms if name[:1].isupper()) or ["Thing"]
        self.all = sorted(set(self.terms) | {t for terms in self.scoped.values() for t in terms})

    @staticmethod
    def _definition(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {"@id": value}

    def _add(self, ctx: dict[str, Any]) -> None:
        for term, value in ctx.items():
            if term.startswith("@"):
                continue
            definition = self._definition(value)
            self.terms[term] = definition
            inner = definition.get("@context")
            if isinstance(inner, dict):
                bucket = self.scoped.setdefault(term, {})
                for name, sub in inner.items():
                    if not name.startswith("@"):
                        bucket[name] = self._definition(sub)
                        if isinstance(self._definition(sub).get("@context"), dict):
                            self._add({name: sub})

    def definition(self, key: str, scope: str | None) -> dict[str, Any]:
        return self.scoped.get(scope or "", {}).get(key) or self.terms.get(key) or {}


LOCAL_CONTEXT: dict[str, Any] = {
    "@language": "en",
    "local": "https://example.org/local#",
    "label": {"@id": "https://example.org/label", "@container": "@language"},
    "steps": {"@id": "https://example.org/steps", "@container": "@list"},
    "meta": {"@id": "https://example.org/meta", "@type": "@json"},
    "score": {
        "@id": "https://example.org/score",
        "@type": "http://www.w3.org/2001/XMLSchema#double",
    },
    "count": {
        "@id": "https://example.org/count",
        "@type": "http://www.w3.org/2001/XMLSchema#integer",
    },
    "kind": {"@id": "https://example.org/kind", "@type": "@vocab"},
    "link": {"@id": "https://example.org/link", "@type": "@id"},
    "plain": {"@id": "https://example.org/plain", "@language": None},
}
CONTEXT_SETS: list[list[Any]] = [
    [VC2, OB3],
    [VC2, OB3],
    [VC2, OB3],
    [VC2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],
    [VC2, DI2],
    [VC2],
    [VC2, "https://www.w3.org/ns/credentials/undefined-terms/v2"],
    [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    ],
    ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/suites/ed25519-2020/v1"],
    [VC2, OB3, {"@vocab": "https://example.org/vocab#"}],
    [VC2, OB3, LOCAL_CONTEXT],
]
VOCABULARIES = [Vocabulary(context) for context in CONTEXT_SETS]
EVERY_TERM = sorted({term for vocabulary in VOCABULARIES for term in vocabulary.all})

GOOD_IRIS = [
    "urn:uuid:6a1d3e2c-4b7f-4c3e-9a55-2f0e8b7c1d90",
    "urn:uuid:0b7c8f6e-3c2a-4d7e-8f21-5e4a9d3b2c11",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "https://example.edu/issuers/565049",
    "https://example.edu/credentials/3732?x=1&y=%41#frag",
    "mailto:registrar@example.edu",
    "did:web:example.com:users:alice",
    "local:thing",
    "_:b0",
    "_:shared",
]
# not modelled by the fast path, or refused by the full path
ODD_IRIS = [
    "relative/path",
    "http://example.com/a b",
    "http://example.com/<x>",
    "https://example.com/é",
    "Example",
]
DATES = ["2025-03-01T00:00:00Z", "2010-01-01T19:23:24.123+02:00", "2030-12-31", "not a date", ""]
NUMBERS: list[int | float] = [
    0,
    1,
    -7,
    42,
    2.5,
    5.0,
    -0.0,
    1e20,
    0.1,
    123.456,
    1 / 3,
    2**60,
    1e-7,
    2**53 + 1,
    10**21,
    1234567890123456.5,
]
LANGUAGES = ["en", "en-US", "de-AT", "FR", "zh-Hant-TW", "x-private", "not_bcp47", "é"]
# Embedded contexts on nested nodes: aliases, new terms, scoping, and redefinitions of
# protected terms (an error in both paths).
EMBEDDED_CONTEXTS: list[Any] = [
    {"@vocab": "https://example.org/embedded#"},
    {"nick": "https://example.org/nick", "ref": {"@id": "https://example.org/ref", "@type": "@id"}},
    {"ident": "@id", "kind": "@type", "nick": "https://example.org/nick"},
    {"@language": "de", "nick": "https://example.org/nick"},
    {"@propagate": False, "nick": "https://example.org/nick"},
    {"name": "https://example.org/not-schema-name"},
    {"@protected": True, "nick": {"@id": "https://example.org/nick", "@language": "fr"}},
    {
        "nick": {
            "@id": "https://example.org/nick",
            "@context": {"@vocab": "https://example.org/in#"},
        }
    },
    {"@foo": "https://example.org/reserved"},
    {"@import": "https://www.w3.org/ns/credentials/v2"},
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
    "https://example.org/not-bundled",
    None,
]


class DocumentGenerator:
    """Open Badges 3.0 / VC 2.0 shaped documents, mostly valid, sometimes not on purpose."""

    def __init__(self, chooser: Chooser) -> None:
        self.c = chooser
        self.v = VOCABULARIES[0]

    def document(self) -> dict[str, Any]:
        c = self.c
        index = c.integer(0, len(CONTEXT_SETS) - 1)
        self.v = VOCABULARIES[index]
        context = copy.deepcopy(CONTEXT_SETS[index])
        shape = c.pick(["credential", "credential", "credential", "proof", "presentation", "node"])
        if shape == "proof":
            doc = self.proof()
        elif shape == "presentation":
            doc = {
                "type": "VerifiablePresentation",
                "verifiableCredential": [self.credential(context) for _ in range(c.integer(1, 2))],
            }
            if c.chance(50):
                doc["holder"] = self.iri()
            if c.chance(40):
                doc["proof"] = self.proof()
        elif shape == "node":
            doc = self.node(c.pick(self.v.types), depth=0)
        else:
            doc = self.credential(context)
        doc["@context"] = context
        return doc

    def type_name(self, preferred: str) -> str:
        if preferred in self.v.terms and self.c.chance(80):
            return preferred
        return self.c.pick(self.v.types)

    def iri(self) -> str:
        return self.c.pick(ODD_IRIS if self.c.chance(5) else GOOD_IRIS)

    def credential(self, context: list[Any]) -> dict[str, Any]:
        c = self.c
        doc: dict[str, Any] = {
            "@context": context,
            "type": [
                "VerifiableCredential",
                c.pick(["OpenBadgeCredential", "AchievementCredential", "VerifiableCredential"]),
            ],
            "issuer": c.pick([self.iri(), self.node(self.type_name("Profile"), depth=2)]),
            "credentialSubject": self.node(self.type_name("AchievementSubject"), depth=1),
        }
        if c.chance(70):
            doc["id"] = self.iri()
        if c.chance(70):
            doc["validFrom"] = c.pick(DATES)
        if c.chance(30):
            doc["credentialStatus"] = {
                "id": self.iri(),
                "type": "BitstringStatusListEntry",
                "statusPurpose": c.pick(["revocation", "suspension"]),
                "statusListIndex": str(c.integer(0, 9999)),
                "statusListCredential": "https://example.com/status/3",
            }
        if c.chance(25):
            doc["proof"] = self.proof()
        for _ in range(c.integer(0, 3)):
            self.add_property(doc, depth=1, scope="VerifiableCredential")
        return doc

    def proof(self) -> dict[str, Any]:
        c = self.c
        proof: dict[str, Any] = {
            "type": self.type_name("DataIntegrityProof")
            if c.chance(90)
            else "Ed25519Signature2020",
            "cryptosuite": c.pick(["eddsa-rdfc-2022", "ecdsa-rdfc-2019"]),
            "created": c.pick(DATES),
            "verificationMethod": self.iri(),
            "proofPurpose": c.pick(
                ["assertionMethod", "authentication", "capabilityDelegation", "unknownPurpose"]
            ),
        }
        if c.chance(30):
            proof["challenge"] = c.text()
        if c.chance(30):
            proof["proofValue"] = "z" + c.text()
        return proof

    def node(self, type_name: str, depth: int) -> dict[str, Any]:
        c = self.c
        node: dict[str, Any] = {}
        if c.chance(50):
            node["id"] = self.iri()
        if depth > 0 and c.chance(5):
            node["@context"] = copy.deepcopy(c.pick(EMBEDDED_CONTEXTS))
            for _ in range(c.integer(0, 2)):
                node[c.pick(["nick", "ref", "ident", "kind", "other"])] = c.pick(
                    [c.text(), self.iri()]
                )
        if c.chance(85):
            node["type"] = type_name if c.chance(60) else [type_name, c.pick(self.v.types)]
        for _ in range(c.integer(0 if node else 1, 4)):
            self.add_property(node, depth=depth + 1, scope=type_name)
        return node

    def add_property(self, node: dict[str, Any], depth: int, scope: str | None) -> None:
        c = self.c
        scoped = list(self.v.scoped.get(scope or "", {}))
        if c.chance(4):
            key = c.pick(
                ["notDefined", "@foo", "schema:name", "https://schema.org/name", "local:x", "_:p"]
            )
        elif c.chance(4):
            key = c.pick(EVERY_TERM)
        else:
            key = c.pick(scoped if scoped and c.chance(85) else list(self.v.terms))
        if key in ("id", "type", "@context") or key[:1].isupper():
            return
        node[key] = self.value(self.v.definition(key, scope), depth)

    def value(self, definition: dict[str, Any], depth: int) -> Any:
        c = self.c
        coercion = definition.get("@type")
        container = definition.get("@container")
        if c.chance(10 if depth < 4 else 0):
            return [self.value(definition, depth + 1) for _ in range(c.integer(0, 3))]
        if c.chance(2):
            return c.pick([None, {}, [], [[1]], {"@value": None}, {"@list": [1]}, {"@id": "urn:x"}])
        if container == "@language" and c.chance(70):
            return {
                c.pick(LANGUAGES + ["@none"]): c.pick([c.text(), [c.text(), c.text()]])
                for _ in range(c.integer(1, 3))
            }
        if coercion == "@json":
            return c.pick(
                [
                    {"b": [1, True, None, c.text()], "a": {c.text(): c.pick(NUMBERS)}},
                    [c.text(), c.pick(NUMBERS)],
                    {"@context": c.pick(["https://example.org/not-bundled", VC2])},
                    c.text(),
                    c.pick(NUMBERS),
                ]
            )
        if coercion in ("@id", "@vocab") and c.chance(60):
            if depth < 4 and c.chance(50):
                return self.node(c.pick(self.v.types), depth)
            if coercion == "@vocab" and c.chance(70):
                return c.pick(["assertionMethod", "authentication", "Achievement", "notAValue"])
            return self.iri()
        if isinstance(coercion, str) and "date" in coercion.lower() and c.chance(80):
            return c.pick(DATES)
        roll = c.integer(0, 99)
        if roll < 45:
            return c.text()
        if roll < 55:
            return c.pick(NUMBERS)
        if roll < 60:
            return c.pick([True, False])
        if roll < 70:
            return {"@value": c.text(), "@language": c.pick(LANGUAGES)}
        if roll < 75:
            return {
                "@value": c.pick([c.text(), c.pick(NUMBERS), True]),
                "@type": c.pick(
                    [
                        "http://www.w3.org/2001/XMLSchema#date",
                        "xsd:integer",
                        "https://example.org/dt",
                        "@json",
                    ]
                ),
            }
        if depth < 4:
            return self.node(c.pick(self.v.types), depth)
        return c.text()


@settings(settings.get_profile("canon-fast"))
@given(st.data())
def test_generated_documents_agree_with_full_path(data: st.DataObject) -> None:
    document = DocumentGenerator(HypothesisChooser(data)).document()
    fast, full = check(document)
    event(
        "fast path" if fast is not None else "full path ok" if full is not None else "both refuse"
    )


@pytest.mark.slow
def test_generated_documents_agree_with_full_path_big_run(request: pytest.FixtureRequest) -> None:
    """Thousands of generated documents (``pytest -m slow``)."""
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the big differential run: select it with -m slow")
    inner = test_generated_documents_agree_with_full_path.hypothesis.inner_test  # type: ignore[attr-defined]
    settings(settings.get_profile("canon-fast-slow"))(given(st.data())(inner))()


def seeded_documents(count: int, seed: int = 4) -> list[dict[str, Any]]:
    return [DocumentGenerator(RandomChooser(seed * 1_000_003 + i)).document() for i in range(count)]


def test_generated_coverage_is_meaningful() -> None:
    """The generator is not trivial: most documents the full path accepts take the fast path."""
    accepted = fast = 0
    for document in seeded_documents(150):
        result, full = check(document)
        accepted += full is not None
        fast += result is not None
    assert accepted >= 50, accepted
    assert fast / accepted >= 0.75, (fast, accepted)


# ------------------------------------------------------------------------------------------
# Value objects: every spelling of a literal, repeated and mixed (issue 7)
# ------------------------------------------------------------------------------------------

XSD = "http://www.w3.org/2001/XMLSchema#"
VALUE_CONTEXT = [
    VC2,
    {
        "@vocab": "https://example.org/vocab#",
        "xsd": XSD,
        "count": {"@id": "https://example.org/count", "@type": "xsd:integer"},
        "label": {"@id": "https://example.org/label", "@language": "en"},
        "when": {"@id": "https://example.org/when", "@type": "xsd:dateTime"},
    },
]
_SCALARS = st.one_of(
    st.sampled_from(["a", "A", "1", "true", "2024-01-01T00:00:00Z", ""]),
    st.integers(-3, 3),
    st.sampled_from([1.0, 0.5, -2.5, 1e20]),
    st.booleans(),
)
_TYPES = st.sampled_from(
    [None, "xsd:string", "xsd:integer", "xsd:boolean", "xsd:dateTime", f"{XSD}string", "ex:t"]
)


@st.composite
def _value(draw: st.DrawFn) -> Any:
    value = draw(_SCALARS)
    form = draw(st.sampled_from(["plain", "object", "typed", "language", "direction", "node"]))
    if form == "plain":
        return value
    if form == "node":
        return {"note": value}
    literal: dict[str, Any] = {"@value": value}
    if form == "typed" and (datatype := draw(_TYPES)) is not None:
        literal["@type"] = datatype
    if form in ("language", "direction") and isinstance(value, str):
        literal["@language"] = draw(st.sampled_from(["en", "EN", "de-CH", "de-ch"]))
        if form == "direction":
            literal["@direction"] = draw(st.sampled_from(["ltr", "rtl"]))
    return literal


@settings(settings.get_profile("canon-fast"))
@given(st.lists(st.tuples(st.sampled_from(["p", "count", "label", "when"]), _value()), max_size=8))
def test_value_objects_agree_with_full_path(values: list[tuple[str, Any]]) -> None:
    """Fast == full (or the fast path declines) for value objects with and without
    ``@type``/``@language``/``@direction``, repeated values and arrays mixing the forms:
    ``"a"`` and ``{"@value": "a", "@type": "xsd:string"}`` are two lines in both."""
    document: dict[str, Any] = {
        "@context": VALUE_CONTEXT,
        "type": "VerifiableCredential",
        "credentialSubject": {"id": "did:example:s"},
    }
    subject = document["credentialSubject"]
    for key, value in values:
        subject.setdefault(key, []).append(value)
        if len(values) % 2:  # also repeat each value once, in the same array
            subject[key].append(copy.deepcopy(value))
    fast, full = check(document)
    event("fast path" if fast is not None else "full path" if full is not None else "refused")
    strict = canonfast.canonize_fast(document, LOADER, compacted=True)
    if strict is not None:
        assert strict == fast == jsonld.canonize(document, LOADER, compacted=True)


def test_string_and_explicit_xsd_string_are_two_lines() -> None:
    doc = {
        "@context": VALUE_CONTEXT,
        "type": "VerifiableCredential",
        "p": ["a", {"@value": "a", "@type": "xsd:string"}],
        "count": [1, {"@value": 1, "@type": "xsd:integer"}, "1"],
    }
    text = assert_fast(doc)
    assert text.count('<https://example.org/vocab#p> "a" .') == 2
    assert (
        text.count('<https://example.org/count> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .')
        == 2
    )


# ------------------------------------------------------------------------------------------
# The work budget: both paths count the same
# ------------------------------------------------------------------------------------------


def _least_budget(canonize: Any, document: dict[str, Any], field: str) -> int:
    """The smallest value of ``field`` with which ``canonize`` does not run out of budget."""
    low, high = 0, 1 << 20
    while low < high:
        middle = (low + high) // 2
        budget = dataclasses.replace(jsonld.DEFAULT_BUDGET, **{field: middle})
        try:
            canonize(document, LOADER, budget=budget)
        except CanonicalizationTooComplex:
            low = middle + 1
        else:
            high = middle
    return low


@pytest.mark.parametrize("field", ["max_values", "max_value_pairs", "max_blank_nodes"])
def test_budget_counts_agree_with_full_path(field: str) -> None:
    documents = [doc for _, doc in vector_documents()[:40:4]] + seeded_documents(12, seed=7)
    for document in documents:
        if canonfast.canonize_fast(document, LOADER) is None:
            continue
        fast = _least_budget(canonfast.canonize_fast, document, field)
        assert fast == _least_budget(jsonld.canonize, document, field), json.dumps(document)


# ------------------------------------------------------------------------------------------
# Against rdf-canonize itself (jsonld.js 9 + rdf-canonize 5)
# ------------------------------------------------------------------------------------------

EDGE_CASES: list[dict[str, Any]] = [
    credential(),
    credential(name="".join(chr(c) for c in range(0x20)) + '\x7f"\\ é 中 \u2028 \ufeff \uffff'),
    credential(name=["a😀", "a\ue000"]),
    credential(name="x\ufffe\uffff"),
    credential(name=[{"@value": "Tischler", "@language": "DE-at"}, "Carpenter"]),
    credential(notATerm="x"),
    credential(id="relative/id"),
    {
        "@context": [VC2, {"@vocab": "https://example.org/vocab#"}],
        "type": "VerifiableCredential",
        "n": [
            0,
            -7,
            5.0,
            2.5,
            -0.0,
            1e20,
            0.1,
            1 / 3,
            123.456,
            2**53 - 1,
            2**60,
            1e-7,
            1e21,
            2**53 + 1,
        ],
        "b": [True, False],
        "x": {"@value": 3, "@type": "http://www.w3.org/2001/XMLSchema#double"},
    },
    {
        "@context": [VC2],
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "credentialSubject": {
            "type": "JsonSchema",
            "jsonSchema": {
                "b": [1, True, None, "x\u0001é"],
                "a": {"z": 1, "y": 2},
                "é": 0,
                "😀": 1,
                "\ue000": 2,
            },
        },
    },
]


def rdf_canonize(documents: list[Any]) -> list[dict[str, Any]]:
    """jsonld.js 9 + rdf-canonize 5 on each document (``tests/node/canonize.mjs``)."""
    harness = require_harness()
    if not NODE_SCRIPT.exists():
        pytest.skip(f"{NODE_SCRIPT.relative_to(ROOT)} is missing: rdf-canonize comparison skipped")
    completed = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=json.dumps({"documents": documents}),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "VCPORTABLE_INTEROP_DIR": str(harness)},
        timeout=900,
        check=True,
    )
    results: list[dict[str, Any]] = json.loads(completed.stdout)
    assert len(results) == len(documents)
    return results


def compare_with_rdf_canonize(
    documents: list[Any], results: list[dict[str, Any]]
) -> tuple[int, int]:
    accepted = fast_count = 0
    for document, result in zip(documents, results, strict=True):
        fast = canonfast.canonize_fast(document, LOADER)
        expected = result.get("nquads")
        accepted += expected is not None
        if fast is not None:
            fast_count += 1
            assert expected is not None, (
                f"rdf-canonize refuses, fast path does not:\n{json.dumps(document)}"
            )
            assert fast == expected, (
                f"fast path differs from rdf-canonize for:\n{json.dumps(document)}"
            )
    return accepted, fast_count


@pytest.mark.node
def test_vectors_against_rdf_canonize() -> None:
    vectors = [doc for _, doc in VECTOR_DOCUMENTS]
    documents = vectors + EDGE_CASES
    results = rdf_canonize(documents)
    compare_with_rdf_canonize(documents, results)
    # every vector rdf-canonize accepts takes the fast path
    accepted, fast = compare_with_rdf_canonize(vectors, results[: len(vectors)])
    assert fast == accepted >= 25


@pytest.mark.node
def test_generated_documents_against_rdf_canonize(request: pytest.FixtureRequest) -> None:
    slow = "slow" in (request.config.getoption("markexpr") or "")
    documents = seeded_documents(3000 if slow else 300, seed=11)
    accepted, fast = compare_with_rdf_canonize(documents, rdf_canonize(documents))
    assert fast >= 0.75 * accepted


def test_committed_rdf_canonize_fixture() -> None:
    """The same comparison without node: outputs of rdf-canonize committed with the tests."""
    cases = json.loads(FIXTURE.read_text("utf-8"))["cases"]
    assert len(cases) >= 300
    documents = [case["document"] for case in cases]
    accepted, fast = compare_with_rdf_canonize(documents, [case["result"] for case in cases])
    assert fast >= 0.75 * accepted


def write_fixture() -> None:
    """Regenerate tests/vectors/canon_fast/rdf-canonize.json (``--write-fixture``)."""
    project = [doc for name, doc in VECTOR_DOCUMENTS if name.startswith(f"{ROOT.name}/")]
    documents = EDGE_CASES + project + seeded_documents(320, seed=23)
    results = rdf_canonize(documents)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "about": (
            "Documents and their RDFC-1.0 canonical N-Quads (or error) from jsonld.js 9 + "
            "rdf-canonize 5 with safe: true, base: null, rdfDirection 'i18n-datatype' "
            "(tests/node/canonize.mjs over the bundled contexts). Generated by "
            "tests/test_canon_fast.py --write-fixture."
        ),
        "cases": [{"document": d, "result": r} for d, r in zip(documents, results, strict=True)],
    }
    cases = ",\n".join(json.dumps(case, separators=(",", ":")) for case in payload["cases"])
    about = json.dumps(payload["about"])
    FIXTURE.write_text(f'{{"about": {about},\n"cases": [\n{cases}\n]}}\n', encoding="utf-8")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write-fixture"]:
        sys.exit("usage: python tests/test_canon_fast.py --write-fixture")
    write_fixture()


# --------------------------------------------------------------------------------------------
# The compiled-context snapshot (issue 12: a cold verify without pyld)


def _snapshot_corpus() -> list[Path]:
    from vcportable.canonfast import snapshot

    return [ROOT / folder for folder in snapshot.CORPUS]


def test_snapshot_is_what_pyld_computes_today() -> None:
    """The shipped snapshot is regenerated here, by pyld, and must be identical: it cannot
    drift from the bundle, pyld or the fast path (fix: python -m vcportable.canonfast.snapshot)."""
    from vcportable.canonfast import snapshot

    shipped = snapshot.FILE.read_text(encoding="utf-8").splitlines()
    assert snapshot.build(_snapshot_corpus()) == shipped
    assert len(shipped) > 5  # the usual sets are there (v2 + OB 3.0.x, v1 + OB 3.0.1...)


def test_snapshot_gives_the_same_answers_as_pyld() -> None:
    """Every corpus document: the same N-Quads (or the same reason to fall back) whether the
    contexts come from the snapshot or from pyld."""
    from vcportable.canonfast import snapshot
    from vcportable.canonfast._context import compiler_for

    recorded, compiled = jsonld.DocumentLoader(), jsonld.DocumentLoader()
    compiler_for(compiled).use_snapshot = False
    documents = list(snapshot._documents(_snapshot_corpus()))
    fast = 0
    for doc in documents:
        expected = canonfast.canonize_fast(doc, compiled, compacted=True)
        assert canonfast.canonize_fast(doc, recorded, compacted=True) == expected
        assert canonfast.explain(doc, recorded, compacted=True) == canonfast.explain(
            doc, compiled, compacted=True
        )
        fast += expected is not None
    assert fast > 100
    assert compiler_for(recorded).sets  # the snapshot was used: no pyld processing needed
    root = compiler_for(recorded).sets[tuple(_sample()["@context"])][1]
    assert not isinstance(root, str) and root.raw["_uuid"].startswith("vcportable snapshot")


def test_snapshot_is_ignored_when_the_bundle_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A set is read back only for the context documents it was made from."""
    from vcportable.canonfast import snapshot

    urls = tuple(_sample()["@context"])
    loader = jsonld.DocumentLoader()
    assert snapshot.recorded(urls, loader) is not None
    monkeypatch.setattr(loader, "pinned_digest", lambda url: "0" * 64)
    assert snapshot.recorded(urls, loader) is None
    assert snapshot.recorded(("https://example.org/unknown",), loader) is None


def _sample() -> dict[str, Any]:
    return json.loads((VECTORS / "credentials" / "sample-unsigned.json").read_text())


# ------------------------------------------------------------------------------------------
# A presentation's walk serves its credentials (canonfast.sharing, canonfast._share)
# ------------------------------------------------------------------------------------------


def _signed_parts(presentation: dict[str, Any]) -> list[dict[str, Any]]:
    """What the proofs of a presentation's credentials sign: each credential without its
    proof, each proof without its value and with the credential's context."""
    parts = []
    for credential in presentation["verifiableCredential"]:
        proof = credential.get("proof")
        parts.append({k: v for k, v in credential.items() if k != "proof"})
        if isinstance(proof, dict):
            config = {k: v for k, v in proof.items() if k != "proofValue"}
            parts.append({**config, "@context": credential.get("@context")})
    return parts


def _generated_presentations(count: int, compacted: bool) -> Iterator[dict[str, Any]]:
    """Presentations of 1 to 3 generated credentials that the fast path takes alone, each with
    a generated proof (whole presentations from the generator seldom pass: one credential
    outside the modelled subset is enough)."""
    chooser = RandomChooser(77)
    credentials = []
    for document in seeded_documents(count, seed=21):
        if "credentialSubject" not in document:
            continue
        document.setdefault("proof", DocumentGenerator(chooser).proof())
        if canonfast.canonize_fast(document, LOADER, compacted=compacted) is not None:
            credentials.append(document)
    while credentials:
        size = chooser.integer(1, 3)
        enclosed, credentials = credentials[:size], credentials[size:]
        yield {
            "@context": [VC2],
            "type": "VerifiablePresentation",
            "holder": "did:example:holder",
            "verifiableCredential": enclosed,
        }


@pytest.mark.parametrize("compacted", [False, True])
def test_generated_presentations_share_exactly(compacted: bool) -> None:
    """Within ``canonfast.sharing()`` a presentation of generated credentials and what their
    proofs sign canonicalize exactly as each does alone, and as the full path does."""
    before = canonfast.stats().get("shared walk", 0)
    for presentation in _generated_presentations(4000, compacted):
        documents = [presentation, *_signed_parts(presentation)]
        alone = [canonfast.canonize_fast(d, LOADER, compacted=compacted) for d in documents]
        with canonfast.sharing():
            shared = [canonfast.canonize_fast(d, LOADER, compacted=compacted) for d in documents]
        assert shared == alone, json.dumps(presentation)
        for document, text in zip(documents, shared, strict=True):
            assert text is None or text == full_path(document), json.dumps(document)
    # credentials and proofs that took the presentation's walk
    assert canonfast.stats().get("shared walk", 0) - before >= (100 if compacted else 300)
